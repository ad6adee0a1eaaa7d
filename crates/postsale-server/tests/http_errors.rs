//! Error responses over HTTP: every error is problem details (path ids, methods, unknown routes,
//! JSON syntax and media type) except the bare 404 of an unknown webhook token; secrets sent in
//! the wrong shape are never echoed; slow clients are cut off by the header and body read
//! timeouts while normal requests pass.

mod common;

use std::time::{Duration, Instant};

use common::TestServer;
use common::web::{Browser, create_user};
use postsale_core::Plan;
use postsale_server::app::Settings;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A value shaped like a real signing secret, which no error may quote back.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Returns the status, `detail` and raw text of a problem details response, checking its
/// media type.
async fn problem(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned());
    assert_eq!(
        content_type.as_deref(),
        Some("application/problem+json"),
        "status {status}"
    );
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["status"], status, "{text}");
    (status, body["detail"].as_str().unwrap().to_owned(), text)
}

async fn post_store(server: &TestServer, key: &str, body: Value) -> reqwest::Response {
    server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn non_integer_id_is_problem(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    for (path, label) in [
        ("/api/v1/stores/abc", "store id"),
        ("/api/v1/orders/1x/shipments", "order id"),
        ("/api/v1/stores/1/map/versions/latest", "version"),
    ] {
        let response = server.get(path, Some(&acme.api_key)).await;
        let (status, detail, _) = problem(response).await;

        assert_eq!(status, 400, "{path}");
        assert!(detail.contains(label), "{path}: {detail}");
        assert!(detail.contains("whole number"), "{path}: {detail}");
    }
    let (_, detail, _) = problem(server.get("/api/v1/stores/abc", Some(&acme.api_key)).await).await;
    assert!(detail.contains("\"abc\""), "{detail}");
}

async fn bad_query_value_is_named(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let response = server
        .get("/api/v1/orders?store_id=main", Some(&acme.api_key))
        .await;
    let (status, detail, _) = problem(response).await;

    assert_eq!(status, 400);
    assert!(detail.contains("store_id=\"main\""), "{detail}");
    assert!(detail.contains("Send a valid value"), "{detail}");
}

async fn method_not_allowed_is_problem(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let response = server
        .client
        .delete(server.url("/api/v1/account"))
        .bearer_auth(&acme.api_key)
        .send()
        .await
        .unwrap();
    let allow = response.headers().get("allow").cloned();
    let (status, detail, _) = problem(response).await;

    assert_eq!(status, 405);
    let allow = allow.expect("an Allow header");
    assert!(allow.to_str().unwrap().contains("GET"), "{allow:?}");
    assert!(detail.contains("DELETE"), "{detail}");
    assert!(detail.contains("/api/v1/account"), "{detail}");
    assert!(detail.contains("GET"), "{detail}");
}

async fn unknown_api_path_is_problem(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    for path in ["/api/v1/nothing-here", "/api/v2/stores", "/hooks/a/b"] {
        let (status, detail, _) = problem(server.get(path, Some(&acme.api_key)).await).await;

        assert_eq!(status, 404, "{path}");
        assert!(detail.contains(path), "{path}: {detail}");
    }
}

async fn unknown_token_stays_bare(server: TestServer) {
    let response = server
        .client
        .post(server.url("/hooks/no-such-token"))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    assert!(response.headers().get("content-type").is_none());
    assert_eq!(response.bytes().await.unwrap().len(), 0);
}

async fn json_syntax_error_is_problem(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let response = server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(&acme.api_key)
        .header("Content-Type", "application/json")
        .body(r#"{"name": "Main", "#)
        .send()
        .await
        .unwrap();
    let (status, detail, _) = problem(response).await;

    assert_eq!(status, 400);
    assert!(detail.contains("invalid JSON body"), "{detail}");
    assert!(detail.contains("line 1 column"), "{detail}");
}

async fn missing_content_type_is_problem(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let body = json!({"name": "Main"}).to_string();

    let missing = server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(&acme.api_key)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (missing_status, missing_detail, _) = problem(missing).await;
    let wrong = server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(&acme.api_key)
        .header("Content-Type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    let (wrong_status, wrong_detail, _) = problem(wrong).await;

    assert_eq!(missing_status, 415);
    assert!(
        missing_detail.contains("missing Content-Type"),
        "{missing_detail}"
    );
    assert!(
        missing_detail.contains("application/json"),
        "{missing_detail}"
    );
    assert_eq!(wrong_status, 415);
    assert!(wrong_detail.contains("\"text/plain\""), "{wrong_detail}");
}

async fn wrong_value_type_names_value(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let store = server
        .create_store(
            &acme.api_key,
            json!({"name": "Main", "security": {"checks": [
                {"type": "header_value", "header": "X-Token", "value": "t0ken-value-long"}]}}),
        )
        .await;

    let response = server
        .client
        .patch(server.url(&format!("/api/v1/stores/{}", store["id"])))
        .bearer_auth(&acme.api_key)
        .json(&json!({"name": 42}))
        .send()
        .await
        .unwrap();
    let (status, detail, _) = problem(response).await;

    assert_eq!(status, 422);
    assert!(detail.contains("name"), "{detail}");
    assert!(detail.contains("42"), "{detail}");
}

/// Security settings that put the secret where another shape belongs, with the member the
/// error must name.
fn misplaced_secrets() -> Vec<(Value, &'static str)> {
    vec![
        (
            json!({"checks": [{"type": "hmac", "preset": "shopify", "secrets": SECRET}]}),
            "security.checks[0].secrets",
        ),
        (
            json!({"checks": [{"type": "hmac", "preset": "shopify", "secrets": [SECRET]}]}),
            "security.checks[0].secrets[0]",
        ),
        (
            json!({"checks": [{"type": "hmac", "secrets": [{"value": [SECRET]}]}]}),
            "security.checks[0].secrets[0].value",
        ),
        (
            json!({"checks": [{"type": "header_value", "header": "X-Key", "value": {"v": SECRET}}]}),
            "security.checks[0].value",
        ),
        (
            json!({"checks": [{"type": "basic_auth", "username": "shop", "password": [SECRET]}]}),
            "security.checks[0].password",
        ),
        (
            json!({"checks": [{"type": "hmac", "preset": SECRET, "secrets": []}]}),
            "security.checks[0].preset",
        ),
        (json!({"checks": SECRET}), "security.checks"),
        (json!(SECRET), "security"),
    ]
}

async fn misplaced_secret_is_not_echoed(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let store = server
        .create_store(
            &acme.api_key,
            json!({"name": "Main", "security": {"checks": [
                {"type": "header_value", "header": "X-Token", "value": "t0ken-value-long"}]}}),
        )
        .await;
    let webhook_path = format!("/api/v1/stores/{}/webhook", store["id"]);

    for (security, member) in misplaced_secrets() {
        let created = post_store(
            &server,
            &acme.api_key,
            json!({"name": "B", "security": security}),
        );
        let (status, detail, text) = problem(created.await).await;
        assert_eq!(status, 422, "{member}: {text}");
        assert!(!text.contains(SECRET), "POST echoes the secret: {text}");
        assert!(
            !text.contains("MfKQ9r8"),
            "POST echoes part of the secret: {text}"
        );
        assert!(detail.contains(member), "POST {member}: {detail}");
        assert!(detail.contains("expected"), "POST {member}: {detail}");

        let patched = server
            .client
            .patch(server.url(&webhook_path))
            .bearer_auth(&acme.api_key)
            .json(&json!({"security": security}))
            .send()
            .await
            .unwrap();
        let (status, detail, text) = problem(patched).await;
        assert_eq!(status, 422, "{member}: {text}");
        assert!(!text.contains(SECRET), "PATCH echoes the secret: {text}");
        assert!(detail.contains(member), "PATCH {member}: {detail}");
    }
}

async fn whole_body_secret_is_not_echoed(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let response = post_store(&server, &acme.api_key, json!(SECRET)).await;
    let (status, detail, text) = problem(response).await;

    assert_eq!(status, 422);
    assert!(!text.contains(SECRET), "{text}");
    assert!(detail.contains("expected"), "{detail}");
}

/// The map of the NUL tests: enough to import an order from `{"number": ..., "total": ...}`.
const NUL_TEST_MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "cart" },
    "order.number": { "path": "$.number" },
    "charges.total": { "path": "$.total" }
  }
}"#;

