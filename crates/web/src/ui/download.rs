//! CSV downloads of the UI's tables. Each list page serves its rows as the
//! page found them (the same search, the same filters), written through
//! the app's one CSV writer (`baton_app::csv_cells`), so a spreadsheet gets
//! what the person saw and never runs a cell as a formula.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// `body` as a CSV attachment named `baton-{name}.csv`; characters a file
/// name or header should not hold become `-`.
pub fn csv(name: &str, body: String) -> Response {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(d) = HeaderValue::from_str(&format!("attachment; filename=\"baton-{safe}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_keeps_only_safe_characters() {
        let res = csv("mail \"x\"\r\n/../2026-W44", "a\n".into());
        let d = res.headers()[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or_default();
        assert_eq!(
            d,
            "attachment; filename=\"baton-mail--x----..-2026-W44.csv\""
        );
    }
}
