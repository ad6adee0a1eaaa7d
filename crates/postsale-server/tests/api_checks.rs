//! Input checks of the REST API: time zones, optional bodies, search length, path ids, replay
//! ids, map previews limited to the store's own requests, map saves that race a disable, and
//! the secret key check at start.

mod common;

use common::TestServer;
use postsale_core::Plan;
use serde_json::{Value, json};

const TOKEN_HEADER: &str = "X-Token";
const TOKEN: &str = "abc123-token";

const MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "cart" },
    "order.number": { "path": "$.number" },
    "charges.total": { "path": "$.total" }
  }
}"#;

/// An account's API key and one of its stores, whose webhook checks a header value.
struct Setup {
    key: String,
    store_id: i64,
    url: String,
}

async fn setup(server: &TestServer, name: &str) -> Setup {
    let account = server.create_account(name, Plan::Soar).await;
    store_of(server, &account.api_key, "Main").await
}

async fn store_of(server: &TestServer, key: &str, name: &str) -> Setup {
    let security =
        json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
    let store = server
        .create_store(key, json!({"name": name, "security": security}))
        .await;
    Setup {
        key: key.to_owned(),
        store_id: store["id"].as_i64().unwrap(),
        url: store["webhook"]["url"].as_str().unwrap().to_owned(),
    }
}

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    key: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = server
        .client
        .request(method, server.url(path))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

fn detail(problem: &Value) -> &str {
    problem["detail"].as_str().unwrap_or_default()
}

/// Posts an order body to the store's hook and returns the kept request's id.
async fn deliver(server: &TestServer, setup: &Setup, body: &str) -> i64 {
    let response = server
        .client
        .post(&setup.url)
        .header(TOKEN_HEADER, TOKEN)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    answer["request_id"].as_i64().unwrap()
}

/// Reads the store's webhook through the API.
async fn read_webhook(server: &TestServer, setup: &Setup) -> Value {
    let path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    call(server, reqwest::Method::GET, &setup.key, &path, None)
        .await
        .1
}

/// Sets the store's webhook to `state` through the API and returns the status and the body.
async fn set_webhook_state(server: &TestServer, setup: &Setup, state: &str) -> (u16, Value) {
    let path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    let body = json!({ "state": state });
    call(
        server,
        reqwest::Method::PATCH,
        &setup.key,
        &path,
        Some(&body),
    )
    .await
}

