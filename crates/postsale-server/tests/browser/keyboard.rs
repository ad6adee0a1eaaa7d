//! The mapping screen with the keyboard alone: Tab moves through the categories and fields
//! with a visible focus, the element picker responds to typing, arrow keys, Enter and Escape,
//! and Save works from the keyboard. Also the screen's layout at a phone's width.

use serde_json::{Value, json};

use crate::browser_tests;
use crate::common::{TestServer, shared_payload};
use crate::flows::{self, focus_outline, sign_in, tab_to};
use crate::harness::{Browser, DESKTOP};
use crate::webdriver::keys;

const TOKEN_HEADER: &str = "X-Token";
const TOKEN: &str = "keyboard-test-token";

/// The most Tab presses between two controls before a test gives up.
const MAX_TABS: usize = 150;

async fn mapping_with_keyboard_alone(server: TestServer, mut browser: Browser) {
    let merchant = flows::merchant(&server).await;
    let security =
        json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
    let store = server
        .create_store(
            &merchant.api_key,
            json!({"name": "Keys", "security": security}),
        )
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let kept = server
        .client
        .post(store["webhook"]["url"].as_str().unwrap())
        .header(TOKEN_HEADER, TOKEN)
        .header("Content-Type", "application/json")
        .body(shared_payload("shopify-orders-create.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 200);

    sign_in(&browser, &server).await;
    browser
        .goto(&server.url(&format!("/settings/stores/{store_id}/map")))
        .await
        .unwrap();
    browser.wait_for("#element-list li").await;

    // Order source: a fixed value typed into the picker, chosen with ArrowDown and Enter.
    tab_to(&browser, "#pick-order-source", MAX_TABS).await;
    let (style, width) = focus_outline(&browser).await;
    assert!(
        style != "none" && width >= 2.0,
        "the focused picker shows an outline ({style}, {width}px)"
    );
    browser.press_keys("webshop").await.unwrap();
    browser
        .wait_for_text("#list-order-source", "Use the fixed value \"webshop\"")
        .await;
    browser.press_keys(keys::ARROW_UP).await.unwrap();
    let active = browser
        .find("#pick-order-source")
        .await
        .unwrap()
        .attribute("aria-activedescendant")
        .await
        .unwrap();
    assert!(
        active.is_some(),
        "the arrow key marks an option for assistive technology"
    );
    browser.press_keys(keys::ENTER).await.unwrap();
    browser
        .wait_for_text("#source-order-source", "Fixed value \"webshop\"")
        .await;
    let row_class = browser
        .find(".field-row[data-field=\"order.source\"]")
        .await
        .unwrap()
        .attribute("class")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        row_class.contains("current"),
        "the field being mapped is highlighted"
    );

    // Order number: typing filters the elements; Escape closes the list and keeps the map.
    tab_to(&browser, "#pick-order-number", MAX_TABS).await;
    browser.press_keys("order_number").await.unwrap();
    browser
        .wait_for_text("#list-order-number", "$.order_number")
        .await;
    browser.press_keys(keys::ESCAPE).await.unwrap();
    let list = browser.find("#list-order-number").await.unwrap();
    assert!(
        !list.is_displayed().await.unwrap(),
        "Escape closes the list"
    );
    browser.press_keys("order_number").await.unwrap();
    browser.press_keys(keys::ARROW_DOWN).await.unwrap();
    browser.press_keys(keys::ENTER).await.unwrap();
    browser
        .wait_for_text("#source-order-number", "Element $.order_number")
        .await;
    browser.screenshot("order-fields-by-keyboard").await;

    // Items: the category opens with Enter and closes Order; the lines array and two item
    // fields are chosen from the keyboard.
    tab_to(&browser, "#category-items", MAX_TABS).await;
    browser.press_keys(keys::ENTER).await.unwrap();
    let order_toggle = browser.find("#category-order").await.unwrap();
    assert_eq!(
        order_toggle
            .attribute("aria-expanded")
            .await
            .unwrap()
            .as_deref(),
        Some("false"),
        "one category is open at a time"
    );
    tab_to(&browser, "#pick-items", MAX_TABS).await;
    browser.press_keys("line_items").await.unwrap();
    browser.press_keys(keys::ARROW_DOWN).await.unwrap();
    browser.press_keys(keys::ENTER).await.unwrap();
    browser
        .wait_for_text("#source-items", "$.line_items[*]")
        .await;
    for (picker, typed) in [
        ("#pick-items-name", "@.name"),
        ("#pick-items-quantity", "@.quantity"),
    ] {
        tab_to(&browser, picker, MAX_TABS).await;
        browser.press_keys(typed).await.unwrap();
        browser.press_keys(keys::ARROW_DOWN).await.unwrap();
        browser.press_keys(keys::ENTER).await.unwrap();
        let note = picker.replace("#pick-", "#source-");
        browser
            .wait_for_text(&note, &format!("Element {typed}"))
            .await;
    }
    browser
        .wait_for_text(
            "#preview-status",
            "imports as order 1071 from source webshop",
        )
        .await;
    browser.screenshot("items-by-keyboard").await;

    tab_to(&browser, "#save-map", MAX_TABS).await;
    let (style, _) = focus_outline(&browser).await;
    assert_ne!(style, "none", "the focused Save button shows an outline");
    browser.press_keys(keys::ENTER).await.unwrap();
    browser
        .wait_for_text("#map-status", "Saved map version 1")
        .await;
    browser.screenshot("saved-by-keyboard").await;
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
    let map = &saved["map"];
    assert_eq!(
        map["fields"]["order.source"],
        json!({"value": "webshop"}),
        "{saved}"
    );
    assert_eq!(
        map["fields"]["order.number"],
        json!({"path": "$.order_number"})
    );
    assert_eq!(map["items"]["path"], "$.line_items[*]");
    assert_eq!(
        map["items"]["fields"]["items.name"],
        json!({"path": "@.name"})
    );
    assert_eq!(
        map["items"]["fields"]["items.quantity"],
        json!({"path": "@.quantity"})
    );
    assert_eq!(saved["can_import"], true);

    // At a phone's width the screen fits without sideways scrolling.
    browser.set_window_size(375, 812).await.unwrap();
    browser
        .goto(&browser.current_url().await.unwrap())
        .await
        .unwrap();
    browser.wait_for("#element-list li").await;
    browser.screenshot("narrow-375").await;
    flows::assert_fits_width(&browser).await;
    browser.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
}

browser_tests!(mapping_with_keyboard_alone);
