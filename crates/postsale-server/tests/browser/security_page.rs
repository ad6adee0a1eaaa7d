//! The store's Security page: stored secrets show only masked, a check is added without
//! typing the stored secret again, and a problem shows beside the field it is about.

use postsale_core::verify::{HmacConfig, Preset, Secret, sign_request};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::browser_tests;
use crate::common::TestServer;
use crate::flows::{self, sign_in};
use crate::harness::Browser;

const SHOPIFY_SECRET: &str = "shpss_security_page_secret_42";

async fn security_page_keeps_masked_secret(server: TestServer, mut browser: Browser) {
    let merchant = flows::merchant(&server).await;
    let security = json!({"checks": [
        {"type": "hmac", "preset": "shopify", "secrets": [{"value": SHOPIFY_SECRET}]}
    ]});
    let store = server
        .create_store(
            &merchant.api_key,
            json!({"name": "Guarded", "security": security}),
        )
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let url = store["webhook"]["url"].as_str().unwrap().to_owned();

    sign_in(&browser, &server).await;
    browser
        .goto(&server.url(&format!("/settings/stores/{store_id}/security")))
        .await
        .unwrap();
    let card = browser
        .wait_for("#checks .check-card[data-type=\"hmac\"]")
        .await;
    let hint = card
        .find(".stored-secret")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        hint.contains("…t_42 (29 chars)"),
        "the secret shows masked: {hint}"
    );
    let html = browser
        .execute("return document.documentElement.outerHTML;", Vec::new())
        .await
        .unwrap();
    assert!(
        !html.as_str().unwrap().contains(SHOPIFY_SECRET),
        "the page never carries the secret"
    );
    assert!(
        browser.find("#next-step").await.is_err(),
        "outside the wizard there is no Next"
    );

    // A Basic Auth check without its password is stopped before it is sent.
    add_check(&browser, "basic_auth").await;
    let basic = browser
        .wait_for("#checks .check-card[data-type=\"basic_auth\"]")
        .await;
    basic
        .find("[data-field=\"username\"]")
        .await
        .unwrap()
        .send_keys("shop:front")
        .await
        .unwrap();
    browser
        .find("#save-security")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Only displayed text counts, so the error is visible once its text is found.
    browser
        .wait_for_text(
            "#checks .check-card[data-type=\"basic_auth\"] .check-error",
            "Enter the password",
        )
        .await;
    let password = basic.find("[data-field=\"password\"]").await.unwrap();
    assert_eq!(
        password.attribute("aria-invalid").await.unwrap().as_deref(),
        Some("true"),
        "the field with the problem is marked"
    );

    // The server's error about the username shows beside the username.
    password.send_keys("door-password").await.unwrap();
    browser
        .find("#save-security")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_text(
            "#checks .check-card[data-type=\"basic_auth\"] .check-error",
            "cannot contain ':'",
        )
        .await;
    let username = basic.find("[data-field=\"username\"]").await.unwrap();
    assert_eq!(
        username.attribute("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    browser.screenshot("server-error-beside-field").await;

    // Fixed, plus an IP allow list; the HMAC secret stays blank and is kept.
    username.clear().await.unwrap();
    username.send_keys("shop").await.unwrap();
    let typed = password.property("value").await.unwrap();
    assert_eq!(
        typed, "door-password",
        "a rejected save keeps what was typed"
    );
    add_check(&browser, "ip_allow_list").await;
    let allow = browser
        .wait_for("#checks .check-card[data-type=\"ip_allow_list\"] textarea")
        .await;
    allow.send_keys("127.0.0.1\n::1").await.unwrap();
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
    browser.screenshot("three-checks-saved").await;

    let webhook: Value = server
        .get(
            &format!("/api/v1/stores/{store_id}/webhook"),
            Some(&merchant.api_key),
        )
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = webhook["security"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["hmac", "basic_auth", "ip_allow_list"], "{webhook}");
    assert_eq!(
        deliver(&server, &url, SHOPIFY_SECRET, "shop", "door-password").await,
        200,
        "the kept HMAC secret and the new password both pass"
    );
    assert_eq!(
        deliver(&server, &url, SHOPIFY_SECRET, "shop", "wrong").await,
        401
    );

    // At a phone's width the page fits without sideways scrolling.
    browser.set_window_size(375, 812).await.unwrap();
    browser
        .goto(&browser.current_url().await.unwrap())
        .await
        .unwrap();
    browser.wait_for("#security-form").await;
    browser.screenshot("narrow-375").await;
    flows::assert_fits_width(&browser).await;
    browser.assert_no_script_errors().await;
}

async fn add_check(browser: &Browser, kind: &str) {
    browser
        .find(&format!("#security-type option[value=\"{kind}\"]"))
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
}

/// Posts a body signed with `secret` and with Basic Auth, and returns the status.
async fn deliver(server: &TestServer, url: &str, secret: &str, user: &str, password: &str) -> u16 {
    let body = br#"{"id": 1, "order_number": 1001}"#.to_vec();
    let config = HmacConfig::preset(Preset::Shopify, secret);
    let headers = sign_request(
        &config,
        &Secret::new(secret),
        &body,
        OffsetDateTime::now_utc(),
        "delivery-1",
    )
    .unwrap();
    let mut request = server
        .client
        .post(url)
        .basic_auth(user, Some(password))
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

browser_tests!(security_page_keeps_masked_secret);
