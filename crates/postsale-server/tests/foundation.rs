//! Health, readiness, metrics, the OpenAPI document and API-key authentication, over HTTP.

mod common;

use common::TestServer;
use postsale_core::Plan;
use postsale_store::api_keys;

async fn healthz_is_ok(server: TestServer) {
    let response = server.get("/healthz", None).await;

    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
}

async fn readyz_checks_database(server: TestServer) {
    let response = server.get("/readyz", None).await;
    assert_eq!(response.status(), 200);

    server.test_db.db.close().await;
    let response = server.get("/readyz", None).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

/// Starts a server on SQLite, and returns it with the path of its database file.
async fn sqlite_server() -> (TestServer, String) {
    let server = TestServer::start(postsale_store::testing::TestDatabase::sqlite().await).await;
    let file = server
        .test_db
        .url
        .trim_start_matches("sqlite://")
        .to_owned();
    (server, file)
}

/// Returns `/readyz`'s problem detail, after checking that its status is 503.
async fn unready_detail(server: &TestServer) -> String {
    let response = server.get("/readyz", None).await;
    assert_eq!(response.status(), 503);
    let problem: serde_json::Value = response.json().await.unwrap();
    problem["detail"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_when_sqlite_file_deleted() {
    let (server, file) = sqlite_server().await;
    std::fs::remove_file(&file).unwrap();

    let detail = unready_detail(&server).await;
    assert!(detail.contains("deleted or replaced"), "{detail}");
    assert!(detail.contains(&file), "{detail}");
}

/// Once the writer cannot commit, webhook requests get 503, and readiness reports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_fails_after_failed_commit() {
    let (server, file) = sqlite_server().await;
    let account = server.create_account("acme", Plan::Soar).await;
    let security = serde_json::json!({"checks": [
        {"type": "header_value", "header": "X-Token", "value": "token-value"}
    ]});
    let body = serde_json::json!({"name": "Main", "security": security});
    let store = server.create_store(&account.api_key, body).await;
    let url = store["webhook"]["url"].as_str().unwrap().to_owned();
    std::fs::remove_file(&file).unwrap();

    let response = reqwest::Client::new()
        .post(&url)
        .header("X-Token", "token-value")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);

    let detail = unready_detail(&server).await;
    assert!(
        detail.contains("last commit of webhook requests failed"),
        "{detail}"
    );
}

async fn metrics_use_prometheus_text(server: TestServer) {
    server.get("/healthz", None).await;

    let response = server.get("/metrics", None).await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("postsale_http_requests_total"), "{body}");
    assert!(body.contains("route=\"/healthz\""), "{body}");
}

async fn openapi_lists_account_route(server: TestServer) {
    let response = server.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), 200);

    let document: serde_json::Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    assert!(document["paths"]["/api/v1/account"]["get"].is_object());
}

/// Checks that every parameter documented as part of a path appears in it as `{name}`, and
/// that each `{name}` of a path is documented, so that no query parameter is listed as a path
/// parameter.
async fn openapi_path_parameters_match_paths(server: TestServer) {
    let response = server.get("/api/openapi.json", None).await;
    let document: serde_json::Value = response.json().await.unwrap();

    let paths = document["paths"].as_object().unwrap();
    let mut query_parameters = 0;
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let in_path: Vec<&str> = parameters
                .iter()
                .filter(|parameter| parameter["in"] == "path")
                .map(|parameter| parameter["name"].as_str().unwrap())
                .collect();
            query_parameters += parameters
                .iter()
                .filter(|parameter| parameter["in"] == "query")
                .count();
            for name in &in_path {
                assert!(
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path} documents {name} as a path parameter"
                );
            }
            let placeholders = path.matches('{').count();
            assert_eq!(
                placeholders,
                in_path.len(),
                "{method} {path} documents path parameters {in_path:?}"
            );
        }
    }
    assert!(query_parameters > 0, "no query parameters documented");
}

async fn account_needs_api_key(server: TestServer) {
    let response = server.get("/api/v1/account", None).await;

    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(response.headers().contains_key("www-authenticate"));
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 401);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer")
    );
}

async fn wrong_api_key_is_rejected(server: TestServer) {
    server.create_account("acme", Plan::Soar).await;

    let response = server
        .get("/api/v1/account", Some("psk_not_a_real_key"))
        .await;

    assert_eq!(response.status(), 401);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("invalid API key")
    );
}

async fn malformed_authorization_is_rejected(server: TestServer) {
    let response = server
        .client
        .get(server.url("/api/v1/account"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Bearer <api key>")
    );
}

async fn bearer_scheme_ignores_case(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let key = &acme.api_key;

    // Without the space after the scheme, the header is malformed.
    for (header, expected) in [
        (format!("Bearer {key}"), 200),
        (format!("bearer {key}"), 200),
        (format!("BEARER {key}"), 200),
        (format!("Bearer{key}"), 401),
    ] {
        let response = server
            .client
            .get(server.url("/api/v1/account"))
            .header("authorization", &header)
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), expected, "{header}");
    }
}

async fn revoked_api_key_is_rejected(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let (key, _) = api_keys::authenticate(&server.test_db.db, &acme.api_key)
        .await
        .unwrap()
        .unwrap();
    api_keys::revoke(&server.test_db.db, acme.account.id, key.id)
        .await
        .unwrap();

    let response = server.get("/api/v1/account", Some(&acme.api_key)).await;

    assert_eq!(response.status(), 401);
}

async fn account_shows_plan(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let starter = server.create_account("small", Plan::Starter).await;

    let response = server.get("/api/v1/account", Some(&acme.api_key)).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["id"], acme.account.id.get());
    assert_eq!(body["plan"], "soar");
    assert_eq!(body["webhooks_allowed"], true);

    let body = server
        .get_json("/api/v1/account", Some(&starter.api_key))
        .await;
    assert_eq!(body["id"], starter.account.id.get());
    assert_eq!(body["plan"], "starter");
    assert_eq!(body["webhooks_allowed"], false);
}

async fn unknown_route_is_problem(server: TestServer) {
    let response = server.get("/api/v1/nothing-here", None).await;

    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

http_tests!(
    healthz_is_ok,
    readyz_checks_database,
    metrics_use_prometheus_text,
    openapi_lists_account_route,
    openapi_path_parameters_match_paths,
    account_needs_api_key,
    wrong_api_key_is_rejected,
    malformed_authorization_is_rejected,
    bearer_scheme_ignores_case,
    revoked_api_key_is_rejected,
    account_shows_plan,
    unknown_route_is_problem,
);
