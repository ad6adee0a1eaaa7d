//! Fresh databases for tests: a SQLite file in a temporary folder, or a PostgreSQL database
//! created for one test and dropped after it.
//!
//! PostgreSQL tests run when `POSTSALE_TEST_DATABASE_URL` names a server whose user may create
//! databases. Without it they are skipped with a message, except under `CI=true`, where a
//! missing or unreachable PostgreSQL fails the test.

use std::path::PathBuf;

use rand::distr::{Alphanumeric, SampleString};
use sqlx::{Connection, Executor, PgConnection, Row};

use crate::Database;

/// The variable that names the PostgreSQL server for tests.
pub const POSTGRES_URL_VARIABLE: &str = "POSTSALE_TEST_DATABASE_URL";

/// A migrated database that is removed when the value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    pub db: Database,
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Folder(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// Creates a migrated SQLite database in a new temporary folder.
    pub async fn sqlite() -> TestDatabase {
        let test_db = TestDatabase::empty_sqlite().await;
        test_db
            .db
            .migrate()
            .await
            .expect("migrate the test SQLite file");
        test_db
    }

    /// Creates an SQLite database without any table, for tests of the migrations.
    pub async fn empty_sqlite() -> TestDatabase {
        let folder = std::env::temp_dir().join(format!("postsale-test-{}", random_suffix()));
        std::fs::create_dir_all(&folder).expect("create a temporary folder for SQLite");
        let url = format!("sqlite://{}", folder.join("postsale.db").display());
        let db = Database::connect(&url)
            .await
            .expect("open the test SQLite file");
        TestDatabase {
            db,
            url,
            cleanup: Cleanup::Folder(folder),
        }
    }

    /// Creates a migrated PostgreSQL database, or returns `None` when PostgreSQL is not
    /// configured and this is not a CI run.
    pub async fn postgres() -> Option<TestDatabase> {
        let test_db = TestDatabase::empty_postgres().await?;
        test_db
            .db
            .migrate()
            .await
            .expect("migrate the test database");
        Some(test_db)
    }

    /// Creates a PostgreSQL database without any table, for tests of the migrations, or
    /// returns `None` as [`TestDatabase::postgres`] does.
    pub async fn empty_postgres() -> Option<TestDatabase> {
        let admin_url = postgres_admin_url()?;
        let name = format!("postsale_test_{}", random_suffix());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!("cannot reach PostgreSQL at {POSTGRES_URL_VARIABLE}: {error}")
            });
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create the test database");
        admin.close().await.ok();

        let url = database_url(&admin_url, &name);
        let db = Database::connect(&url)
            .await
            .expect("open the test database");
        Some(TestDatabase {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Folder(folder) => {
                let _ = std::fs::remove_dir_all(folder);
            }
            Cleanup::Postgres { admin_url, name } => drop_postgres_database(admin_url, name),
        }
    }
}

/// Reads the PostgreSQL URL for tests. Panics under `CI=true` when it is missing.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|value| value == "true") => {
            panic!("{POSTGRES_URL_VARIABLE} is not set, and CI=true requires the PostgreSQL tests")
        }
        _ => {
            println!("PostgreSQL skipped: set {POSTGRES_URL_VARIABLE} to run this test on it");
            None
        }
    }
}

/// Replaces the database name at the end of a PostgreSQL URL.
pub fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
    let after_scheme = base.find("://").map_or(0, |at| at + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

fn random_suffix() -> String {
    Alphanumeric
        .sample_string(&mut rand::rng(), 12)
        .to_ascii_lowercase()
}

/// Drops a test database from a separate thread, because `Drop` cannot await and may run
/// inside a runtime that is shutting down.
fn drop_postgres_database(admin_url: &str, name: &str) {
    let admin_url = admin_url.to_owned();
    let statement = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let dropper = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("build a runtime to drop the test database");
        runtime.block_on(async move {
            if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                let _ = admin.execute(statement.as_str()).await;
                let _ = admin.close().await;
            }
        });
    });
    let _ = dropper.join();
}

