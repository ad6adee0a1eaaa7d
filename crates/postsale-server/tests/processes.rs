//! The real `postsale` binary as separate processes: a `kill -9` in the middle of a load loses
//! nothing that was acknowledged, two processes on one PostgreSQL database import every
//! request exactly once, and a command's output to a closed pipe ends quietly.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use postsale_core::{AccountId, Plan, StoreId, WebhookState};
use postsale_store::accounts::{self, NewAccount};
use postsale_store::testing::TestDatabase;
use postsale_store::webhooks::{self, WebhookPatch};
use postsale_store::{Database, api_keys, maps, orders};
use serde_json::{Value, json};

const SECRET_KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";
const TOKEN_VALUE: &str = "process-test-token";

const MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "cart" },
    "order.number": { "path": "$.number" },
    "order.updated_at": { "path": "$.updated_at" },
    "charges.total": { "path": "$.total" }
  }
}"#;

/// A `postsale serve` child process, killed when dropped.
struct ServerProcess {
    child: Child,
    base_url: String,
}

impl ServerProcess {
    async fn start(database_url: &str, data_dir: &std::path::Path) -> ServerProcess {
        let port = free_port();
        let log = std::fs::File::create(data_dir.join(format!("serve-{port}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_postsale"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", database_url])
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--secret-key", SECRET_KEY, "--rate-limit-per-minute", "0"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start postsale serve");
        let server = ServerProcess {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            let url = format!("{}/healthz", self.base_url);
            if client
                .get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "postsale serve at {} did not become healthy within 10 s",
            self.base_url
        );
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Creates an account, a store with a header-value check and an active map through the first
/// server. Returns (api key, account, store id, hook path).
async fn prepare(db: &Database, server: &ServerProcess) -> (String, AccountId, i64, String) {
    let new = NewAccount {
        name: "acme".into(),
        plan: Plan::Soar,
        email: "ops@acme.example".into(),
    };
    let account = accounts::create(db, &new).await.unwrap();
    let key = api_keys::create(db, account.id, None)
        .await
        .unwrap()
        .plaintext;
    let security =
        json!({"checks": [{"type": "header_value", "header": "X-Token", "value": TOKEN_VALUE}]});
    let store: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/stores", server.base_url))
        .bearer_auth(&key)
        .json(&json!({"name": "Cart", "security": security}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let store_id = store["id"].as_i64().unwrap();
    maps::save(db, account.id, StoreId(store_id), MAP)
        .await
        .unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, account.id, StoreId(store_id), &active)
        .await
        .unwrap();
    let url = store["webhook"]["url"].as_str().unwrap();
    let path = url[url.find("/hooks/").unwrap()..].to_owned();
    (key, account.id, store_id, path)
}

/// An order body, numbered from 1000.
fn order_body(index: usize, version: usize) -> Vec<u8> {
    let number = 1000 + index;
    let minute = version % 60;
    format!(
        r#"{{"number":"{number}","updated_at":"2025-01-24T04:{minute:02}:00Z","total":"{number}.{version:02}"}}"#
    )
    .into_bytes()
}

/// Posts one body; returns the request id when the server answered 200.
async fn post(client: &reqwest::Client, url: String, body: Vec<u8>) -> Option<i64> {
    let response = client
        .post(url)
        .header("X-Token", TOKEN_VALUE)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .ok()?;
    if response.status() != 200 {
        return None;
    }
    let answer: Value = response.json().await.ok()?;
    answer["request_id"].as_i64()
}

/// Waits until no request of the store is pending, for at most 60 s.
async fn wait_for_imports(db: &Database, store_id: i64) {
    for _ in 0..600 {
        let pending: i64 = sqlx_count(
            db,
            "SELECT COUNT(*) FROM requests WHERE store_id = $1 AND import_state = 'pending'",
            store_id,
        )
        .await;
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("requests of store {store_id} were still pending after 60 s");
}

async fn sqlx_count(db: &Database, sql: &str, store_id: i64) -> i64 {
    postsale_store::testing::count(db, sql, store_id).await
}

async fn kill_during_load_loses_nothing(test_db: TestDatabase, data_dir: &std::path::Path) {
    let db = &test_db.db;
    let mut server = ServerProcess::start(&test_db.url, data_dir).await;
    let (_, account, store_id, path) = prepare(db, &server).await;
    let client = reqwest::Client::new();

    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for number in 0..400 {
        let url = format!("{}{path}", server.base_url);
        let client = client.clone();
        let answered = answered.clone();
        tasks.push(tokio::spawn(async move {
            let id = post(&client, url, order_body(number, 1)).await;
            if id.is_some() {
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            id
        }));
    }
    // Kill the server once a part of the load is acknowledged and the rest is in flight.
    for _ in 0..500 {
        if answered.load(std::sync::atomic::Ordering::SeqCst) >= 60 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    assert!(
        !acknowledged.is_empty(),
        "some requests were answered before the kill"
    );
    println!(
        "{} of 400 requests acknowledged before the kill",
        acknowledged.len()
    );

    let restarted = ServerProcess::start(&test_db.url, data_dir).await;
    wait_for_imports(db, store_id).await;
    drop(restarted);

    for id in &acknowledged {
        let kept = postsale_store::requests::get(db, account, postsale_core::RequestId(*id))
            .await
            .unwrap();
        let kept = kept.unwrap_or_else(|| panic!("acknowledged request {id} was lost"));
        assert_eq!(kept.outcome.as_deref(), Some("created"), "request {id}");
    }
    let order_count = orders::count(db, account).await.unwrap();
    assert!(
        order_count >= acknowledged.len() as i64,
        "{order_count} orders"
    );
}

async fn two_processes_import_once(test_db: TestDatabase, data_dir: &std::path::Path) {
    let db = &test_db.db;
    let first = ServerProcess::start(&test_db.url, data_dir).await;
    let second = ServerProcess::start(&test_db.url, data_dir).await;
    let (_, account, store_id, path) = prepare(db, &first).await;
    let client = reqwest::Client::new();

    let mut tasks = Vec::new();
    for index in 0..300 {
        let (number, version) = (index % 100, index / 100 + 1);
        let base = if index % 2 == 0 {
            &first.base_url
        } else {
            &second.base_url
        };
        let url = format!("{base}{path}");
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            post(&client, url, order_body(number, version)).await
        }));
    }
    for task in tasks {
        assert!(
            task.await.unwrap().is_some(),
            "every request is answered 200"
        );
    }
    wait_for_imports(db, store_id).await;

    let done = sqlx_count(
        db,
        "SELECT COUNT(*) FROM requests WHERE store_id = $1 AND import_state = 'done'",
        store_id,
    )
    .await;
    let created = sqlx_count(
        db,
        "SELECT COUNT(*) FROM requests WHERE store_id = $1 AND outcome = 'created'",
        store_id,
    )
    .await;
    let workers = sqlx_count(
        db,
        "SELECT COUNT(DISTINCT claimed_by) FROM requests WHERE store_id = $1",
        store_id,
    )
    .await;
    assert_eq!(done, 300);
    assert_eq!(created, 100, "each order created exactly once");
    assert_eq!(orders::count(db, account).await.unwrap(), 100);
    assert!(workers >= 1, "{workers}");

    let newest = orders::find(db, account, "cart", "1042")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        newest.order.charges.total.unwrap().to_string(),
        "1042.03",
        "the newest version wins"
    );
}

/// Runs `postsale serve` with another secret key on a database that a first process set up,
/// and expects it to exit at start with an error that says what to do.
async fn other_key_is_refused(test_db: TestDatabase, data_dir: &std::path::Path) {
    let first = ServerProcess::start(&test_db.url, data_dir).await;
    prepare(&test_db.db, &first).await;
    let other_key = "17".repeat(32);

    let output = tokio::task::spawn_blocking({
        let url = test_db.url.clone();
        let data_dir = data_dir.to_owned();
        move || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_postsale"))
                .args(["serve", "--listen", &format!("127.0.0.1:{}", free_port())])
                .args(["--database-url", &url])
                .arg("--data-dir")
                .arg(&data_dir)
                .args(["--secret-key", &other_key])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start postsale serve");
            for _ in 0..200 {
                if child.try_wait().unwrap().is_some() {
                    return child.wait_with_output().unwrap();
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            panic!("postsale serve with another secret key was still running after 10 s");
        }
    })
    .await
    .unwrap();

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("the secret key does not match this database"),
        "{stderr}"
    );
    assert!(stderr.contains("POSTSALE_SECRET_KEY"), "{stderr}");
    assert!(
        !stderr.contains(&"17".repeat(32)),
        "the key never reaches the log"
    );
    drop(first);

    let again = ServerProcess::start(&test_db.url, data_dir).await;
    drop(again);
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("postsale-{name}-{}", rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_load_sqlite() {
    let dir = temp_dir("kill");
    kill_during_load_loses_nothing(TestDatabase::sqlite().await, &dir).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_load_postgres() {
    let Some(test_db) = TestDatabase::postgres().await else {
        return;
    };
    let dir = temp_dir("kill-pg");
    kill_during_load_loses_nothing(test_db, &dir).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_key_is_refused_sqlite() {
    let dir = temp_dir("key");
    other_key_is_refused(TestDatabase::sqlite().await, &dir).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_key_is_refused_postgres() {
    let Some(test_db) = TestDatabase::postgres().await else {
        return;
    };
    let dir = temp_dir("key-pg");
    other_key_is_refused(test_db, &dir).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_postgres() {
    let Some(test_db) = TestDatabase::postgres().await else {
        return;
    };
    let dir = temp_dir("two");
    two_processes_import_once(test_db, &dir).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_command_reimports_requests() {
    let test_db = TestDatabase::sqlite().await;
    let dir = temp_dir("replay");
    let db = &test_db.db;
    let server = ServerProcess::start(&test_db.url, &dir).await;
    let (_, account, store_id, path) = prepare(db, &server).await;
    let broken = r#"{"version": 1, "fields": {"order.source": {"value": "cart"}, "order.number": {"path": "$.missing"}}}"#;
    maps::save(db, account, StoreId(store_id), broken)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    for index in 0..3 {
        let url = format!("{}{path}", server.base_url);
        assert!(post(&client, url, order_body(index, 1)).await.is_some());
    }
    wait_for_imports(db, store_id).await;
    drop(server);
    maps::save(db, account, StoreId(store_id), MAP)
        .await
        .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["replay", "--since", "2000-01-01T00:00:00Z"])
        .args([
            "--account",
            &account.to_string(),
            "--store",
            &store_id.to_string(),
        ])
        .args(["--database-url", &test_db.url])
        .output()
        .expect("run postsale replay");

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("replayed 3: 3 created"), "{stdout}");
    assert_eq!(orders::count(db, account).await.unwrap(), 3);
    let _ = std::fs::remove_dir_all(dir);
}

/// Checks that `postsale openapi | head` ends quietly: the reader closes the pipe after a few
/// lines, and writing the rest must not panic.
#[test]
fn openapi_to_a_closed_pipe_ends_quietly() {
    use std::io::Read;

    let mut child = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("openapi")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0_u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe is closed here, long before the document, which is larger than a pipe's buffer,
    // is written.
    let output = child.wait_with_output().unwrap();

    assert!(first.starts_with(b"{"), "{first:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Checks that a `--since` that is no instant is explained once, not once more as its cause.
#[test]
fn replay_since_error_is_told_once() {
    let data_dir = temp_dir("replay-since");
    let output = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "replay",
            "--account",
            "1",
            "--store",
            "1",
            "--since",
            "yesterday",
        ])
        .arg("--data-dir")
        .arg(&data_dir)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"invalid --since "yesterday""#),
        "{stderr}"
    );
    assert_eq!(stderr.matches("could not be parsed").count(), 1, "{stderr}");
}
