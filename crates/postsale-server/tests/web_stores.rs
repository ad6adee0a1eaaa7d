//! Store Settings over HTTP: the list, Add webhook, wizard step 3, the edit page, regenerate,
//! disable and enable, delete, and tenant isolation.

mod common;

use common::TestServer;
use common::web::{Browser, assert_inputs_labelled, create_user, location, meta_csrf_token};
use postsale_core::Plan;
use postsale_server::web::CONTENT_SECURITY_POLICY;
use serde_json::{Value, json};

/// A signed-in browser of a soar account, with the account's API key.
struct SignedInAccount {
    browser: Browser,
    api_key: String,
    csrf: String,
}

async fn signed_in(server: &TestServer, name: &str, plan: Plan) -> SignedInAccount {
    let account = server.create_account(name, plan).await;
    let email = format!("ops@{name}.example");
    create_user(server, account.account.id, &email).await;
    let browser = Browser::new(server);
    browser.sign_in_ok(&email).await;
    let csrf = browser.session_csrf_token("/settings/stores").await;
    SignedInAccount {
        browser,
        api_key: account.api_key,
        csrf,
    }
}

/// Adds a webhook through the page and returns the new store's id.
async fn add_webhook(user: &SignedInAccount) -> i64 {
    let response = user
        .browser
        .post_form("/settings/stores", &[("csrf_token", &user.csrf)])
        .await;
    assert_eq!(response.status(), 303);
    let target = location(&response);
    let id = target
        .strip_prefix("/settings/stores/")
        .and_then(|rest| rest.strip_suffix("/setup/security"))
        .unwrap_or_else(|| panic!("unexpected redirect {target}"));
    id.parse().unwrap()
}

async fn store_json(server: &TestServer, user: &SignedInAccount, id: i64) -> Value {
    server
        .get(&format!("/api/v1/stores/{id}"), Some(&user.api_key))
        .await
        .json()
        .await
        .unwrap()
}

fn details_fields<'a>(csrf: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("status_on_import", "on_hold"),
        ("set_shipped", "on"),
        ("name", name),
    ]
}