async fn put_map(server: &TestServer, setup: &Setup, map: &str) -> (u16, Value) {
    let response = server
        .client
        .put(server.url(&format!("/api/v1/stores/{}/map", setup.store_id)))
        .bearer_auth(&setup.key)
        .header("Content-Type", "application/json")
        .body(map.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Waits until the worker wrote an outcome on the request.
async fn imported(server: &TestServer, key: &str, request_id: i64) -> Value {
    server.wait_imported(key, request_id).await
}

async fn invalid_time_zone_is_rejected(server: TestServer) {
    let account = server.create_account("zones", Plan::Soar).await;
    let security =
        json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
    for zone in ["Mars/Olympus_Mons", "Europe/Berlinn", "+25:00", "America/"] {
        let body = json!({"name": "Zoned", "security": security, "time_zone": zone});
        let (status, problem) = call(
            &server,
            reqwest::Method::POST,
            &account.api_key,
            "/api/v1/stores",
            Some(&body),
        )
        .await;
        assert_eq!(status, 422, "{zone}: {problem}");
        assert!(detail(&problem).contains(zone), "{problem}");
        assert!(detail(&problem).contains("IANA"), "{problem}");
    }

    let setup = store_of(&server, &account.api_key, "Main").await;
    let path = format!("/api/v1/stores/{}", setup.store_id);
    let patch = json!({"time_zone": "Asia/Kathmandoo"});
    let (status, problem) = call(
        &server,
        reqwest::Method::PATCH,
        &setup.key,
        &path,
        Some(&patch),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(detail(&problem).contains("Asia/Kathmandoo"), "{problem}");

    for zone in [
        "Asia/Kathmandu",
        "America/Argentina/Buenos_Aires",
        "+05:30",
        "UTC",
    ] {
        let patch = json!({"time_zone": zone});
        let (status, store) = call(
            &server,
            reqwest::Method::PATCH,
            &setup.key,
            &path,
            Some(&patch),
        )
        .await;
        assert_eq!(status, 200, "{zone}: {store}");
        assert_eq!(store["time_zone"], zone);
    }
}

async fn regenerate_body_needs_json_type(server: TestServer) {
    let setup = setup(&server, "regen").await;
    let path = server.url(&format!(
        "/api/v1/stores/{}/webhook/regenerate-url",
        setup.store_id
    ));

    let untyped = server
        .client
        .post(&path)
        .bearer_auth(&setup.key)
        .body(r#"{"grace_hours": 0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(untyped.status(), 415);
    let problem: Value = untyped.json().await.unwrap();
    assert!(
        detail(&problem).contains("Content-Type: application/json"),
        "{problem}"
    );
    let (_, webhook) = call(
        &server,
        reqwest::Method::GET,
        &setup.key,
        &format!("/api/v1/stores/{}/webhook", setup.store_id),
        None,
    )
    .await;
    assert_eq!(
        webhook["url"],
        setup.url.as_str(),
        "a rejected call changes nothing"
    );

    let (status, webhook) = call(
        &server,
        reqwest::Method::POST,
        &setup.key,
        &format!("/api/v1/stores/{}/webhook/regenerate-url", setup.store_id),
        Some(&json!({"grace_hours": 0})),
    )
    .await;
    assert_eq!(status, 200, "{webhook}");
    assert!(
        webhook["previous_url"].is_null(),
        "grace 0 was read: {webhook}"
    );

    let unknown = json!({"grace_hour": 5});
    let (status, problem) = call(
        &server,
        reqwest::Method::POST,
        &setup.key,
        &format!("/api/v1/stores/{}/webhook/regenerate-url", setup.store_id),
        Some(&unknown),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(detail(&problem).contains("grace_hour"), "{problem}");

    let empty = server
        .client
        .post(&path)
        .bearer_auth(&setup.key)
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 200, "no body takes the defaults");
    let webhook: Value = empty.json().await.unwrap();
    assert!(webhook["previous_url"].is_string(), "{webhook}");
}

async fn long_search_text_is_rejected(server: TestServer) {
    let setup = setup(&server, "search").await;
    let long = "a".repeat(60_000);
    let (status, problem) = call(
        &server,
        reqwest::Method::GET,
        &setup.key,
        &format!("/api/v1/orders?q={long}"),
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(detail(&problem).contains("200"), "{problem}");
    assert_eq!(problem["max_length"], 200);

    let limit = "a".repeat(200);
    let (status, page) = call(
        &server,
        reqwest::Method::GET,
        &setup.key,
        &format!("/api/v1/orders?q={limit}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");

    let (status, problem) = call(
        &server,
        reqwest::Method::GET,
        &setup.key,
        "/api/v1/orders?q=a%00b",
        None,
    )
    .await;
    assert_eq!(status, 422, "{problem}");
}

async fn path_ids_need_plain_digits(server: TestServer) {
    let setup = setup(&server, "ids").await;
    let good = format!("/api/v1/stores/{}", setup.store_id);
    let (status, _) = call(&server, reqwest::Method::GET, &setup.key, &good, None).await;
    assert_eq!(status, 200);

    let id = setup.store_id;
    let spellings = [
        (format!("+{id}"), 400),
        (format!("%2B{id}"), 400),
        (format!("{id}.0"), 400),
        (format!("{id}%20"), 400),
        ("abc".to_owned(), 400),
        ("99999999999999999999".to_owned(), 400),
        (format!("-{id}"), 400),
        ("-0".to_owned(), 400),
        ("0".to_owned(), 404),
    ];
    for (spelling, expected) in &spellings {
        for path in [
            format!("/api/v1/stores/{spelling}"),
            format!("/api/v1/stores/{spelling}/map/versions/1"),
            format!("/api/v1/stores/{id}/map/versions/{spelling}"),
            format!("/api/v1/orders/{spelling}"),
            format!("/api/v1/requests/{spelling}"),
        ] {
            let response = server.get(&path, Some(&setup.key)).await;
            assert_eq!(response.status().as_u16(), *expected, "{path}");
            let content_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(content_type, "application/problem+json", "{path}");
            let problem: Value = response.json().await.unwrap();
            if spelling.contains('+') || spelling.contains("%2B") {
                assert!(
                    detail(&problem).contains("digits only"),
                    "{path}: {problem}"
                );
                assert!(
                    detail(&problem).contains(&format!("+{id}")),
                    "{path}: {problem}"
                );
            }
        }
    }
}

async fn replay_names_missing_ids(server: TestServer) {
    let setup = setup(&server, "replay").await;
    let (status, _) = put_map(&server, &setup, MAP).await;
    assert_eq!(status, 200);
    let real = deliver(&server, &setup, r#"{"number":"1001","total":"5.00"}"#).await;
    imported(&server, &setup.key, real).await;
    let other_store = store_of(&server, &setup.key, "Other").await;
    let theirs = deliver(&server, &other_store, r#"{"number":"2001","total":"1.00"}"#).await;

    let path = format!("/api/v1/stores/{}/replay", setup.store_id);
    let body = json!({"request_ids": [real, 999_999, theirs]});
    let (status, problem) = call(
        &server,
        reqwest::Method::POST,
        &setup.key,
        &path,
        Some(&body),
    )
    .await;
    assert_eq!(status, 404, "{problem}");
    assert_eq!(problem["not_found"], json!([999_999, theirs]), "{problem}");
    assert!(detail(&problem).contains("999999"), "{problem}");
    let (_, request) = call(
        &server,
        reqwest::Method::GET,
        &setup.key,
        &format!("/api/v1/requests/{real}"),
        None,
    )
    .await;
    assert_eq!(
        request["outcome"], "created",
        "nothing was replayed: {request}"
    );

    let body = json!({"request_ids": [real, real]});
    let (status, report) = call(
        &server,
        reqwest::Method::POST,
        &setup.key,
        &path,
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["replayed"], 1,
        "a repeated id is replayed once: {report}"
    );
    assert_eq!(report["unchanged"], 1, "{report}");
}

async fn preview_uses_own_requests_only(server: TestServer) {
    let mine = setup(&server, "preview").await;
    let other = store_of(&server, &mine.key, "Other").await;
    let theirs = deliver(&server, &other, r#"{"number":"7","total":"1.00"}"#).await;
    let own = deliver(&server, &mine, r#"{"number":"8","total":"1.00"}"#).await;
    let map: Value = serde_json::from_str(MAP).unwrap();
    let path = format!("/api/v1/stores/{}/map/preview", mine.store_id);

    let body = json!({"map": map, "request_id": theirs});
    let (status, problem) = call(
        &server,
        reqwest::Method::POST,
        &mine.key,
        &path,
        Some(&body),
    )
    .await;
    assert_eq!(status, 404, "{problem}");
    assert!(
        detail(&problem).contains(&format!("request {theirs}")),
        "{problem}"
    );

    let suggest = format!("/api/v1/stores/{}/map/suggest", mine.store_id);
    let body = json!({"request_id": theirs});
    let (status, problem) = call(
        &server,
        reqwest::Method::POST,
        &mine.key,
        &suggest,
        Some(&body),
    )
    .await;
    assert_eq!(status, 404, "{problem}");

    let body = json!({"map": map, "request_id": own});
    let (status, preview) = call(
        &server,
        reqwest::Method::POST,
        &mine.key,
        &path,
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["order"]["number"], "8");
}

async fn map_save_never_enables_disabled(server: TestServer) {
    let setup = setup(&server, "race").await;

    for round in 0..5 {
        // Capturing without a pause, as a map that cannot import leaves it: a pause set with
        // the state `capturing` would keep every save below from activating the webhook.
        if round > 0 {
            let (status, _) = set_webhook_state(&server, &setup, "active").await;
            assert_eq!(status, 200);
        }
        let incomplete = r#"{"version": 1, "fields": {"order.source": {"value": "cart"}}}"#;
        let (status, saved) = put_map(&server, &setup, incomplete).await;
        assert_eq!(status, 200);
        assert_eq!(saved["webhook_state"], "capturing");

        let mut saves = Vec::new();
        for save in 0..8 {
            let client = server.client.clone();
            let url = server.url(&format!("/api/v1/stores/{}/map", setup.store_id));
            let key = setup.key.clone();
            // Each save differs, because saving the newest map again adds no version.
            let mut map: Value = serde_json::from_str(MAP).unwrap();
            map["description"] = json!(format!("round {round}, save {save}"));
            saves.push(tokio::spawn(async move {
                let response = client
                    .put(url)
                    .bearer_auth(key)
                    .json(&map)
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap();
                (status, body)
            }));
        }
        let (status, _) = set_webhook_state(&server, &setup, "disabled").await;
        assert_eq!(status, 200);

        let mut versions = Vec::new();
        for save in saves {
            let (status, saved) = save.await.unwrap();
            assert_eq!(status, 200, "{saved}");
            versions.push(saved["version"].as_i64().unwrap());
        }
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(versions.len(), 8, "each save has its own version");

        let webhook = read_webhook(&server, &setup).await;
        assert_eq!(
            webhook["state"], "disabled",
            "round {round}: a map save re-enabled a disabled webhook"
        );
    }
}

/// Checks that setting a webhook active while a map that cannot import is saved never leaves
/// it active with that map, whichever of the two finishes first.
async fn resume_racing_incomplete_map(server: TestServer) {
    let setup = setup(&server, "resume").await;
    let map_path = format!("/api/v1/stores/{}/map", setup.store_id);
    let incomplete = r#"{"version": 1, "fields": {"order.source": {"value": "cart"}}}"#;

    for round in 0..20 {
        assert_eq!(put_map(&server, &setup, MAP).await.0, 200);
        let (status, _) = set_webhook_state(&server, &setup, "capturing").await;
        assert_eq!(status, 200);

        let (resumed, saved) = tokio::join!(
            set_webhook_state(&server, &setup, "active"),
            put_map(&server, &setup, incomplete),
        );

        assert!(matches!(resumed.0, 200 | 422), "{resumed:?}");
        assert_eq!(saved.0, 200, "{saved:?}");
        let webhook = read_webhook(&server, &setup).await;
        let (_, map) = call(&server, reqwest::Method::GET, &setup.key, &map_path, None).await;
        assert_eq!(map["can_import"], false);
        assert_ne!(
            webhook["state"], "active",
            "round {round}: active with a map that cannot import"
        );
    }
}

async fn webhook_patches_keep_each_other(server: TestServer) {
    let setup = setup(&server, "patches").await;
    let webhook_path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    let (status, _) = put_map(&server, &setup, MAP).await;
    assert_eq!(status, 200);

    let header = json!({"delivery_id_header": "X-Event-Id"});
    let (status, _) = call(
        &server,
        reqwest::Method::PATCH,
        &setup.key,
        &webhook_path,
        Some(&header),
    )
    .await;
    assert_eq!(status, 200);
    let limit = json!({"rate_limit_per_minute": 60});
    let (status, webhook) = call(
        &server,
        reqwest::Method::PATCH,
        &setup.key,
        &webhook_path,
        Some(&limit),
    )
    .await;
    assert_eq!(status, 200);

    assert_eq!(webhook["state"], "active", "{webhook}");
    assert_eq!(webhook["delivery_id_header"], "X-Event-Id", "{webhook}");
    assert_eq!(webhook["rate_limit_per_minute"], 60, "{webhook}");

    let clear = json!({"delivery_id_header": null});
    let (_, webhook) = call(
        &server,
        reqwest::Method::PATCH,
        &setup.key,
        &webhook_path,
        Some(&clear),
    )
    .await;
    assert!(webhook["delivery_id_header"].is_null(), "{webhook}");
    assert_eq!(webhook["rate_limit_per_minute"], 60, "{webhook}");
}

async fn key_check_guards_sealed_secrets(db: &postsale_store::Database) {
    use postsale_server::sealing::{SealingKey, verify_key};
    use postsale_store::stores::{self, NewStore};
    use postsale_store::webhooks::{self, NewWebhook};
    use postsale_store::{accounts, key_check};

    let first = SealingKey::from_bytes(&[1; 32]);
    let other = SealingKey::from_bytes(&[2; 32]);
    let account = accounts::create(
        db,
        &accounts::NewAccount {
            name: "keys".into(),
            plan: Plan::Soar,
            email: "keys@example.com".into(),
        },
    )
    .await
    .unwrap();
    let store = NewStore {
        name: "Sealed".into(),
        address: None,
        time_zone: "UTC".into(),
        automation: Default::default(),
        ship_from_store_address: false,
    };
    let webhook = NewWebhook {
        token: webhooks::new_token(),
        security: first.seal(r#"{"checks": []}"#),
        state: postsale_core::WebhookState::Capturing,
        delivery_id_header: None,
        rate_limit_per_minute: None,
    };
    stores::create(db, account.id, &store, &webhook)
        .await
        .unwrap();

    let refused = verify_key(db, &other).await.unwrap_err().to_string();
    assert!(refused.contains("stored webhook secrets"), "{refused}");
    assert_eq!(
        key_check::read(db).await.unwrap(),
        None,
        "no record for a wrong key"
    );

    verify_key(db, &first).await.unwrap();
    assert!(key_check::read(db).await.unwrap().is_some());
    verify_key(db, &first).await.unwrap();
    let refused = verify_key(db, &other).await.unwrap_err().to_string();
    assert!(refused.contains("key check record"), "{refused}");
}

postsale_store::storage_tests!(key_check_guards_sealed_secrets);

/// Checks that the automation takes only open statuses, on create and on update: a new order
/// that imports shipped or cancelled takes no later update from its channel.
async fn closed_status_on_import_is_rejected(server: TestServer) {
    let setup = setup(&server, "acme").await;
    let path = format!("/api/v1/stores/{}", setup.store_id);
    for closed in ["shipped", "cancelled", "voided"] {
        let automation =
            json!({"status_on_import": closed, "set_shipped": true, "set_voided": true});
        let patch = json!({ "automation": automation });
        let (status, problem) = call(
            &server,
            reqwest::Method::PATCH,
            &setup.key,
            &path,
            Some(&patch),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["field"], "automation.status_on_import");
        assert!(
            detail(&problem).contains(&format!("status_on_import \"{closed}\"")),
            "{problem}"
        );

        let security =
            json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
        let body = json!({"name": closed, "security": security, "automation": automation});
        let (status, problem) = call(
            &server,
            reqwest::Method::POST,
            &setup.key,
            "/api/v1/stores",
            Some(&body),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
    }

    let open = json!({"automation": {"status_on_import": "on_hold", "set_shipped": true, "set_voided": true}});
    let (status, store) = call(
        &server,
        reqwest::Method::PATCH,
        &setup.key,
        &path,
        Some(&open),
    )
    .await;
    assert_eq!(status, 200, "{store}");
    assert_eq!(store["automation"]["status_on_import"], "on_hold");
}

/// Checks that an automation sent in part changes only the members it names, and that a new
/// store fills the rest with the defaults.
async fn automation_members_left_out_keep_their_value(server: TestServer) {
    let setup = setup(&server, "acme").await;
    let path = format!("/api/v1/stores/{}", setup.store_id);
    let patch = |body: Value| {
        let (server, key, path) = (&server, &setup.key, &path);
        async move { call(server, reqwest::Method::PATCH, key, path, Some(&body)).await }
    };

    let (status, store) = patch(json!({"automation": {"status_on_import": "on_hold"}})).await;
    assert_eq!(status, 200, "{store}");
    let (status, store) = patch(json!({"automation": {"set_shipped": false}})).await;
    assert_eq!(status, 200, "{store}");
    assert_eq!(
        store["automation"],
        json!({"status_on_import": "on_hold", "set_shipped": false, "set_voided": true})
    );
    let (status, problem) = patch(json!({"automation": {"set_voided": null}})).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "automation.set_voided");
    let (status, store) = patch(json!({"automation": {"status_on_import": null}})).await;
    assert_eq!(status, 200, "{store}");
    assert_eq!(store["automation"]["status_on_import"], Value::Null);
    assert_eq!(store["automation"]["set_shipped"], false);

    let security =
        json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
    let body =
        json!({"name": "partial", "security": security, "automation": {"set_voided": false}});
    let store = server.create_store(&setup.key, body).await;
    assert_eq!(
        store["automation"],
        json!({"status_on_import": "awaiting_shipment", "set_shipped": true, "set_voided": false})
    );
}

/// Checks that automation and security sent as JSON arrays get 422, where serde would read a
/// struct from an array by position, and that a wrong import status lists only open ones.
async fn settings_as_arrays_are_rejected(server: TestServer) {
    let setup = setup(&server, "arrays").await;
    let store_path = format!("/api/v1/stores/{}", setup.store_id);
    let webhook_path = format!("{store_path}/webhook");
    let before = server.get_json(&store_path, Some(&setup.key)).await;

    for (path, body, field) in [
        (
            &store_path,
            json!({"automation": ["on_hold", false, false]}),
            "automation",
        ),
        (&store_path, json!({"automation": []}), "automation"),
        (&webhook_path, json!({"security": [[]]}), "security"),
        (
            &webhook_path,
            json!({"security": {"checks": [["basic_auth", "user", "secretpass1"]]}}),
            "security.checks[0]",
        ),
    ] {
        let (status, problem) = call(
            &server,
            reqwest::Method::PATCH,
            &setup.key,
            path,
            Some(&body),
        )
        .await;

        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["field"], field, "{problem}");
        assert!(detail(&problem).contains("object"), "{problem}");
    }
    let after = server.get_json(&store_path, Some(&setup.key)).await;
    assert_eq!(after["automation"], before["automation"]);

    for (name, reason) in [("", "no such status"), ("shipped", "open status")] {
        let body = json!({"automation": {"status_on_import": name}});
        let (status, problem) = call(
            &server,
            reqwest::Method::PATCH,
            &setup.key,
            &store_path,
            Some(&body),
        )
        .await;

        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["field"], "automation.status_on_import");
        assert!(detail(&problem).contains(reason), "{problem}");
        assert!(
            detail(&problem).contains("pending_fulfillment"),
            "{problem}"
        );
        assert!(!detail(&problem).contains("cancelled"), "{problem}");
    }
}

/// Checks that a map with a NUL character in any string is refused like any stored document,
/// naming the member, because PostgreSQL cannot store it.
async fn map_with_nul_is_rejected(server: TestServer) {
    let setup = setup(&server, "nul").await;
    let map = r#"{"version": 1, "name": "a\u0000b",
        "fields": {"order.source": {"value": "cart"}, "order.number": {"path": "$.n"}}}"#;

    let (status, problem) = put_map(&server, &setup, map).await;

    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "name", "{problem}");
}

/// Checks that a webhook becomes active only with a map that sets order source and number:
/// without one every request it kept would fail instead of waiting as a sample, and a map that
/// fixes the number to blank text is not saved.
async fn active_needs_an_import_map(server: TestServer) {
    let setup = setup(&server, "active").await;
    let path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    let patch = |state: &str| json!({ "state": state });
    let send = |body: Value| {
        let (server, key, path) = (&server, &setup.key, &path);
        async move { call(server, reqwest::Method::PATCH, key, path, Some(&body)).await }
    };

    let (status, problem) = send(patch("active")).await;
    assert_eq!(status, 422, "{problem}");
    assert!(
        detail(&problem).contains(&format!("PUT /api/v1/stores/{}/map", setup.store_id)),
        "{problem}"
    );
    let source_only = r#"{"version": 1, "fields": {"order.source": {"value": "cart"}}}"#;
    assert_eq!(put_map(&server, &setup, source_only).await.0, 200);
    assert_eq!(send(patch("active")).await.0, 422);
    let blank_number = r#"{"version": 1, "fields": {"order.source": {"value": "cart"},
        "order.number": {"value": " "}}}"#;
    let (status, problem) = put_map(&server, &setup, blank_number).await;
    assert_eq!(status, 422);
    assert_eq!(problem["field"], "order.number", "{problem}");
    assert!(
        detail(&problem).contains("order.number: the fixed value \" \" fails every import"),
        "{problem}"
    );
    assert_eq!(send(patch("active")).await.0, 422);

    let (status, saved) = put_map(&server, &setup, MAP).await;
    assert_eq!(status, 200);
    assert_eq!(saved["webhook_state"], "active", "{saved}");
    let (status, webhook) = send(patch("capturing")).await;
    assert_eq!((status, &webhook["state"]), (200, &json!("capturing")));
    let (status, webhook) = send(patch("active")).await;
    assert_eq!((status, &webhook["state"]), (200, &json!("active")));

    // A map that cannot import, saved over an active webhook, sets it back to capturing.
    let (status, saved) = put_map(&server, &setup, source_only).await;
    assert_eq!(status, 200);
    assert_eq!(saved["webhook_state"], "capturing", "{saved}");
    assert_eq!(saved["can_import"], false, "{saved}");
    assert_eq!(saved["missing"], json!(["order.number"]), "{saved}");
    let (status, saved) = put_map(&server, &setup, MAP).await;
    assert_eq!((status, &saved["webhook_state"]), (200, &json!("active")));
}

/// Checks that a refused store name is quoted as sent, shortened when long, and that a body of
/// the wrong shape is described in JSON terms, not by a Rust type's name.
async fn invalid_names_and_shapes_read_plainly(server: TestServer) {
    let setup = setup(&server, "names").await;
    let path = format!("/api/v1/stores/{}", setup.store_id);
    let patch = |body: Value| {
        let (server, key, path) = (&server, &setup.key, &path);
        async move { call(server, reqwest::Method::PATCH, key, path, Some(&body)).await }
    };

    let (status, problem) = patch(json!({"name": "   "})).await;
    assert_eq!(status, 422);
    assert!(
        detail(&problem).starts_with(r#"invalid name "   ": it has 0 characters"#),
        "{problem}"
    );
    for (name, expected) in [
        ("\u{200b}", "it has 0 characters"),
        ("\u{feff} \u{2060}", "it has 0 characters"),
        ("\u{34f}\u{fe0f}", "it has 0 characters"),
        ("\u{e0041}\u{e0042}", "it has 0 characters"),
        ("Acme\u{202e}emcA", "U+202E"),
        ("Acme\nOutlet", "U+000A"),
    ] {
        let (status, problem) = patch(json!({ "name": name })).await;
        assert_eq!(status, 422, "{name:?}: {problem}");
        assert_eq!(problem["field"], "name", "{problem}");
        assert!(detail(&problem).contains(expected), "{problem}");
    }
    let (status, store) = patch(json!({"name": "\u{200b}Acme Outlet\u{200b}"})).await;
    assert_eq!(status, 200, "{store}");
    assert_eq!(store["name"], "Acme Outlet");
    let long = "n".repeat(5_000);
    let (status, problem) = patch(json!({ "name": long })).await;
    assert_eq!(status, 422);
    assert!(
        detail(&problem).contains(&format!("{:?}...", "n".repeat(60))),
        "{problem}"
    );
    assert!(detail(&problem).len() < 400, "{problem}");

    let (status, problem) = patch(json!([])).await;
    assert_eq!(status, 422);
    assert!(
        detail(&problem).contains("expected a JSON object"),
        "{problem}"
    );
    assert!(!detail(&problem).contains("struct"), "{problem}");
}

http_tests!(
    invalid_time_zone_is_rejected,
    invalid_names_and_shapes_read_plainly,
    active_needs_an_import_map,
    closed_status_on_import_is_rejected,
    automation_members_left_out_keep_their_value,
    settings_as_arrays_are_rejected,
    map_with_nul_is_rejected,
    regenerate_body_needs_json_type,
    long_search_text_is_rejected,
    path_ids_need_plain_digits,
    replay_names_missing_ids,
    preview_uses_own_requests_only,
    map_save_never_enables_disabled,
    resume_racing_incomplete_map,
    webhook_patches_keep_each_other,
);
