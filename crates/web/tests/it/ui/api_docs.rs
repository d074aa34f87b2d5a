//! The API reference at `/api/docs`: Swagger UI served by the binary,
//! rendering every operation of the OpenAPI document in Chromium under
//! the pages' CSP (nothing from a CDN, no inline script).

use super::start;
use crate::openapi::operations;

#[tokio::test]
async fn the_footer_links_the_api_reference_which_renders_every_operation_under_the_csp() {
    let Some((s, b)) = start(&["admin@acme.test"]).await else {
        return;
    };
    b.login("admin@acme.test", super::PASSWORD).await;
    b.click("footer.foot a[href='/api/docs/']").await;
    let title = b
        .wait_text(".swagger-ui .info .title", |t| !t.is_empty())
        .await;
    assert!(title.contains("Baton"), "{title}");
    assert_eq!(b.path().await, "/api/docs/");

    let doc = s.anon().get("/openapi.json").await.expect(200).clone();
    let want = operations(&doc).len();
    // Swagger UI renders the operations in the same pass as the title.
    let shown = b.count(".swagger-ui .opblock").await;
    assert_eq!(shown, want, "every operation of the document is listed");

    // Everything the page loaded came from Baton itself.
    let foreign = b
        .execute(
            "return performance.getEntriesByType('resource')\
             .map(e => e.name).filter(n => !n.startsWith(location.origin))",
        )
        .await;
    assert_eq!(foreign, serde_json::json!([]), "nothing from elsewhere");
    b.screenshot("api-reference").await;
}