/// Creates a store of `account`, imports one order through its webhook, and returns (store id,
/// order id).
async fn store_with_order(server: &TestServer, account: &common::TestAccount) -> (i64, i64) {
    use postsale_core::{StoreId, WebhookState};
    use postsale_store::maps;
    use postsale_store::webhooks::{self, WebhookPatch};

    let store = server
        .create_store(
            &account.api_key,
            json!({"name": "Cart", "security": {"checks": [
                {"type": "header_value", "header": "X-Token", "value": "t0ken-value-long"}]}}),
        )
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let db = &server.test_db.db;
    maps::save(db, account.account.id, StoreId(store_id), NUL_TEST_MAP)
        .await
        .unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, account.account.id, StoreId(store_id), &active)
        .await
        .unwrap();
    let answer: Value = server
        .client
        .post(store["webhook"]["url"].as_str().unwrap())
        .header("X-Token", "t0ken-value-long")
        .header("Content-Type", "application/json")
        .body(r#"{"number": "5001", "total": "20.00"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request_id = answer["request_id"].as_i64().unwrap();
    for _ in 0..200 {
        let request: Value = server
            .get(
                &format!("/api/v1/requests/{request_id}"),
                Some(&account.api_key),
            )
            .await
            .json()
            .await
            .unwrap();
        if let Some(order_id) = request["order_id"].as_i64() {
            return (store_id, order_id);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the order was not imported within 5 s");
}

async fn nul_token_is_bare_404(server: TestServer) {
    let (_, _, path) = hook(&server).await;

    for hook_path in [
        "/hooks/%00".to_owned(),
        "/hooks/abc%00def".to_owned(),
        "/hooks/%00/".to_owned(),
        format!("{path}%00"),
    ] {
        let response = server
            .client
            .post(server.url(&hook_path))
            .header("X-Token", "t0ken-value-long")
            .body("{}")
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 404, "{hook_path}");
        assert_eq!(response.bytes().await.unwrap().len(), 0, "{hook_path}");
    }
}

async fn nul_in_json_names_member(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let (store_id, order_id) = store_with_order(&server, &acme).await;
    let security = json!({"checks": [
        {"type": "header_value", "header": "X-Token", "value": "t0ken-value-long"}]});
    let requests = [
        (
            reqwest::Method::POST,
            "/api/v1/stores".to_owned(),
            json!({"name": "Main\u{0}", "security": security}),
            "name",
        ),
        (
            reqwest::Method::POST,
            "/api/v1/stores".to_owned(),
            json!({"name": "Main", "security": security,
                   "address": {"street1": "1 Main St\u{0}", "country": "US"}}),
            "address.street1",
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/stores/{store_id}"),
            json!({"name": "\u{0}"}),
            "name",
        ),
        (
            reqwest::Method::PUT,
            "/api/v1/account/ship-from".to_owned(),
            json!({"address": {"name": "Ship\u{0}From", "country": "US"}}),
            "address.name",
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/orders/{order_id}/shipments"),
            json!({"carrier": "usps", "service": "usps_priority_mail", "package": "parcel",
                   "tracking_number": "9400\u{0}1"}),
            "tracking_number",
        ),
    ];

    for (method, path, body, field) in requests {
        let response = server
            .client
            .request(method.clone(), server.url(&path))
            .bearer_auth(&acme.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, detail, text) = problem(response).await;

        assert_eq!(status, 422, "{method} {path}: {text}");
        assert!(detail.contains(field), "{method} {path}: {detail}");
        assert!(detail.contains("NUL"), "{method} {path}: {detail}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["field"], field, "{method} {path}: {text}");
    }
    let stores = server.get_json("/api/v1/stores", Some(&acme.api_key)).await;
    assert_eq!(stores.as_array().unwrap().len(), 1, "nothing was created");
}

async fn nul_in_query_names_parameter(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let (store_id, _) = store_with_order(&server, &acme).await;

    for (path, parameter) in [
        ("/api/v1/orders?source=cart%00".to_owned(), "source"),
        ("/api/v1/orders?q=%00".to_owned(), "q"),
        (
            format!("/api/v1/stores/{store_id}/requests?status=all%00"),
            "status",
        ),
    ] {
        let response = server.get(&path, Some(&acme.api_key)).await;
        let (status, detail, text) = problem(response).await;

        assert_eq!(status, 422, "{path}: {text}");
        assert!(detail.contains(parameter), "{path}: {detail}");
        assert!(detail.contains("NUL"), "{path}: {detail}");
    }

    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    let (status, page) = browser.page("/orders?q=5001%00").await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("q"), "{page}");
    assert!(page.contains("NUL"), "{page}");
    let (status, page) = browser.page("/orders?q=5001").await;
    assert_eq!(status, 200, "{page}");
}

async fn nul_in_form_names_field(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let (_, order_id) = store_with_order(&server, &acme).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);

    let response = browser
        .sign_in("ops\u{0}@acme.example", common::web::PASSWORD)
        .await;
    let status = response.status().as_u16();
    let page = response.text().await.unwrap();
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("email"), "{page}");
    assert!(page.contains("NUL"), "{page}");

    browser.sign_in_ok("ops@acme.example").await;
    let order_page = format!("/orders/{order_id}");
    let (_, page) = browser.page(&order_page).await;
    let token = common::web::csrf_token(&page);
    let response = browser
        .post_form(
            &format!("/orders/{order_id}/shipments"),
            &[
                ("csrf_token", token.as_str()),
                ("shipment_carrier", "usps"),
                ("shipment_service", "usps_priority_mail"),
                ("shipment_package", "parcel"),
                ("shipment_tracking_number", "9400\u{0}1"),
            ],
        )
        .await;
    let status = response.status().as_u16();
    let page = response.text().await.unwrap();
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("shipment_tracking_number"), "{page}");
    assert!(page.contains("NUL"), "{page}");
}

