//! A real postsale server on `127.0.0.1:0` over a fresh database, for HTTP tests.

#![allow(dead_code)]

pub mod web;

use postsale_core::Plan;
use postsale_server::app::{AppState, Settings, Shutdown, serve};
use postsale_store::accounts::{self, Account, NewAccount};
use postsale_store::api_keys;
use postsale_store::testing::TestDatabase;
use tokio::net::TcpListener;

/// A running server and the database behind it. Dropping it stops the server.
pub struct TestServer {
    pub base_url: String,
    pub client: reqwest::Client,
    pub test_db: TestDatabase,
    stop: tokio::sync::watch::Sender<bool>,
}

/// An account with an API key, as a test creates it.
pub struct TestAccount {
    pub account: Account,
    pub api_key: String,
}

impl TestServer {
    pub async fn start(test_db: TestDatabase) -> TestServer {
        TestServer::start_with(test_db, |_| {}).await
    }

    /// Starts a server whose settings `adjust` changes from the test defaults.
    pub async fn start_with(
        test_db: TestDatabase,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let address = listener.local_addr().expect("read the bound address");
        let (stop, shutdown) = Shutdown::manual();
        let base_url = format!("http://{address}");
        let mut settings = Settings::for_tests(&base_url);
        adjust(&mut settings);
        let state = AppState::new(test_db.db.clone(), settings);
        state.spawn_worker(shutdown.clone());
        tokio::spawn(serve(state, listener, shutdown.wait()));
        TestServer {
            base_url,
            client: reqwest::Client::new(),
            test_db,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn create_account(&self, name: &str, plan: Plan) -> TestAccount {
        let db = &self.test_db.db;
        let new = NewAccount {
            name: name.to_owned(),
            plan,
            email: format!("{name}@example.com"),
        };
        let account = accounts::create(db, &new).await.expect("create an account");
        let key = api_keys::create(db, account.id, None)
            .await
            .expect("create a key");
        TestAccount {
            account,
            api_key: key.plaintext,
        }
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send().await.expect("send the request")
    }

    /// Sends a GET request and returns its body as JSON.
    pub async fn get_json(&self, path: &str, key: Option<&str>) -> serde_json::Value {
        self.get(path, key)
            .await
            .json()
            .await
            .expect("read the response as JSON")
    }
}

impl TestServer {
    /// Creates a store through the API and returns its JSON.
    pub async fn create_store(&self, key: &str, body: serde_json::Value) -> serde_json::Value {
        let response = self
            .client
            .post(self.url("/api/v1/stores"))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("send the request");
        assert_eq!(response.status(), 201, "store creation failed");
        response.json().await.expect("store JSON")
    }

    /// Lists a store's kept requests, newest first.
    pub async fn kept_requests(
        &self,
        key: &str,
        store_id: i64,
        status: &str,
    ) -> Vec<serde_json::Value> {
        let path = format!("/api/v1/stores/{store_id}/requests?status={status}&limit=500");
        let page: serde_json::Value = self.get(&path, Some(key)).await.json().await.unwrap();
        page["items"].as_array().expect("items array").clone()
    }

    /// Waits until the worker wrote an outcome on the request, and returns the request.
    pub async fn wait_imported(&self, key: &str, request_id: i64) -> serde_json::Value {
        for _ in 0..200 {
            let path = format!("/api/v1/requests/{request_id}");
            let request: serde_json::Value = self.get(&path, Some(key)).await.json().await.unwrap();
            if request["import_state"] == "done" {
                return request;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("request {request_id} was not imported within 5 s");
    }
}

/// The folder of the shared payloads and cases: `POSTSALE_SHARED_DIR`, or `shared` beside the
/// repository.
pub fn shared_dir() -> std::path::PathBuf {
    let path = std::env::var_os("POSTSALE_SHARED_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        std::path::PathBuf::from,
    );
    assert!(
        path.is_dir(),
        "the shared payloads folder {} is missing: set POSTSALE_SHARED_DIR",
        path.display()
    );
    path
}

/// Reads a shared case file as JSON.
pub fn shared_case(name: &str) -> serde_json::Value {
    let path = shared_dir().join("cases").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text).expect("case JSON")
}

/// Reads a shared payload's exact bytes.
pub fn shared_payload(name: &str) -> Vec<u8> {
    let path = shared_dir().join("payloads").join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Declares each named `async fn(TestServer)` as two tests, `NAME::sqlite` and
/// `NAME::postgres`.
#[macro_export]
macro_rules! http_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let test_db = postsale_store::testing::TestDatabase::sqlite().await;
                    super::$name($crate::common::TestServer::start(test_db).await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(test_db) = postsale_store::testing::TestDatabase::postgres().await
                    else {
                        return;
                    };
                    super::$name($crate::common::TestServer::start(test_db).await).await;
                }
            }
        )*
    };
}

/// Like `http_tests!`, with the server's settings changed by `$adjust`, a
/// `fn(&mut postsale_server::app::Settings)` declared beside the tests.
#[macro_export]
macro_rules! http_tests_with {
    ($adjust:ident; $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let test_db = postsale_store::testing::TestDatabase::sqlite().await;
                    let server = $crate::common::TestServer::start_with(test_db, super::$adjust).await;
                    super::$name(server).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(test_db) = postsale_store::testing::TestDatabase::postgres().await
                    else {
                        return;
                    };
                    let server = $crate::common::TestServer::start_with(test_db, super::$adjust).await;
                    super::$name(server).await;
                }
            }
        )*
    };
}
