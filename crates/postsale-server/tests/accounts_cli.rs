//! `postsale account set-plan` and `postsale api-key list`, run as processes against the
//! database of a running server.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::TestServer;
use postsale_core::{AccountId, Plan};
use postsale_store::accounts;
use reqwest::StatusCode;
use serde_json::json;

const TOKEN_HEADER: &str = "X-Cart-Token";
const TOKEN_VALUE: &str = "cart-token-0123456789abcdefghij";

/// How long a running server may take to apply a change made by another process; it caches
/// webhooks for one second.
const APPLIED_WITHIN: Duration = Duration::from_secs(10);

fn set_plan(server: &TestServer, account: &str, plan: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["account", "set-plan", "--account", account, "--plan", plan])
        .args(["--database-url", &server.test_db.url])
        .output()
        .expect("run postsale account set-plan")
}

async fn stored_plan(server: &TestServer, account: AccountId) -> Plan {
    let stored = accounts::get(&server.test_db.db, account).await.unwrap();
    stored.expect("the account exists").plan
}

async fn post_order(server: &TestServer, url: &str) -> StatusCode {
    server
        .client
        .post(url)
        .header(TOKEN_HEADER, TOKEN_VALUE)
        .header("Content-Type", "application/json")
        .body(r#"{"id": 1}"#)
        .send()
        .await
        .unwrap()
        .status()
}

/// Posts until the response status is `expected`, and fails when it is not within [`APPLIED_WITHIN`].
async fn wait_for_status(server: &TestServer, url: &str, expected: StatusCode) {
    let started = Instant::now();
    loop {
        let status = post_order(server, url).await;
        if status == expected {
            return;
        }
        assert!(
            started.elapsed() < APPLIED_WITHIN,
            "the webhook still answers {status}, not {expected}, after {APPLIED_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn plan_change_reaches_running_server(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let security = json!({"checks": [
        {"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN_VALUE}
    ]});
    let store = server
        .create_store(&acme.api_key, json!({"name": "Main", "security": security}))
        .await;
    let url = store["webhook"]["url"].as_str().unwrap().to_owned();
    assert_eq!(post_order(&server, &url).await, StatusCode::OK);
    let account = acme.account.id.to_string();

    let output = set_plan(&server, &account, "grow");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("plan soar -> grow"), "{stdout}");
    assert!(stdout.contains("402"), "{stdout}");
    assert_eq!(stored_plan(&server, acme.account.id).await, Plan::Grow);
    wait_for_status(&server, &url, StatusCode::PAYMENT_REQUIRED).await;

    let output = set_plan(&server, &account, "soar");
    assert!(output.status.success(), "{output:?}");
    wait_for_status(&server, &url, StatusCode::OK).await;
}

async fn set_plan_names_unknown_account(server: TestServer) {
    let output = set_plan(&server, "999999", "soar");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("account 999999 not found"), "{stderr}");
}

async fn set_plan_names_unknown_plan(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let output = set_plan(&server, &acme.account.id.to_string(), "gold");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("gold"), "{stderr}");
    assert_eq!(stored_plan(&server, acme.account.id).await, Plan::Soar);
}

/// Checks that every row of `api-key list` starts its columns where the header does.
async fn api_key_list_lines_up(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let account = acme.account.id.get().to_string();
    let database = ["--database-url", server.test_db.url.as_str()];
    let created = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "api-key",
            "create",
            "--account",
            &account,
            "--label",
            "second key",
        ])
        .args(database)
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");

    let listed = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["api-key", "list", "--account", &account])
        .args(database)
        .output()
        .unwrap();

    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8(listed.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let columns = |line: &str| -> Vec<usize> {
        // The label column is left out: a key without a label ends before it.
        ["prefix", "created", "state"]
            .iter()
            .map(|name| lines[0].find(name).unwrap())
            .filter(|&at| line.as_bytes()[at - 1] == b' ' && line.as_bytes()[at] != b' ')
            .collect()
    };
    for line in &lines[1..] {
        assert_eq!(columns(line).len(), 3, "a column is out of line:\n{text}");
        assert!(line.contains(" UTC "), "{text}");
    }
}

http_tests!(
    api_key_list_lines_up,
    plan_change_reaches_running_server,
    set_plan_names_unknown_account,
    set_plan_names_unknown_plan,
);