async fn nul_in_store_form_names_field(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let (store_id, _) = store_with_order(&server, &acme).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    let path = format!("/settings/stores/{store_id}");
    let (_, page) = browser.page(&path).await;
    let token = common::web::csrf_token(&page);

    for (field, value) in [("name", "Cart\u{0}"), ("address_street1", "1 Main St\u{0}")] {
        let mut fields = vec![
            ("csrf_token", token.as_str()),
            ("status_on_import", "awaiting_shipment"),
            ("name", "Cart"),
        ];
        fields.retain(|(name, _)| *name != field);
        fields.push((field, value));
        let response = browser.post_multipart(&path, &fields, None).await;
        let status = response.status().as_u16();
        let page = response.text().await.unwrap();

        assert_eq!(status, 422, "{field}: {page}");
        assert!(page.contains(field), "{field}: {page}");
        assert!(page.contains("NUL"), "{field}: {page}");
    }
    let store = server
        .get_json(&format!("/api/v1/stores/{store_id}"), Some(&acme.api_key))
        .await;
    assert_eq!(store["name"], "Cart");
}

http_tests!(
    non_integer_id_is_problem,
    bad_query_value_is_named,
    method_not_allowed_is_problem,
    unknown_api_path_is_problem,
    unknown_token_stays_bare,
    json_syntax_error_is_problem,
    missing_content_type_is_problem,
    wrong_value_type_names_value,
    misplaced_secret_is_not_echoed,
    whole_body_secret_is_not_echoed,
    nul_token_is_bare_404,
    nul_in_json_names_member,
    nul_in_query_names_parameter,
    nul_in_form_names_field,
    nul_in_store_form_names_field,
);

