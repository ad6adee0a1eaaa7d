//! Browser tests: the web UI in headless Chromium, driven over WebDriver against a real
//! postsale server on SQLite and PostgreSQL.
//!
//! They need `chromium` and `chromedriver` (Debian: `apt-get install chromium
//! chromium-driver`). Without them the tests print a skip notice, or fail under `CI=true`.
//! Screenshots go to `browser-screenshots/` in the target folder.

#[path = "../common/mod.rs"]
mod common;
mod harness;
mod webdriver;

mod flows;
mod hostile;
mod keyboard;
mod merchant_flow;
mod new_fields;
mod security_page;
mod smoke;

/// Declares each named `async fn(TestServer, Browser)` as two tests, `NAME::sqlite` and
/// `NAME::postgres`, each with its own server, database and browser. A test whose browser
/// cannot be found returns early (see [`harness::Browser::start`]).
#[macro_export]
macro_rules! browser_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let label = concat!(stringify!($name), "-sqlite");
                    let Some(browser) = $crate::harness::Browser::start(label).await else {
                        return;
                    };
                    let test_db = postsale_store::testing::TestDatabase::sqlite().await;
                    let server = $crate::common::TestServer::start(test_db).await;
                    super::$name(server, browser).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(test_db) = postsale_store::testing::TestDatabase::postgres().await
                    else {
                        return;
                    };
                    let label = concat!(stringify!($name), "-postgres");
                    let Some(browser) = $crate::harness::Browser::start(label).await else {
                        return;
                    };
                    let server = $crate::common::TestServer::start(test_db).await;
                    super::$name(server, browser).await;
                }
            }
        )*
    };
}
