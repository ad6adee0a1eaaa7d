//! Sign-in, sessions, CSRF and the security headers of the web UI, over HTTP.

mod common;

use common::TestServer;
use common::web::{Browser, PASSWORD, assert_inputs_labelled, create_user, location};
use postsale_core::Plan;
use postsale_server::app::{AppState, Settings, Shutdown, serve};
use postsale_server::web::CONTENT_SECURITY_POLICY;
use postsale_store::sessions;
use tokio::net::TcpListener;

async fn root_redirects_to_sign_in(server: TestServer) {
    let browser = Browser::new(&server);

    let response = browser.get("/").await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in");
}

async fn sign_in_sets_session_cookie(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);

    let response = browser.sign_in("Ops@Acme.Example", PASSWORD).await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/orders");
    let cookies: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap())
        .collect();
    let session = cookies
        .iter()
        .find(|cookie| cookie.starts_with("postsale_session="))
        .expect("a session cookie is set");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    assert!(!session.contains("Secure"), "{session}");
    assert_eq!(location(&browser.get("/").await), "/orders");
}

async fn sign_in_cookie_secure_over_https(server: TestServer) {
    let db = server.test_db.db.clone();
    let (base_url, _stop) = start_second_server(db, "https://postsale.example").await;
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::at(&base_url);

    let response = browser.sign_in("ops@acme.example", PASSWORD).await;

    assert_eq!(response.status(), 303);
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|cookie| cookie.starts_with("postsale_session="))
        .expect("a session cookie is set");
    assert!(session.ends_with("; Secure"), "{session}");
}

async fn sign_in_follows_next_on_this_site(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;

    let local = Browser::new(&server);
    let response = local
        .sign_in_with_next("ops@acme.example", PASSWORD, "/settings/stores")
        .await;
    assert_eq!(location(&response), "/settings/stores");

    let elsewhere = Browser::new(&server);
    let response = elsewhere
        .sign_in_with_next("ops@acme.example", PASSWORD, "//evil.example/")
        .await;
    assert_eq!(location(&response), "/orders");
}

async fn wrong_password_is_rejected(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);

    let response = browser.sign_in("ops@acme.example", "wrong password").await;

    assert_eq!(response.status(), 422);
    assert!(browser.cookie("postsale_session").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"id="sign-in-error""#), "{page}");
    assert!(
        page.contains("The email or the password is wrong"),
        "{page}"
    );
    assert!(page.contains(r#"value="ops@acme.example""#), "{page}");
}

async fn unknown_email_is_rejected_alike(server: TestServer) {
    let browser = Browser::new(&server);

    let response = browser.sign_in("nobody@acme.example", PASSWORD).await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("The email or the password is wrong"),
        "{page}"
    );
}

async fn empty_fields_get_message(server: TestServer) {
    let browser = Browser::new(&server);

    let response = browser.sign_in("", "").await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Enter your email and your password"),
        "{page}"
    );
}

async fn failed_sign_ins_pause_email(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    for attempt in 1..=5 {
        let response = browser.sign_in("ops@acme.example", "wrong password").await;
        assert_eq!(response.status(), 422, "attempt {attempt}");
    }

    let response = browser.sign_in("ops@acme.example", PASSWORD).await;

    assert_eq!(response.status(), 429);
    let retry_after: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Too many failed sign-ins for this email"),
        "{page}"
    );
    assert!(browser.cookie("postsale_session").is_none());
}

async fn pause_holds_across_servers(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let first = Browser::new(&server);
    for _ in 0..5 {
        first.sign_in("ops@acme.example", "wrong password").await;
    }
    let (base_url, _stop) = start_second_server(server.test_db.db.clone(), "").await;

    let second = Browser::at(&base_url);
    let response = second.sign_in("ops@acme.example", PASSWORD).await;

    assert_eq!(response.status(), 429);
}

async fn failed_sign_ins_pause_address(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    for attempt in 0..30 {
        let email = format!("guess{attempt}@acme.example");
        let response = browser.sign_in(&email, "wrong password").await;
        assert_eq!(response.status(), 422, "attempt {attempt}");
    }

    let response = browser.sign_in("ops@acme.example", PASSWORD).await;

    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let page = response.text().await.unwrap();
    assert!(page.contains("from your network address"), "{page}");
}

