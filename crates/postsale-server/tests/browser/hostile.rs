//! Captured requests are hostile: markup in a body's keys and values and in a header must
//! show as text on the Security page and the mapping screen, and run nothing.

use serde_json::{Value, json};

use crate::browser_tests;
use crate::common::TestServer;
use crate::flows::{self, assert_nothing_injected, sign_in};
use crate::harness::Browser;

const TOKEN_HEADER: &str = "X-Token";
const TOKEN: &str = "hostile-test-token";

const SCRIPT: &str = "<script>alert('number')</script>";
const IMG_VALUE: &str = "\"><img src=x onerror=alert('note')>";
const IMG_KEY: &str = "<img src=x onerror=alert('key')>";
const HEADER_VALUE: &str = "\"><img src=x onerror=alert('header')>";

fn hostile_body() -> Value {
    json!({
        "order_number": SCRIPT,
        "note": IMG_VALUE,
        IMG_KEY: "<script>document.title='changed'</script>",
        "line_items": [{"name": "<b>bold</b><img src=x onerror=alert('line')>", "quantity": 1}]
    })
}

async fn hostile_request_renders_as_text(server: TestServer, mut browser: Browser) {
    let merchant = flows::merchant(&server).await;
    let security =
        json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
    let store = server
        .create_store(
            &merchant.api_key,
            json!({"name": "Hostile", "security": security}),
        )
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let url = store["webhook"]["url"].as_str().unwrap();
    let kept = server
        .client
        .post(url)
        .header(TOKEN_HEADER, TOKEN)
        .header("X-Note", HEADER_VALUE)
        .header("Content-Type", "application/json")
        .body(hostile_body().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 200, "the hostile body is kept");
    let rejected = server
        .client
        .post(url)
        .header(TOKEN_HEADER, HEADER_VALUE)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), 401, "a wrong token is rejected");

    sign_in(&browser, &server).await;
    browser
        .goto(&server.url(&format!("/settings/stores/{store_id}/security")))
        .await
        .unwrap();
    browser.wait_for("#request-view").await;
    browser.wait_for("#rejected-list li").await;
    let headers = browser
        .find("#headers-table")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        headers.contains(HEADER_VALUE),
        "the header shows as text: {headers}"
    );
    browser
        .find("#tab-json")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let json = browser.wait_for_text("#body-json", SCRIPT).await;
    assert!(json.contains("onerror=alert('note')"), "{json}");
    browser.screenshot("security-page-json").await;
    browser
        .find("#tab-raw")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_text("#body-raw", IMG_KEY).await;
    browser.screenshot("security-page-raw").await;
    assert_nothing_injected(&browser).await;
    let title = browser.title().await.unwrap();
    assert!(
        !title.contains("changed"),
        "a script in the body changed the title: {title}"
    );

    browser
        .goto(&server.url(&format!("/settings/stores/{store_id}/map")))
        .await
        .unwrap();
    let key_path = format!("$['{}']", IMG_KEY.replace('\'', "\\'"));
    browser.wait_for_text("#element-list", &key_path).await;
    browser
        .find("#suggest-map")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for_text("#map-status", "Suggested").await;
    let picker = browser.find("#pick-order-custom_field_1").await.unwrap();
    picker.send_keys("order").await.unwrap();
    browser
        .wait_for_text("#list-order-custom_field_1", SCRIPT)
        .await;
    browser.screenshot("mapping-picker").await;
    browser
        .press_keys(crate::webdriver::keys::ESCAPE)
        .await
        .unwrap();
    browser.wait_for_text("#preview-panel", "Preview").await;
    browser.screenshot("mapping-preview").await;
    assert_nothing_injected(&browser).await;
    browser.assert_no_script_errors().await;
}

browser_tests!(hostile_request_renders_as_text);
