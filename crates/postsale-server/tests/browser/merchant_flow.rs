//! The merchant's whole flow in the browser, from an empty account to an imported order. The
//! test signs in, adds a webhook with the Shopify HMAC preset and sends the real Shopify body
//! with `send-test`. It watches the request arrive, maps it with the preset, fixes one field
//! by hand, finishes the wizard, and finds the order in the orders list. Each step is saved
//! as a screenshot.

use std::time::{Duration, Instant};

use postsale_core::verify::{Preset, SHOPIFY_TEST_SHOP_DOMAIN};
use serde_json::Value;

use crate::browser_tests;
use crate::common::{TestServer, shared_payload};
use crate::flows::{self, assert_nothing_injected, payload_path, sign_in, value_of};
use crate::harness::Browser;
use crate::webdriver::keys;

const SHOPIFY_SECRET: &str = "shpss_browser_test_secret_0123";
const SHOPIFY_PAYLOAD: &str = "shopify-orders-create.json";

/// How soon after its arrival the waiting panel must show a request.
const ARRIVAL_DEADLINE: Duration = Duration::from_secs(2);

async fn merchant_reaches_imported_order(server: TestServer, mut browser: Browser) {
    let merchant = flows::merchant(&server).await;
    browser.goto(&server.url("/sign-in")).await.unwrap();
    browser.wait_for("#email").await;
    browser.screenshot("sign-in").await;
    sign_in(&browser, &server).await;

    // Store Settings, Add webhook: the store is created and step 1 opens.
    browser.goto(&server.url("/settings/stores")).await.unwrap();
    browser
        .wait_for("#add-webhook")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#security-form").await;
    let url = browser.current_url().await.unwrap();
    let store_id: i64 = url
        .split("/settings/stores/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no store id in {url}"));
    browser
        .wait_for_text("#waiting", "Waiting for the first request")
        .await;
    browser.screenshot("step-1-security").await;
    assert!(
        !browser
            .find("#next-step")
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap(),
        "Next waits for a request"
    );

    choose_shopify_hmac(&mut browser).await;

    // The webhook URL, as Copy to Clipboard would copy it.
    let webhook_url = value_of(&browser, "#webhook-url").await;
    assert!(
        webhook_url.starts_with(&server.url("/hooks/")),
        "the page shows the webhook URL {webhook_url}"
    );
    assert!(
        browser
            .find("#copy-url")
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap(),
        "Copy to Clipboard is shown"
    );

    // The real Shopify body, signed and posted by send-test, shows up without a reload.
    flows::send_test(
        &webhook_url,
        payload_path(SHOPIFY_PAYLOAD),
        Preset::Shopify,
        SHOPIFY_SECRET,
    )
    .await;
    let arrived = Instant::now();
    browser
        .wait_for_within("#request-view", ARRIVAL_DEADLINE)
        .await;
    let shown_after = arrived.elapsed();
    assert!(
        shown_after <= ARRIVAL_DEADLINE,
        "the request showed after {shown_after:?}"
    );
    check_request_views(&mut browser).await;

    let next = browser.find("#next-step").await.unwrap();
    assert!(
        next.is_enabled().await.unwrap(),
        "Next is enabled once the request is in"
    );
    next.click().await.unwrap();

    // Step 2: the preset maps it; Custom field 2 is set by hand; save and continue.
    browser.wait_for("#element-list li").await;
    let notice = browser
        .wait_for("#required-notice")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        notice.contains("Order source and order number are not set yet"),
        "the page says plainly what is unset: {notice}"
    );
    assert!(
        !browser
            .find("#save-map")
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap(),
        "Save needs a mapped field"
    );
    browser.screenshot("step-2-unmapped").await;

    browser
        .find("#preset-choice option[value=\"shopify\"]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find("#apply-preset")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text("#map-status", "Applied the Shopify preset")
        .await;
    browser
        .wait_for_text("#preview-status", "imports as order 1071")
        .await;
    assert!(
        !browser
            .find("#required-notice")
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap(),
        "the notice goes once order source and number are mapped"
    );
    browser.screenshot("step-2-preset-applied").await;

    let picker = browser.find("#pick-order-custom_field_2").await.unwrap();
    picker.click().await.unwrap();
    picker.send_keys("confirmation_number").await.unwrap();
    browser
        .wait_for("#list-order-custom_field_2 [role=option]")
        .await;
    browser.press_keys(keys::ARROW_DOWN).await.unwrap();
    browser.press_keys(keys::ENTER).await.unwrap();
    let note = browser
        .wait_for_text("#source-order-custom_field_2", "$.confirmation_number")
        .await;
    assert!(
        note.contains("V9ENVL83C"),
        "the example value is shown: {note}"
    );
    browser.wait_for_text("#preview-order", "V9ENVL83C").await;
    // The request panel marks the element just chosen as mapped.
    browser
        .wait_for_text("#element-list li.is-mapped", "$.confirmation_number")
        .await;
    browser.screenshot("step-2-field-fixed-by-hand").await;

    browser
        .find("#save-map")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_path(&format!("/settings/stores/{store_id}/setup/details"))
        .await;

    // Step 3 (automation, name, logo, address), then Finish returns to Store Settings.
    let name = browser.wait_for("#store-name").await;
    name.clear().await.unwrap();
    name.send_keys("Acme Shopify").await.unwrap();
    browser.screenshot("step-3-details").await;
    browser
        .find("#finish")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(&format!("#store-{store_id}"), "Acme Shopify")
        .await;
    browser.screenshot("store-settings").await;

    // The sample request imports once the map makes the webhook active.
    flows::reload_until_text(
        &browser,
        &server.url("/orders"),
        "#orders-table",
        "1071",
        Duration::from_secs(15),
    )
    .await;
    browser.screenshot("orders-list").await;
    assert_nothing_injected(&browser).await;
    browser.assert_no_script_errors().await;

    let orders: Value = server
        .get("/api/v1/orders", Some(&merchant.api_key))
        .await
        .json()
        .await
        .unwrap();
    let order = &orders["items"][0];
    assert_eq!(order["number"], "1071", "{orders}");
    assert_eq!(order["source"], SHOPIFY_TEST_SHOP_DOMAIN, "{orders}");
    let order_id = order["id"].as_i64().unwrap();
    let detail: Value = server
        .get(
            &format!("/api/v1/orders/{order_id}"),
            Some(&merchant.api_key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        detail["order"]["custom_field_2"], "V9ENVL83C",
        "the field fixed by hand is imported: {detail}"
    );
}

/// Adds an HMAC check with the Shopify preset on step 1 and saves it.
async fn choose_shopify_hmac(browser: &mut Browser) {
    for remove in browser.find_all("#checks .remove-check").await.unwrap() {
        remove.click().await.unwrap();
    }
    browser
        .find("#security-type option[value=\"hmac\"]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .find("#add-check")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let card = browser
        .wait_for("#checks .check-card[data-type=\"hmac\"]")
        .await;
    card.find(".hmac-preset option[value=\"shopify\"]")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let header = card.find("[data-field=\"header\"]").await.unwrap();
    assert_eq!(
        header.property("value").await.unwrap(),
        "X-Shopify-Hmac-Sha256",
        "the preset fills in the header"
    );
    card.find("[data-field=\"secrets[0].value\"]")
        .await
        .unwrap()
        .send_keys(SHOPIFY_SECRET)
        .await
        .unwrap();
    browser.screenshot("step-1-hmac-filled").await;

    browser
        .find("#save-security")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text("#security-status", "Security saved")
        .await;
    let hint = card
        .find(".stored-secret")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        hint.contains("(30 chars)"),
        "the saved secret is shown masked: {hint}"
    );
    assert!(
        !hint.contains(SHOPIFY_SECRET),
        "the secret itself is not shown: {hint}"
    );
}

/// Checks the headers table, the pretty-printed JSON and the raw view of the shown request.
async fn check_request_views(browser: &mut Browser) {
    let headers = browser
        .find("#headers-table")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        headers.to_ascii_lowercase().contains("x-shopify-topic"),
        "the headers table lists the Shopify headers: {headers}"
    );
    browser.screenshot("step-1-request-headers").await;

    browser
        .find("#tab-json")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let pretty = browser
        .wait_for_text("#body-json", "\"order_number\": 1071")
        .await;
    assert!(
        pretty.contains("\n  \"id\": "),
        "the JSON is indented: {}",
        &pretty[..200]
    );
    browser.screenshot("step-1-request-json").await;

    browser
        .find("#tab-raw")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for("#body-raw").await;
    let raw = browser
        .execute(
            "return document.getElementById('body-raw').textContent;",
            Vec::new(),
        )
        .await
        .unwrap();
    let sent = String::from_utf8(shared_payload(SHOPIFY_PAYLOAD)).unwrap();
    assert_eq!(
        raw.as_str(),
        Some(sent.as_str()),
        "the raw view shows the body as sent"
    );
    browser.screenshot("step-1-request-raw").await;
}

browser_tests!(merchant_reaches_imported_order);