async fn concurrent_sign_ins_respect_limit(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let browser = Browser::new(&server);
        attempts.spawn(async move {
            let response = browser.sign_in("ops@acme.example", "wrong password").await;
            response.status().as_u16()
        });
    }

    let statuses = attempts.join_all().await;

    let checked = statuses.iter().filter(|&&status| status == 422).count();
    let paused = statuses.iter().filter(|&&status| status == 429).count();
    assert!(checked <= 5, "{statuses:?}");
    assert_eq!(checked + paused, 20, "{statuses:?}");
    let response = Browser::new(&server)
        .sign_in("ops@acme.example", PASSWORD)
        .await;
    assert_eq!(response.status(), 429);
}

async fn success_clears_email_failures(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    for _ in 0..4 {
        browser.sign_in("ops@acme.example", "wrong password").await;
    }
    browser.sign_in_ok("ops@acme.example").await;

    let again = Browser::new(&server);
    for _ in 0..4 {
        let response = again.sign_in("ops@acme.example", "wrong password").await;
        assert_eq!(response.status(), 422);
    }
}

async fn sign_in_form_needs_its_token(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);

    let response = browser
        .post_form(
            "/sign-in",
            &[
                ("email", "ops@acme.example"),
                ("password", PASSWORD),
                ("csrf_token", "forged"),
            ],
        )
        .await;

    assert_eq!(response.status(), 403);
    assert!(browser.cookie("postsale_session").is_none());
}

async fn expired_session_signs_out(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    assert_eq!(browser.get("/api/v1/account").await.status(), 200);

    let now = time::OffsetDateTime::now_utc();
    let cookie = browser.cookie("postsale_session").unwrap();
    let active = sessions::authenticate(&server.test_db.db, &cookie, now)
        .await
        .unwrap()
        .unwrap();
    sessions::extend(
        &server.test_db.db,
        active.session.id,
        now,
        now - time::Duration::seconds(1),
    )
    .await
    .unwrap();

    assert_eq!(browser.get("/api/v1/account").await.status(), 401);
    assert_eq!(location(&browser.get("/").await), "/sign-in");
}

async fn sign_out_ends_session(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    let old_cookie = browser.cookie("postsale_session").unwrap();
    let token = session_token(&server, &browser).await;

    let response = browser
        .post_form("/sign-out", &[("csrf_token", &token)])
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/sign-in?signed_out=1");
    assert!(browser.cookie("postsale_session").is_none());
    let (_, page) = browser.page("/sign-in?signed_out=1").await;
    assert!(page.contains("You are signed out"), "{page}");
    browser.set_cookie("postsale_session", &old_cookie);
    assert_eq!(browser.get("/api/v1/account").await.status(), 401);
}

async fn sign_out_needs_csrf_token(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;

    let response = browser
        .post_form("/sign-out", &[("csrf_token", "forged")])
        .await;

    assert_eq!(response.status(), 403);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(browser.get("/api/v1/account").await.status(), 200);
}

async fn api_accepts_session_cookie_for_get(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;

    let response = browser.get("/api/v1/account").await;

    assert_eq!(response.status(), 200);
    let account: serde_json::Value = response.json().await.unwrap();
    assert_eq!(account["id"], acme.account.id.get());
}

async fn api_cookie_post_needs_csrf_header(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    let store = serde_json::json!({"name": "Cart", "security": {"checks": [
        {"type": "header_value", "header": "X-Key", "value": "secret-value"}]}});

    let without = browser
        .send(
            browser
                .request(reqwest::Method::POST, "/api/v1/stores")
                .json(&store),
        )
        .await;
    let wrong = browser
        .send(
            browser
                .request(reqwest::Method::POST, "/api/v1/stores")
                .header("x-csrf-token", "forged")
                .json(&store),
        )
        .await;

    assert_eq!(without.status(), 403);
    assert_eq!(
        without.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = without.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("X-CSRF-Token"),
        "{problem}"
    );
    assert_eq!(wrong.status(), 403);
    let listed: Vec<serde_json::Value> = browser.get("/api/v1/stores").await.json().await.unwrap();
    assert!(listed.is_empty());
}