/// Declares each named `async fn(&Database)` as two tests, `NAME::sqlite` and
/// `NAME::postgres`, so that one test body runs on both databases.
#[macro_export]
macro_rules! storage_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let test_db = $crate::testing::TestDatabase::sqlite().await;
                    super::$name(&test_db.db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(test_db) = $crate::testing::TestDatabase::postgres().await else {
                        return;
                    };
                    super::$name(&test_db.db).await;
                }
            }
        )*
    };
}

/// Inserts a `soar` account with one store whose webhook is active and has `token`, and
/// placeholder text for its sealed security settings. Returns the ids of the account, the
/// store and the webhook.
pub async fn soar_webhook(db: &Database, token: &str) -> (i64, i64, i64) {
    let account: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (name, plan, email, created_at) \
         VALUES ('acme', 'soar', 'acme@example.com', 0) RETURNING id",
    )
    .fetch_one(db.pool())
    .await
    .expect("insert the account");
    let store: i64 = sqlx::query_scalar(
        "INSERT INTO stores (account_id, name, created_at, updated_at) \
         VALUES ($1, 'Main', 0, 0) RETURNING id",
    )
    .bind(account)
    .fetch_one(db.pool())
    .await
    .expect("insert the store");
    let webhook: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (account_id, store_id, token, state, security, created_at, \
                               updated_at) \
         VALUES ($1, $2, $3, 'active', 'sealed', 0, 0) RETURNING id",
    )
    .bind(account)
    .bind(store)
    .bind(token)
    .fetch_one(db.pool())
    .await
    .expect("insert the webhook");
    (account, store, webhook)
}

/// Runs a `SELECT COUNT(*)` query with one id parameter, for assertions in tests.
pub async fn count(db: &Database, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(db.pool())
        .await
        .expect("run the count query")
}

/// One row of `order_lines`, for assertions in tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRow {
    pub id: i64,
    pub position: i64,
    pub sku: Option<String>,
    pub name: String,
    pub quantity: i64,
    pub unit_price: Option<String>,
    pub line_total: Option<String>,
}

/// Reads the line rows of an order, by position.
pub async fn order_lines(db: &Database, order_id: i64) -> Vec<LineRow> {
    let rows = sqlx::query(
        "SELECT id, position, sku, name, quantity, unit_price, line_total FROM order_lines \
         WHERE order_id = $1 ORDER BY position",
    )
    .bind(order_id)
    .fetch_all(db.pool())
    .await
    .expect("read the order's lines");
    rows.iter()
        .map(|row| LineRow {
            id: row.get("id"),
            position: row.get("position"),
            sku: row.get("sku"),
            name: row.get("name"),
            quantity: row.get("quantity"),
            unit_price: row.get("unit_price"),
            line_total: row.get("line_total"),
        })
        .collect()
}

/// Returns how a kept request's body is stored: its encoding and its stored size in bytes.
pub async fn stored_body(db: &Database, request_id: i64) -> (String, i64) {
    let row = sqlx::query(
        "SELECT encoding, LENGTH(body) AS size FROM request_bodies WHERE request_id = $1",
    )
    .bind(request_id)
    .fetch_one(db.pool())
    .await
    .expect("the request has a stored body");
    (row.get("encoding"), row.get("size"))
}

/// Cuts a kept request's stored body in half, as damage to the file would leave it.
pub async fn damage_stored_body(db: &Database, request_id: i64) {
    sqlx::query(
        "UPDATE request_bodies SET body = SUBSTR(body, 1, LENGTH(body) / 2) WHERE request_id = $1",
    )
    .bind(request_id)
    .execute(db.pool())
    .await
    .expect("the request has a stored body");
}

/// Returns the steps of SQLite's plan for `sql` (the `detail` column of `EXPLAIN QUERY PLAN`),
/// with any parameters left unbound.
pub async fn sqlite_query_plan(db: &Database, sql: &str) -> Vec<String> {
    let plan = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(db.pool())
        .await
        .expect("explain the query");
    plan.iter()
        .map(|row| {
            row.try_get::<String, _>("detail")
                .expect("read a plan step")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_url_replaces_the_name() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(database_url("postgres://u@h", "t1"), "postgres://u@h/t1");
        assert_eq!(
            database_url("postgres://u@h/db?sslmode=disable", "t1"),
            "postgres://u@h/t1?sslmode=disable"
        );
    }
}
