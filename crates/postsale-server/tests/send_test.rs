//! `send-test` against a small axum server in the test: the bytes that arrive, the signature,
//! the exit status, and the secret taken from the environment.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use postsale_core::verify::{
    Check, HmacConfig, Preset, Secret, SecurityConfig, VerifyInput, verify_request,
};
use postsale_server::send_test::{SendTestArgs, run};
use time::OffsetDateTime;
use tokio::net::TcpListener;

const SECRET: &str = "shpss_send_test_integration_key";

/// The last request the server received.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Option<(HeaderMap, Bytes)>>>);

impl Received {
    fn take(&self) -> (HeaderMap, Bytes) {
        self.0
            .lock()
            .unwrap()
            .take()
            .expect("the server received no request")
    }
}

/// Starts a server that keeps each request: `/hooks/ok` answers 200, `/hooks/reject` 401.
async fn start_server() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route("/hooks/ok", post(accept))
        .route("/hooks/reject", post(reject))
        .with_state(received.clone());

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

async fn accept(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> &'static str {
    *received.0.lock().unwrap() = Some((headers, body));
    "kept\n"
}

async fn reject(State(received): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    *received.0.lock().unwrap() = Some((headers, body));
    StatusCode::UNAUTHORIZED
}

fn example_order() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/orders/custom-cart-order.json");
    assert!(path.is_file(), "example order {} not found", path.display());
    path
}

fn args(url: String, preset: Preset) -> SendTestArgs {
    SendTestArgs {
        url,
        file: example_order(),
        preset: Some(preset),
        secret: Some(Secret::new(SECRET)),
        headers: Vec::new(),
        basic: None,
        delivery_id: None,
        content_type: "application/json".to_owned(),
        gzip: false,
    }
}

fn verifies(preset: Preset, headers: &HeaderMap, body: &[u8]) -> bool {
    let config = SecurityConfig::single(Check::Hmac(HmacConfig::preset(preset, SECRET)));
    let input = VerifyInput {
        headers,
        raw_body: body,
        decoded_body: body,
        peer: "127.0.0.1".parse().unwrap(),
        trusted_proxies: &[],
        now: OffsetDateTime::now_utc(),
    };
    verify_request(&config, &input).is_ok()
}

/// Runs the `postsale` binary with `send-test` and the given flags.
async fn run_binary(flags: Vec<String>, secret_env: Option<&'static str>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_postsale"));
        command.arg("send-test").args(flags);
        command.env_remove("POSTSALE_SEND_TEST_SECRET");
        if let Some(secret) = secret_env {
            command.env("POSTSALE_SEND_TEST_SECRET", secret);
        }
        command.output().expect("run the postsale binary")
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn body_arrives_unchanged_and_signed() {
    let (base, received) = start_server().await;

    run(args(format!("{base}/hooks/ok"), Preset::Shopify))
        .await
        .unwrap();

    let (headers, body) = received.take();
    let file_bytes = std::fs::read(example_order()).unwrap();
    assert_eq!(body.as_ref(), file_bytes.as_slice());
    assert!(headers.contains_key("x-shopify-hmac-sha256"));
    assert_eq!(headers["x-shopify-topic"], "orders/create");
    assert!(verifies(Preset::Shopify, &headers, &body));
}

#[tokio::test]
async fn every_preset_verifies_on_arrival() {
    let (base, received) = start_server().await;

    for preset in [Preset::WooCommerce, Preset::Stripe, Preset::GitHub] {
        run(args(format!("{base}/hooks/ok"), preset)).await.unwrap();

        let (headers, body) = received.take();
        assert!(verifies(preset, &headers, &body), "{preset}");
        assert!(!verifies(Preset::Shopify, &headers, &body), "{preset}");
    }
}

#[tokio::test]
async fn gzip_body_decodes_to_file() {
    let (base, received) = start_server().await;
    let mut gzipped = args(format!("{base}/hooks/ok"), Preset::Shopify);
    gzipped.gzip = true;

    run(gzipped).await.unwrap();

    let (headers, body) = received.take();
    let decoded = postsale_core::ingress::decode_body(Some("gzip"), &body, 1 << 20).unwrap();
    let file_bytes = std::fs::read(example_order()).unwrap();
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(decoded.as_ref(), file_bytes.as_slice());
    assert!(verifies(Preset::Shopify, &headers, &decoded));
}

#[tokio::test]
async fn rejection_is_an_error() {
    let (base, received) = start_server().await;

    let error = run(args(format!("{base}/hooks/reject"), Preset::Shopify))
        .await
        .unwrap_err()
        .to_string();

    assert!(error.contains("401 Unauthorized"), "{error}");
    received.take();
}

#[tokio::test]
async fn missing_file_names_path() {
    let mut missing = args("http://127.0.0.1:9/hooks/ok".to_owned(), Preset::Shopify);
    missing.file = PathBuf::from("no/such/order.json");

    let error = run(missing).await.unwrap_err().to_string();

    assert!(error.contains("no/such/order.json"), "{error}");
}

#[tokio::test]
async fn binary_reads_secret_from_env() {
    let (base, received) = start_server().await;
    let flags = vec![
        format!("--url={base}/hooks/ok"),
        format!("--file={}", example_order().display()),
        "--preset=shopify".to_owned(),
        "--delivery-id=delivery-from-binary".to_owned(),
    ];

    let output = run_binary(flags, Some(SECRET)).await;

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.starts_with("200 OK"), "{stdout}");
    assert!(stdout.contains("kept"), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");
    assert!(!stderr.contains(SECRET), "{stderr}");

    let (headers, body) = received.take();
    assert_eq!(headers["x-shopify-webhook-id"], "delivery-from-binary");
    assert!(verifies(Preset::Shopify, &headers, &body));
}

#[tokio::test]
async fn binary_exits_nonzero_on_401() {
    let (base, _received) = start_server().await;
    let flags = vec![
        format!("--url={base}/hooks/reject"),
        format!("--file={}", example_order().display()),
        "--preset=github".to_owned(),
        format!("--secret={SECRET}"),
    ];

    let output = run_binary(flags, None).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("401 Unauthorized"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[tokio::test]
async fn binary_needs_secret_for_preset() {
    let flags = vec![
        "--url=http://127.0.0.1:9/hooks/ok".to_owned(),
        format!("--file={}", example_order().display()),
        "--preset=woocommerce".to_owned(),
    ];

    let output = run_binary(flags, None).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("POSTSALE_SEND_TEST_SECRET"), "{stderr}");
}