/// The read timeouts of the slow-client tests, short so that the tests stay quick.
const HEADER_TIMEOUT: Duration = Duration::from_millis(800);
const BODY_TIMEOUT: Duration = Duration::from_millis(1500);

fn short_timeouts(settings: &mut Settings) {
    settings.http.header_read_timeout = HEADER_TIMEOUT;
    settings.http.body_read_timeout = BODY_TIMEOUT;
}

async fn connect(server: &TestServer) -> TcpStream {
    let address = server.base_url.trim_start_matches("http://");
    TcpStream::connect(address).await.unwrap()
}

/// Creates a store whose webhook checks a header, and returns (api key, path of the hook).
async fn hook(server: &TestServer) -> (String, i64, String) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let store = server
        .create_store(
            &acme.api_key,
            json!({"name": "Main", "security": {"checks": [
                {"type": "header_value", "header": "X-Token", "value": "t0ken-value-long"}]}}),
        )
        .await;
    let url = store["webhook"]["url"].as_str().unwrap();
    let path = url.trim_start_matches(&server.base_url).to_owned();
    (acme.api_key, store["id"].as_i64().unwrap(), path)
}

async fn headers_sent_byte_by_byte_are_cut_off(server: TestServer) {
    let (reader, mut writer) = connect(&server).await.into_split();
    let head = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n\r\n".to_vec();
    let sending_takes = Duration::from_millis(100) * head.len() as u32;
    assert!(sending_takes > HEADER_TIMEOUT * 3);
    let started = Instant::now();
    let writing = tokio::spawn(async move {
        for byte in head {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    let mut reader = reader;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), reader.read_to_end(&mut answer)).await;
    let closed_after = started.elapsed();
    writing.abort();

    assert!(read.is_ok(), "the connection was still open after 10 s");
    assert!(
        closed_after < HEADER_TIMEOUT * 2,
        "closed after {closed_after:?}, the header timeout is {HEADER_TIMEOUT:?}"
    );
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "the slow request was served"
    );
    let fresh = server.get("/healthz", None).await;
    assert_eq!(fresh.status(), 200, "the server stopped serving others");
}

