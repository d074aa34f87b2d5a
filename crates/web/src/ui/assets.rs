//! Static assets, embedded in the binary: the stylesheet, the vendored htmx
//! (see `assets/README.md`) and the little script the pages share.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The embedded files: name, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "baton.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/baton.css"),
    ),
    (
        "baton.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/baton.js"),
    ),
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/htmx-2.0.11.min.js"),
    ),
];

/// `GET /assets/{name}`.
pub async fn get(Path(name): Path<String>) -> Response {
    let Some((_, kind, bytes)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let mut res = (*bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    // Names change with content only for htmx; the rest revalidate hourly.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    res
}