async fn api_cookie_post_with_csrf_header(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    create_user(&server, acme.account.id, "ops@acme.example").await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    let token = session_token(&server, &browser).await;
    let store = serde_json::json!({"name": "Cart", "security": {"checks": [
        {"type": "header_value", "header": "X-Key", "value": "secret-value"}]}});

    let response = browser
        .send(
            browser
                .request(reqwest::Method::POST, "/api/v1/stores")
                .header("x-csrf-token", token)
                .json(&store),
        )
        .await;

    assert_eq!(response.status(), 201);
}

async fn api_bearer_key_needs_no_csrf(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let store = serde_json::json!({"name": "Cart", "security": {"checks": [
        {"type": "header_value", "header": "X-Key", "value": "secret-value"}]}});

    let created = server.create_store(&acme.api_key, store).await;
    let response = server.get("/api/v1/account", Some(&acme.api_key)).await;

    assert_eq!(created["name"], "Cart");
    assert_eq!(response.status(), 200);
}

async fn api_expired_cookie_is_401(server: TestServer) {
    let browser = Browser::new(&server);
    browser.set_cookie("postsale_session", "0123456789abcdef");

    let response = browser.get("/api/v1/account").await;

    assert_eq!(response.status(), 401);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("sign in"),
        "{problem}"
    );
}

async fn html_pages_carry_security_headers(server: TestServer) {
    let browser = Browser::new(&server);

    for path in ["/sign-in", "/sign-in?signed_out=1", "/no-such-page"] {
        let response = browser.get(path).await;
        let headers = response.headers();

        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(
            headers["content-security-policy"], CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
    }
}

async fn sign_in_page_links_versioned_assets(server: TestServer) {
    let browser = Browser::new(&server);
    let (_, page) = browser.page("/sign-in").await;
    let start = page
        .find("/assets/app.css?v=")
        .expect("the style sheet is linked");
    let end = page[start..].find('"').unwrap() + start;
    let url = &page[start..end];

    let response = browser.get(url).await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(page.contains(r#"<label for="email">"#), "{page}");
    assert!(page.contains(r#"<label for="password">"#), "{page}");
    assert_inputs_labelled(&page);
}

async fn unknown_asset_is_404(server: TestServer) {
    let browser = Browser::new(&server);

    let unversioned = browser.get("/assets/app.js").await;
    let missing = browser.get("/assets/nothing.js").await;

    assert_eq!(unversioned.status(), 200);
    assert_eq!(unversioned.headers()["cache-control"], "no-cache");
    assert_eq!(missing.status(), 404);
}

async fn unknown_api_path_stays_problem_json(server: TestServer) {
    let response = server.get("/api/v1/nothing", None).await;

    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

/// Reads the CSRF token of the browser's session from the database.
async fn session_token(server: &TestServer, browser: &Browser) -> String {
    let cookie = browser.cookie("postsale_session").expect("signed in");
    let active =
        sessions::authenticate(&server.test_db.db, &cookie, time::OffsetDateTime::now_utc())
            .await
            .unwrap()
            .expect("the session is valid");
    active.session.csrf_token
}

/// Starts another server on the same database, as a second process would be.
async fn start_second_server(
    db: postsale_store::Database,
    public_url: &str,
) -> (String, tokio::sync::watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let public_url = if public_url.is_empty() {
        base_url.as_str()
    } else {
        public_url
    };
    let (stop, shutdown) = Shutdown::manual();
    let state = AppState::new(db, Settings::for_tests(public_url));
    tokio::spawn(serve(state, listener, shutdown.wait()));
    (base_url, stop)
}

http_tests!(
    root_redirects_to_sign_in,
    sign_in_sets_session_cookie,
    sign_in_cookie_secure_over_https,
    sign_in_follows_next_on_this_site,
    wrong_password_is_rejected,
    unknown_email_is_rejected_alike,
    empty_fields_get_message,
    failed_sign_ins_pause_email,
    pause_holds_across_servers,
    failed_sign_ins_pause_address,
    concurrent_sign_ins_respect_limit,
    success_clears_email_failures,
    sign_in_form_needs_its_token,
    expired_session_signs_out,
    sign_out_ends_session,
    sign_out_needs_csrf_token,
    api_accepts_session_cookie_for_get,
    api_cookie_post_needs_csrf_header,
    api_cookie_post_with_csrf_header,
    api_bearer_key_needs_no_csrf,
    api_expired_cookie_is_401,
    html_pages_carry_security_headers,
    sign_in_page_links_versioned_assets,
    unknown_asset_is_404,
    unknown_api_path_stays_problem_json,
);