/// Sends the head of a POST with `Content-Length: 100`, then 10 bytes of the body, and stalls.
/// Returns the response and how long after sending the head it came.
async fn stall_body(server: &TestServer, path: &str, extra_headers: &str) -> (String, Duration) {
    let mut stream = connect(server).await;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n{extra_headers}\r\n{{\"name\": \""
    );
    // The server's deadline starts once it has read the head, after this instant.
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();

    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer and no close within 10 s");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

async fn stalled_hook_body_gets_408(server: TestServer) {
    let (key, store_id, path) = hook(&server).await;

    let (answer, after) = stall_body(&server, &path, "X-Token: t0ken-value-long\r\n").await;

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("did not arrive within 1.5 s"), "{answer}");
    assert!(after >= BODY_TIMEOUT, "answered after {after:?}");
    assert!(after < BODY_TIMEOUT * 3, "answered after {after:?}");
    let rejected = server.kept_requests(&key, store_id, "rejected").await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["reason"], "body_timeout");
}

async fn stalled_api_body_gets_408(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let auth = format!("Authorization: Bearer {}\r\n", acme.api_key);

    let (answer, after) = stall_body(&server, "/api/v1/stores", &auth).await;

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(after >= BODY_TIMEOUT, "answered after {after:?}");
}

async fn paced_requests_are_unaffected(server: TestServer) {
    let (key, store_id, path) = hook(&server).await;
    let body = br#"{"number": "1001", "total": "12.00"}"#;

    // Head and body in separate writes, a pause shorter than either timeout between them.
    let mut stream = connect(&server).await;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         X-Token: t0ken-value-long\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(HEADER_TIMEOUT / 2).await;
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(HEADER_TIMEOUT / 2).await;
    stream.write_all(&body[10..]).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let listed = server.get("/api/v1/stores", Some(&key)).await;

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(listed.status(), 200);
    let kept = server.kept_requests(&key, store_id, "accepted").await;
    assert_eq!(kept.len(), 1);
}

http_tests_with!(
    short_timeouts;
    headers_sent_byte_by_byte_are_cut_off,
    stalled_hook_body_gets_408,
    stalled_api_body_gets_408,
    paced_requests_are_unaffected,
);
