//! A real postsale server on `127.0.0.1:0` over a fresh database, for HTTP tests.

#![allow(dead_code)]

use postsale_core::Plan;
use postsale_server::app::{AppState, Shutdown, serve};
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
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let address = listener.local_addr().expect("read the bound address");
        let (stop, shutdown) = Shutdown::manual();
        let state = AppState::new(test_db.db.clone());
        tokio::spawn(serve(state, listener, shutdown.wait()));
        TestServer {
            base_url: format!("http://{address}"),
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
