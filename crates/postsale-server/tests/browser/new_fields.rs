//! The store's Map page flags elements that arrived in requests after the map was saved and
//! that the map does not read, and stops flagging one once it is mapped. A conversion set on
//! the field shows in the preview and is saved with the map.

use serde_json::{Value, json};

use crate::browser_tests;
use crate::common::{TestServer, shared_payload};
use crate::flows::{self, sign_in};
use crate::harness::Browser;
use crate::webdriver::keys;

const TOKEN_HEADER: &str = "X-Token";
const TOKEN: &str = "new-fields-token";

async fn map_page_flags_new_fields(server: TestServer, mut browser: Browser) {
    let merchant = flows::merchant(&server).await;
    let security =
        json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
    let store = server
        .create_store(
            &merchant.api_key,
            json!({"name": "Growing", "security": security}),
        )
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let url = store["webhook"]["url"].as_str().unwrap().to_owned();

    let first: Value =
        serde_json::from_slice(&shared_payload("shopify-orders-create.json")).unwrap();
    deliver(&server, &url, &first).await;
    let preset: Value = server
        .get("/api/v1/presets/shopify", Some(&merchant.api_key))
        .await
        .json()
        .await
        .unwrap();
    let saved = server
        .client
        .put(server.url(&format!("/api/v1/stores/{store_id}/map")))
        .bearer_auth(&merchant.api_key)
        .json(&preset)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "the preset map is saved");
    let mut later = first.clone();
    later["gift_wrap_message"] = json!("Happy birthday");
    later["order_number"] = json!(1072);
    deliver(&server, &url, &later).await;

    sign_in(&browser, &server).await;
    browser
        .goto(&server.url(&format!("/settings/stores/{store_id}/map")))
        .await
        .unwrap();
    let notice = browser
        .wait_for_text("#new-elements-notice", "$.gift_wrap_message")
        .await;
    assert!(notice.starts_with("1 new field"), "{notice}");
    let flagged = browser
        .wait_for_text("#element-list li.is-new", "$.gift_wrap_message")
        .await;
    assert!(flagged.contains("New field"), "{flagged}");
    assert!(flagged.contains("Not mapped"), "{flagged}");
    browser.screenshot("new-field-flagged").await;

    // Mapped to Gift message, the element is marked as mapped in the request panel.
    browser
        .find("#category-notes")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let picker = browser.wait_for("#pick-notes-gift_message").await;
    picker.click().await.unwrap();
    picker.send_keys("gift_wrap").await.unwrap();
    browser
        .wait_for_text("#list-notes-gift_message", "New field")
        .await;
    browser.press_keys(keys::ARROW_DOWN).await.unwrap();
    browser.press_keys(keys::ENTER).await.unwrap();
    browser
        .wait_for_text("#element-list li.is-mapped", "$.gift_wrap_message")
        .await;
    browser
        .wait_for_text("#preview-order", "Happy birthday")
        .await;

    // A conversion typed into the field's settings reaches the preview and the saved map.
    browser
        .find(".field-row[data-field=\"notes.gift_message\"] details.conversions summary")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for("#conv-notes-gift_message-value_map")
        .await
        .send_keys("Happy birthday = Happy birthday, Ann")
        .await
        .unwrap();
    browser
        .wait_for_text("#preview-order", "Happy birthday, Ann")
        .await;
    browser
        .wait_for_text(
            ".field-row[data-field=\"notes.gift_message\"] .conversion-count",
            "(1 set)",
        )
        .await;
    browser.screenshot("conversion-set").await;
    browser
        .find("#save-map")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text("#map-status", "Saved map version 2")
        .await;

    browser
        .goto(&browser.current_url().await.unwrap())
        .await
        .unwrap();
    browser.wait_for("#element-list li").await;
    let notice = browser.find("#new-elements-notice").await.unwrap();
    assert!(
        !notice.is_displayed().await.unwrap(),
        "a mapped element is no longer flagged"
    );
    browser.screenshot("new-field-mapped").await;
    browser.assert_no_script_errors().await;

    let saved: Value = server
        .get(
            &format!("/api/v1/stores/{store_id}/map"),
            Some(&merchant.api_key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        saved["map"]["fields"]["notes.gift_message"],
        json!({
            "path": "$.gift_wrap_message",
            "value_map": {"Happy birthday": "Happy birthday, Ann"}
        }),
        "{saved}"
    );
}

async fn deliver(server: &TestServer, url: &str, body: &Value) {
    let response = server
        .client
        .post(url)
        .header(TOKEN_HEADER, TOKEN)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "the request is kept");
}

browser_tests!(map_page_flags_new_fields);
