//! The storage suite: each test body runs on SQLite and on PostgreSQL.

use postsale_core::{AccountId, Plan};
use postsale_store::accounts::{self, NewAccount};
use postsale_store::{Database, api_keys, storage_tests};

fn new_account(name: &str, plan: Plan) -> NewAccount {
    NewAccount {
        name: name.to_owned(),
        plan,
        email: format!("{name}@example.com"),
    }
}

async fn account_round_trip(db: &Database) {
    let created = accounts::create(db, &new_account("acme", Plan::Soar))
        .await
        .unwrap();
    let read = accounts::get(db, created.id).await.unwrap().unwrap();

    assert_eq!(read, created);
    assert_eq!(read.plan, Plan::Soar);
    assert_eq!(read.email, "acme@example.com");
}

async fn unknown_account_is_none(db: &Database) {
    assert!(
        accounts::get(db, AccountId(999_999))
            .await
            .unwrap()
            .is_none()
    );
}

async fn plan_change_is_kept(db: &Database) {
    let account = accounts::create(db, &new_account("grower", Plan::Starter))
        .await
        .unwrap();

    assert!(
        accounts::set_plan(db, account.id, Plan::Grow)
            .await
            .unwrap()
    );

    let read = accounts::get(db, account.id).await.unwrap().unwrap();
    assert_eq!(read.plan, Plan::Grow);
}

async fn api_key_authenticates(db: &Database) {
    let account = accounts::create(db, &new_account("keyed", Plan::Soar))
        .await
        .unwrap();
    let created = api_keys::create(db, account.id, Some("ci")).await.unwrap();

    let (key, owner) = api_keys::authenticate(db, &created.plaintext)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(owner.id, account.id);
    assert_eq!(key.id, created.key.id);
    assert!(created.plaintext.starts_with(&key.prefix));
    assert!(
        api_keys::authenticate(db, "psk_wrong")
            .await
            .unwrap()
            .is_none()
    );
}

async fn api_key_stored_only_as_hash(db: &Database) {
    let account = accounts::create(db, &new_account("hashed", Plan::Soar))
        .await
        .unwrap();
    let created = api_keys::create(db, account.id, None).await.unwrap();

    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_all(db.pool())
        .await
        .unwrap();

    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], created.plaintext);
    assert!(!stored[0].contains(&created.plaintext[4..]));
}

async fn revoked_key_is_rejected(db: &Database) {
    let account = accounts::create(db, &new_account("revoker", Plan::Soar))
        .await
        .unwrap();
    let created = api_keys::create(db, account.id, None).await.unwrap();

    assert!(
        api_keys::revoke(db, account.id, created.key.id)
            .await
            .unwrap()
    );
    assert!(
        !api_keys::revoke(db, account.id, created.key.id)
            .await
            .unwrap()
    );

    assert!(
        api_keys::authenticate(db, &created.plaintext)
            .await
            .unwrap()
            .is_none()
    );
    let listed = api_keys::list(db, account.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].revoked_at.is_some());
}

async fn api_keys_are_isolated_by_account(db: &Database) {
    let owner = accounts::create(db, &new_account("owner", Plan::Soar))
        .await
        .unwrap();
    let other = accounts::create(db, &new_account("other", Plan::Soar))
        .await
        .unwrap();
    let created = api_keys::create(db, owner.id, None).await.unwrap();

    assert!(
        !api_keys::revoke(db, other.id, created.key.id)
            .await
            .unwrap()
    );
    assert!(api_keys::list(db, other.id).await.unwrap().is_empty());
    assert!(
        api_keys::authenticate(db, &created.plaintext)
            .await
            .unwrap()
            .is_some()
    );
}

async fn migrations_are_idempotent(db: &Database) {
    db.migrate().await.unwrap();
    db.ping().await.unwrap();
}

storage_tests!(
    account_round_trip,
    unknown_account_is_none,
    plan_change_is_kept,
    api_key_authenticates,
    api_key_stored_only_as_hash,
    revoked_key_is_rejected,
    api_keys_are_isolated_by_account,
    migrations_are_idempotent,
);