fn png_logo() -> Vec<u8> {
    let image = image::RgbImage::from_pixel(40, 20, image::Rgb([200, 30, 30]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

async fn signed_out_page_redirects_with_next(server: TestServer) {
    let browser = Browser::new(&server);

    let response = browser.get("/settings/stores").await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in?next=%2Fsettings%2Fstores");
}

async fn empty_list_offers_add_webhook(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;

    let response = user.browser.get("/settings/stores").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-security-policy"],
        CONTENT_SECURITY_POLICY
    );
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"id="add-webhook""#), "{page}");
    assert!(page.contains(r#"id="no-stores""#), "{page}");
    assert_eq!(meta_csrf_token(&page), user.csrf);
}

async fn add_webhook_creates_capturing_store(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;

    let id = add_webhook(&user).await;

    let store = store_json(&server, &user, id).await;
    assert_eq!(store["webhook"]["state"], "capturing");
    let (status, page) = user.browser.page("/settings/stores").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!(r#"id="store-{id}""#)), "{page}");
    assert!(page.contains("Capturing"), "{page}");
    assert!(page.contains("No request yet"), "{page}");
}

async fn webhook_without_checks_stays_capturing(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let preset = server
        .get_json("/api/v1/presets/shopify", Some(&user.api_key))
        .await;
    let client = reqwest::Client::new();

    let saved = client
        .put(server.url(&format!("/api/v1/stores/{id}/map")))
        .bearer_auth(&user.api_key)
        .json(&preset)
        .send()
        .await
        .unwrap();
    let patched = client
        .patch(server.url(&format!("/api/v1/stores/{id}/webhook")))
        .bearer_auth(&user.api_key)
        .json(&json!({ "state": "active" }))
        .send()
        .await
        .unwrap();

    assert_eq!(saved.status(), 200);
    assert_eq!(patched.status(), 422);
    let problem: Value = patched.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("no security check"), "{problem}");
    let webhook = server
        .get_json(&format!("/api/v1/stores/{id}/webhook"), Some(&user.api_key))
        .await;
    assert_eq!(webhook["state"], "capturing");
}

async fn add_webhook_needs_soar_plan(server: TestServer) {
    let user = signed_in(&server, "small", Plan::Starter).await;

    let response = user
        .browser
        .post_form("/settings/stores", &[("csrf_token", &user.csrf)])
        .await;

    assert_eq!(response.status(), 402);
    let page = response.text().await.unwrap();
    assert!(page.contains("Webhooks need the Soar plan"), "{page}");
    assert!(page.contains(r#"id="stores-error""#), "{page}");
}

async fn add_webhook_needs_csrf_token(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;

    let response = user
        .browser
        .post_form("/settings/stores", &[("csrf_token", "forged")])
        .await;

    assert_eq!(response.status(), 403);
    let listed: Vec<Value> = server
        .get("/api/v1/stores", Some(&user.api_key))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed.is_empty());
}

async fn finish_saves_details_and_lists_store(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let path = format!("/settings/stores/{id}/setup/details");
    let (status, form) = user.browser.page(&path).await;
    assert_eq!(status, 200);
    assert!(form.contains(r#"<label for="store-name">"#), "{form}");
    assert!(
        form.contains(r#"<label for="address-postal-code">"#),
        "{form}"
    );
    let mut fields = details_fields(&user.csrf, "Acme Shopify");
    fields.extend([
        ("address_city", "Austin"),
        ("address_state", "Texas"),
        ("address_country", "United States"),
        ("address_postal_code", "78701"),
    ]);

    let response = user.browser.post_multipart(&path, &fields, None).await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/settings/stores?added={id}"));
    let store = store_json(&server, &user, id).await;
    assert_eq!(store["name"], "Acme Shopify");
    assert_eq!(store["automation"]["status_on_import"], "on_hold");
    assert_eq!(store["automation"]["set_shipped"], true);
    assert_eq!(store["automation"]["set_voided"], false);
    assert_eq!(store["address"]["state"], "TX");
    assert_eq!(store["address"]["country"], "US");
    let (_, list) = user.browser.page(&location(&response)).await;
    assert!(
        list.contains("The store \u{201c}Acme Shopify\u{201d} was added"),
        "{list}"
    );
    assert!(list.contains(">Acme Shopify</a>"), "{list}");
}

async fn finish_with_status_off_leaves_blank(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let fields = [
        ("csrf_token", user.csrf.as_str()),
        ("status_on_import", "off"),
        ("name", "Blank status"),
    ];

    let path = format!("/settings/stores/{id}/setup/details");
    let response = user.browser.post_multipart(&path, &fields, None).await;

    assert_eq!(response.status(), 303);
    let store = store_json(&server, &user, id).await;
    assert_eq!(store["automation"]["status_on_import"], Value::Null);
    assert_eq!(store["automation"]["set_shipped"], false);
}

async fn address_errors_shown_per_field(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let mut fields = details_fields(&user.csrf, "Kept name");
    fields.extend([
        ("address_country", "Atlantis"),
        ("address_email", "not-an-address"),
        ("address_city", "Austin"),
    ]);

    let path = format!("/settings/stores/{id}/setup/details");
    let response = user.browser.post_multipart(&path, &fields, None).await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"id="address-country-error""#), "{page}");
    assert!(
        page.contains("Invalid country &quot;Atlantis&quot;"),
        "{page}"
    );
    assert!(page.contains(r#"id="address-email-error""#), "{page}");
    assert!(!page.contains(r#"id="address-city-error""#), "{page}");
    assert!(page.contains(r#"value="Kept name""#), "{page}");
    assert!(page.contains(r#"id="form-errors""#), "{page}");
    let store = store_json(&server, &user, id).await;
    assert_ne!(store["name"], "Kept name");
}

/// Checks that the page offers only open statuses for new orders and rejects any other that
/// is posted: a new order that imports closed would take no later update from its channel.
async fn closed_status_on_import_is_rejected(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let path = format!("/settings/stores/{id}/setup/details");
    let (_, form) = user.browser.page(&path).await;
    assert!(form.contains(r#"value="on_hold""#), "{form}");
    for closed in ["shipped", "cancelled", "voided"] {
        assert!(!form.contains(&format!(r#"value="{closed}""#)), "{form}");
    }

    for closed in ["shipped", "cancelled", "voided"] {
        let fields = [
            ("csrf_token", user.csrf.as_str()),
            ("status_on_import", closed),
            ("name", "Closed"),
        ];
        let response = user.browser.post_multipart(&path, &fields, None).await;

        assert_eq!(response.status(), 422, "{closed}");
        let page = response.text().await.unwrap();
        assert!(page.contains(r#"id="status-on-import-error""#), "{page}");
        assert!(page.contains("Choose an open status"), "{page}");
    }
    let store = store_json(&server, &user, id).await;
    assert_eq!(store["automation"]["status_on_import"], "awaiting_shipment");
}

async fn empty_name_is_rejected(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;

    let path = format!("/settings/stores/{id}/setup/details");
    for name in ["   ", "\u{200b}"] {
        let fields = details_fields(&user.csrf, name);
        let response = user.browser.post_multipart(&path, &fields, None).await;

        assert_eq!(response.status(), 422, "{name:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains(r#"id="name-error""#), "{page}");
        assert!(page.contains("it has 0 characters"), "{page}");
    }
}

async fn logo_upload_shows_thumbnail(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let logo = png_logo();

    let path = format!("/settings/stores/{id}");
    let fields = details_fields(&user.csrf, "With logo");
    let response = user
        .browser
        .post_multipart(&path, &fields, Some(("logo", &logo)))
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("/settings/stores/{id}?saved=1")
    );
    let store = store_json(&server, &user, id).await;
    assert_eq!(store["has_logo"], true);
    let (_, list) = user.browser.page("/settings/stores").await;
    let thumbnail = format!(r#"src="/api/v1/stores/{id}/logo?v="#);
    assert!(list.contains(&thumbnail), "{list}");
    let image = user.browser.get(&format!("/api/v1/stores/{id}/logo")).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
}

async fn invalid_logo_gets_field_error(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;

    let path = format!("/settings/stores/{id}");
    let fields = details_fields(&user.csrf, "Bad logo");
    let response = user
        .browser
        .post_multipart(&path, &fields, Some(("logo", b"GIF89a not a png")))
        .await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"id="logo-error""#), "{page}");
    assert!(page.contains("The logo was refused"), "{page}");
}

async fn edit_page_links_security_and_map(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let store = store_json(&server, &user, id).await;

    let (status, page) = user.browser.page(&format!("/settings/stores/{id}")).await;

    assert_eq!(status, 200);
    let url = store["webhook"]["url"].as_str().unwrap();
    assert!(page.contains(&format!(r#"value="{url}""#)), "{page}");
    assert!(
        page.contains(&format!(r#"href="/settings/stores/{id}/security""#)),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"href="/settings/stores/{id}/map""#)),
        "{page}"
    );
    assert!(page.contains(r#"id="copy-webhook-url""#), "{page}");
    assert_inputs_labelled(&page);
}

/// Checks that the two setup pages that need JavaScript show a notice to a browser without
/// it, naming the API call that does the same.
async fn script_pages_say_they_need_javascript(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;

    for (page, call) in [
        ("security", format!("PATCH /api/v1/stores/{id}/webhook")),
        ("map", format!("PUT /api/v1/stores/{id}/map")),
    ] {
        let (status, html) = user
            .browser
            .page(&format!("/settings/stores/{id}/{page}"))
            .await;

        assert_eq!(status, 200, "{page}");
        let notice = html
            .split("<noscript>")
            .nth(1)
            .and_then(|rest| rest.split("</noscript>").next())
            .unwrap_or_else(|| panic!("no noscript notice on the {page} page: {html}"));
        assert!(notice.contains("needs JavaScript"), "{notice}");
        assert!(notice.contains(&call), "{notice}");
    }
}

async fn signed_store_id_is_not_found(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;

    let (status, _) = user.browser.page(&format!("/settings/stores/{id}")).await;
    assert_eq!(status, 200);
    let (status, page) = user.browser.page(&format!("/settings/stores/+{id}")).await;
    assert_eq!(status, 404, "{page}");
}

async fn regenerate_keeps_old_url_for_grace(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let before = store_json(&server, &user, id).await;

    let path = format!("/settings/stores/{id}/regenerate-url");
    let response = user
        .browser
        .post_form(&path, &[("csrf_token", &user.csrf), ("grace_hours", "24")])
        .await;

    assert_eq!(response.status(), 303);
    let after = store_json(&server, &user, id).await;
    assert_ne!(after["webhook"]["url"], before["webhook"]["url"]);
    assert_eq!(after["webhook"]["previous_url"], before["webhook"]["url"]);
    let (_, page) = user.browser.page(&location(&response)).await;
    assert!(page.contains(r#"id="previous-url""#), "{page}");
    assert!(page.contains("The webhook has a new URL"), "{page}");
}

async fn regenerate_rejects_unknown_grace(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;

    let path = format!("/settings/stores/{id}/regenerate-url");
    let response = user
        .browser
        .post_form(
            &path,
            &[("csrf_token", &user.csrf), ("grace_hours", "9999")],
        )
        .await;

    assert_eq!(response.status(), 400);
}

async fn disable_then_enable_webhook(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let path = format!("/settings/stores/{id}/state");

    let disabled = user
        .browser
        .post_form(&path, &[("csrf_token", &user.csrf), ("state", "disabled")])
        .await;
    assert_eq!(disabled.status(), 303);
    assert_eq!(
        store_json(&server, &user, id).await["webhook"]["state"],
        "disabled"
    );
    let (_, page) = user.browser.page(&location(&disabled)).await;
    assert!(page.contains(r#"id="enable-webhook""#), "{page}");

    let enabled = user
        .browser
        .post_form(&path, &[("csrf_token", &user.csrf), ("state", "enabled")])
        .await;
    assert_eq!(enabled.status(), 303);
    assert_eq!(
        store_json(&server, &user, id).await["webhook"]["state"],
        "capturing"
    );
}

/// Checks that a webhook paused through the API shows a button that resumes its imports.
async fn paused_webhook_resumes_from_page(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let webhook_path = format!("/api/v1/stores/{id}/webhook");
    let client = reqwest::Client::new();
    let check = json!({"security": {"checks": [
        {"type": "header_value", "header": "X-Token", "value": "t0ken-value"}]}});
    let preset = server
        .get_json("/api/v1/presets/shopify", Some(&user.api_key))
        .await;
    for (method, path, body) in [
        (reqwest::Method::PATCH, webhook_path.clone(), check),
        (
            reqwest::Method::PUT,
            format!("/api/v1/stores/{id}/map"),
            preset,
        ),
        (
            reqwest::Method::PATCH,
            webhook_path.clone(),
            json!({"state": "capturing"}),
        ),
    ] {
        let response = client
            .request(method, server.url(&path))
            .bearer_auth(&user.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let (_, page) = user.browser.page(&format!("/settings/stores/{id}")).await;
    assert!(page.contains(r#"id="resume-imports""#), "{page}");
    assert!(page.contains("Imports are paused"), "{page}");
    let state_path = format!("/settings/stores/{id}/state");
    for state in ["disabled", "enabled"] {
        let response = user
            .browser
            .post_form(&state_path, &[("csrf_token", &user.csrf), ("state", state)])
            .await;
        assert_eq!(response.status(), 303, "{state}");
    }
    let webhook = server.get_json(&webhook_path, Some(&user.api_key)).await;
    assert_eq!(
        webhook["state"], "capturing",
        "disable and enable keep the pause"
    );
    assert_eq!(webhook["paused"], true);

    let resumed = user
        .browser
        .post_form(
            &state_path,
            &[("csrf_token", &user.csrf), ("state", "resume")],
        )
        .await;

    assert_eq!(resumed.status(), 303);
    let webhook = server.get_json(&webhook_path, Some(&user.api_key)).await;
    assert_eq!(webhook["state"], "active");
    assert_eq!(webhook["paused"], false);
    let (_, page) = user.browser.page(&format!("/settings/stores/{id}")).await;
    assert!(!page.contains(r#"id="resume-imports""#), "{page}");
}

async fn delete_after_confirmation(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let name = store_json(&server, &user, id).await["name"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, confirm) = user
        .browser
        .page(&format!("/settings/stores/{id}/delete"))
        .await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains(&format!("Delete the store \u{201c}{name}\u{201d}?")),
        "{confirm}"
    );
    assert!(confirm.contains(r#"id="confirm-delete""#), "{confirm}");

    let path = format!("/settings/stores/{id}/delete");
    let response = user
        .browser
        .post_form(&path, &[("csrf_token", &user.csrf)])
        .await;
    assert_eq!(response.status(), 303);
    let gone = server
        .get(&format!("/api/v1/stores/{id}"), Some(&user.api_key))
        .await;
    assert_eq!(gone.status(), 404);
}

async fn delete_needs_csrf_token(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;

    let path = format!("/settings/stores/{id}/delete");
    let response = user
        .browser
        .post_form(&path, &[("csrf_token", "forged")])
        .await;

    assert_eq!(response.status(), 403);
    let kept = server
        .get(&format!("/api/v1/stores/{id}"), Some(&user.api_key))
        .await;
    assert_eq!(kept.status(), 200);
}

async fn other_accounts_store_is_404(server: TestServer) {
    let owner = signed_in(&server, "owner", Plan::Soar).await;
    let id = add_webhook(&owner).await;
    let other = signed_in(&server, "other", Plan::Soar).await;

    for path in [
        format!("/settings/stores/{id}"),
        format!("/settings/stores/{id}/setup/details"),
        format!("/settings/stores/{id}/delete"),
        format!("/settings/stores/{id}/requests"),
        "/settings/stores/not-a-number".to_owned(),
    ] {
        let response = other.browser.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            response.headers()["content-security-policy"],
            CONTENT_SECURITY_POLICY,
            "{path}"
        );
    }
    for (path, fields) in [
        (
            format!("/settings/stores/{id}/delete"),
            vec![("csrf_token", other.csrf.as_str())],
        ),
        (
            format!("/settings/stores/{id}/state"),
            vec![("csrf_token", other.csrf.as_str()), ("state", "disabled")],
        ),
        (
            format!("/settings/stores/{id}/regenerate-url"),
            vec![("csrf_token", other.csrf.as_str()), ("grace_hours", "0")],
        ),
    ] {
        let response = other.browser.post_form(&path, &fields).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    let details = format!("/settings/stores/{id}/setup/details");
    let fields = details_fields(&other.csrf, "Stolen");
    let response = other.browser.post_multipart(&details, &fields, None).await;
    assert_eq!(response.status(), 404);
    let store = store_json(&server, &owner, id).await;
    assert_eq!(store["webhook"]["state"], "capturing");
    assert_ne!(store["name"], "Stolen");
}

async fn list_shows_last_request_time(server: TestServer) {
    let user = signed_in(&server, "acme", Plan::Soar).await;
    let id = add_webhook(&user).await;
    let url = store_json(&server, &user, id).await["webhook"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent = server
        .client
        .post(&url)
        .json(&json!({"id": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);

    let (_, page) = user.browser.page("/settings/stores").await;

    assert!(!page.contains("No request yet"), "{page}");
    assert!(
        page.contains(r#"<td class="last-request"><time datetime=""#),
        "{page}"
    );
}

http_tests!(
    signed_store_id_is_not_found,
    webhook_without_checks_stays_capturing,
    signed_out_page_redirects_with_next,
    empty_list_offers_add_webhook,
    add_webhook_creates_capturing_store,
    add_webhook_needs_soar_plan,
    add_webhook_needs_csrf_token,
    finish_saves_details_and_lists_store,
    finish_with_status_off_leaves_blank,
    address_errors_shown_per_field,
    closed_status_on_import_is_rejected,
    empty_name_is_rejected,
    logo_upload_shows_thumbnail,
    invalid_logo_gets_field_error,
    edit_page_links_security_and_map,
    script_pages_say_they_need_javascript,
    regenerate_keeps_old_url_for_grace,
    regenerate_rejects_unknown_grace,
    disable_then_enable_webhook,
    paused_webhook_resumes_from_page,
    delete_after_confirmation,
    delete_needs_csrf_token,
    other_accounts_store_is_404,
    list_shows_last_request_time,
);
