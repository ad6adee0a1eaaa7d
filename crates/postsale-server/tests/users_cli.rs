//! `postsale user create`, run as a process against the test database, then sign-in with the
//! user it made.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::TestServer;
use common::web::{Browser, location};
use postsale_core::Plan;
use postsale_server::web::password::verify_password;
use postsale_store::users;

/// Runs `postsale user create` with `stdin` as standard input.
fn user_create(server: &TestServer, account: &str, email: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["user", "create", "--account", account, "--email", email])
        .args(["--database-url", &server.test_db.url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start postsale");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("wait for postsale")
}

async fn user_create_reads_password_from_stdin(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let account = acme.account.id.to_string();

    let output = user_create(&server, &account, "Ops@Acme.Example", "long enough pass\n");

    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ops@acme.example"), "{stdout}");
    assert!(!stdout.contains("long enough pass"), "{stdout}");
    let stored = users::find_for_sign_in(&server.test_db.db, "ops@acme.example")
        .await
        .unwrap()
        .expect("the user exists");
    assert_eq!(stored.user.account_id, acme.account.id);
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(verify_password("long enough pass", &stored.password_hash));

    let browser = Browser::new(&server);
    let response = browser
        .sign_in("ops@acme.example", "long enough pass")
        .await;
    assert_eq!(location(&response), "/orders");
}

async fn user_create_rejects_short_password(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let output = user_create(
        &server,
        &acme.account.id.to_string(),
        "a@b.example",
        "short\n",
    );

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 10"), "{stderr}");
    assert!(
        users::find_for_sign_in(&server.test_db.db, "a@b.example")
            .await
            .unwrap()
            .is_none()
    );
}

async fn user_create_rejects_empty_stdin(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let output = user_create(&server, &acme.account.id.to_string(), "a@b.example", "");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no password on standard input"), "{stderr}");
}

async fn user_create_rejects_taken_email(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let account = acme.account.id.to_string();
    let first = user_create(&server, &account, "ops@acme.example", "long enough pass\n");
    assert!(first.status.success(), "{first:?}");

    let second = user_create(&server, &account, "OPS@acme.example", "another long pass\n");

    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
}

async fn user_create_rejects_unknown_account(server: TestServer) {
    let output = user_create(&server, "999999", "a@b.example", "long enough pass\n");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("account 999999 not found"), "{stderr}");
}

http_tests!(
    user_create_reads_password_from_stdin,
    user_create_rejects_short_password,
    user_create_rejects_empty_stdin,
    user_create_rejects_taken_email,
    user_create_rejects_unknown_account,
);
