//! Migrations that move data: a database filled in the schema before a migration keeps every
//! kept request after it, on both databases.

use postsale_core::{Plan, RequestId};
use postsale_store::Database;
use postsale_store::accounts::{self, NewAccount};
use postsale_store::requests;
use postsale_store::testing::TestDatabase;
use postsale_store::webhooks;

/// The last migration before kept bodies moved to `request_bodies`.
const BEFORE_REQUEST_BODIES: i64 = 3;

/// Creates a `soar` account; its table has not changed since the first migration.
async fn soar_account(db: &Database) -> accounts::Account {
    accounts::create(
        db,
        &NewAccount {
            name: "acme".to_owned(),
            plan: Plan::Soar,
            email: "acme@example.com".to_owned(),
        },
    )
    .await
    .unwrap()
}

/// The ids of a store and its webhook made in an older schema.
struct OldStore {
    account_id: i64,
    store_id: i64,
    webhook_id: i64,
}

/// Makes a store with a capturing webhook in the schema of migration 3 or later. It writes the
/// rows with SQL, because the store functions of today read columns that later migrations add.
async fn store_in_old_schema(db: &Database, account_id: i64) -> OldStore {
    let store_id: i64 = sqlx::query_scalar(
        "INSERT INTO stores (account_id, name, created_at, updated_at) \
         VALUES ($1, 'Main', 1764892800000, 1764892800000) RETURNING id",
    )
    .bind(account_id)
    .fetch_one(db.pool())
    .await
    .unwrap();
    let webhook_id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (account_id, store_id, token, state, security, created_at, \
                               updated_at) \
         VALUES ($1, $2, $3, 'capturing', 'sealed', 1764892800000, 1764892800000) RETURNING id",
    )
    .bind(account_id)
    .bind(store_id)
    .bind(webhooks::new_token())
    .fetch_one(db.pool())
    .await
    .unwrap();
    OldStore {
        account_id,
        store_id,
        webhook_id,
    }
}

/// Keeps a request in the schema of migration 3, where the body is a column of `requests`.
async fn keep_in_old_schema(db: &Database, store: &OldStore, body: Option<&[u8]>) -> RequestId {
    let accepted = i64::from(body.is_some());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO requests (account_id, store_id, webhook_id, received_at, method, path, \
                               headers, remote_addr, body, body_size, body_sha256, body_kind, \
                               accepted, status_code, import_state) \
         VALUES ($1, $2, $3, 1764892800000, 'POST', '/hooks/t', '[]', '127.0.0.1', $4, $5, \
                 'hash', 'json', $6, 200, $7) RETURNING id",
    )
    .bind(store.account_id)
    .bind(store.store_id)
    .bind(store.webhook_id)
    .bind(body.map(<[u8]>::to_vec))
    .bind(i64::try_from(body.map_or(0, <[u8]>::len)).unwrap())
    .bind(accepted)
    .bind(if body.is_some() {
        "pending"
    } else {
        "rejected"
    })
    .fetch_one(db.pool())
    .await
    .unwrap();
    RequestId(id)
}

async fn request_bodies_survive_the_move(test_db: TestDatabase) {
    let db = &test_db.db;
    db.migrate_up_to(BEFORE_REQUEST_BODIES).await.unwrap();
    let account = soar_account(db).await;
    let store = store_in_old_schema(db, account.id.get()).await;
    // Every byte value, so that a text conversion anywhere on the way would show.
    let binary: Vec<u8> = (0..=255).collect();
    let json = br#"{"id":820982911946154508,"total_price":"199.65"}"#;
    let kept_binary = keep_in_old_schema(db, &store, Some(&binary)).await;
    let kept_json = keep_in_old_schema(db, &store, Some(json)).await;
    let rejected = keep_in_old_schema(db, &store, None).await;

    db.migrate().await.unwrap();

    let body = |id| requests::body(db, account.id, id);
    assert_eq!(body(kept_binary).await.unwrap(), Some(binary));
    assert_eq!(body(kept_json).await.unwrap(), Some(json.to_vec()));
    assert_eq!(body(rejected).await.unwrap(), Some(Vec::new()));
    let moved: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM request_bodies")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(moved, 2);
    let encodings: Vec<String> = sqlx::query_scalar("SELECT DISTINCT encoding FROM request_bodies")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(
        encodings,
        ["identity"],
        "bodies from before compression are as received"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_survive_the_move_on_sqlite() {
    request_bodies_survive_the_move(TestDatabase::empty_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_bodies_survive_the_move_on_postgres() {
    let Some(test_db) = TestDatabase::empty_postgres().await else {
        return;
    };
    request_bodies_survive_the_move(test_db).await;
}

/// The last migration before webhooks had a `paused` column.
const BEFORE_PAUSED: i64 = 10;

/// Checks that the upgrade to the `paused` column counts a capturing webhook with a saved map
/// as paused, because it may have been paused by hand, and leaves the others unpaused.
async fn upgrade_keeps_pauses(test_db: TestDatabase) {
    let db = &test_db.db;
    db.migrate_up_to(BEFORE_PAUSED).await.unwrap();
    let account = soar_account(db).await;
    let with_map = store_in_old_schema(db, account.id.get()).await;
    let without_map = store_in_old_schema(db, account.id.get()).await;
    let active = store_in_old_schema(db, account.id.get()).await;
    for store in [&with_map, &active] {
        sqlx::query(
            "INSERT INTO maps (account_id, store_id, version, document, created_at) \
             VALUES ($1, $2, 1, '{}', 1764892800000)",
        )
        .bind(store.account_id)
        .bind(store.store_id)
        .execute(db.pool())
        .await
        .unwrap();
    }
    sqlx::query("UPDATE webhooks SET state = 'active' WHERE id = $1")
        .bind(active.webhook_id)
        .execute(db.pool())
        .await
        .unwrap();

    db.migrate().await.unwrap();

    for (store, paused) in [(&with_map, 1_i64), (&without_map, 0), (&active, 0)] {
        let stored: i64 = sqlx::query_scalar("SELECT paused FROM webhooks WHERE id = $1")
            .bind(store.webhook_id)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(stored, paused, "store {}", store.store_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_pauses_on_sqlite() {
    upgrade_keeps_pauses(TestDatabase::empty_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_keeps_pauses_on_postgres() {
    let Some(test_db) = TestDatabase::empty_postgres().await else {
        return;
    };
    upgrade_keeps_pauses(test_db).await;
}

/// Checks that a database which a newer postsale migrated gets an error naming that cause,
/// instead of a bare sqlx error.
async fn newer_schema_is_named(test_db: TestDatabase) {
    let db = &test_db.db;
    db.migrate().await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'from a newer postsale', TRUE, $1, 0)",
    )
    .bind(vec![0_u8; 48])
    .execute(db.pool())
    .await
    .unwrap();

    let error = db.migrate().await.unwrap_err();

    assert!(
        matches!(
            error,
            postsale_store::StoreError::NewerSchema { version: 9999 }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("newer postsale"), "{message}");
    assert!(message.contains("9999"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newer_schema_is_named_on_sqlite() {
    newer_schema_is_named(TestDatabase::empty_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newer_schema_is_named_on_postgres() {
    let Some(test_db) = TestDatabase::empty_postgres().await else {
        return;
    };
    newer_schema_is_named(test_db).await;
}
