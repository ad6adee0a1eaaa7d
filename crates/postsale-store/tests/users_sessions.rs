//! Users, sessions and failed sign-ins, on SQLite and on PostgreSQL.

use postsale_core::Plan;
use postsale_store::accounts::{self, Account, NewAccount};
use postsale_store::{Database, StoreError, sessions, sign_in_failures, storage_tests, users};
use time::{Duration, OffsetDateTime};

async fn new_account(db: &Database, name: &str) -> Account {
    let new = NewAccount {
        name: name.to_owned(),
        plan: Plan::Soar,
        email: format!("{name}@example.com"),
    };
    accounts::create(db, &new).await.unwrap()
}

async fn user_found_by_email_in_any_case(db: &Database) {
    let account = new_account(db, "acme").await;
    let created = users::create(db, account.id, " Ops@Acme.Example ", "$argon2id$fake")
        .await
        .unwrap();

    let found = users::find_for_sign_in(db, "OPS@acme.example")
        .await
        .unwrap()
        .expect("the user is found by email");

    assert_eq!(created.email, "ops@acme.example");
    assert_eq!(found.user, created);
    assert_eq!(found.password_hash, "$argon2id$fake");
    assert!(
        users::find_for_sign_in(db, "nobody@acme.example")
            .await
            .unwrap()
            .is_none()
    );
}

async fn duplicate_email_is_conflict(db: &Database) {
    let first = new_account(db, "first").await;
    let second = new_account(db, "second").await;
    users::create(db, first.id, "ops@example.com", "h1")
        .await
        .unwrap();

    let error = users::create(db, second.id, "OPS@example.com", "h2")
        .await
        .unwrap_err();

    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert!(error.to_string().contains("ops@example.com"), "{error}");
}

async fn users_listed_per_account(db: &Database) {
    let first = new_account(db, "first").await;
    let second = new_account(db, "second").await;
    users::create(db, first.id, "a@example.com", "h")
        .await
        .unwrap();
    users::create(db, second.id, "b@example.com", "h")
        .await
        .unwrap();

    let listed = users::list(db, first.id).await.unwrap();

    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].email, "a@example.com");
}

async fn session_authenticates_user_and_account(db: &Database) {
    let account = new_account(db, "acme").await;
    let user = users::create(db, account.id, "ops@acme.example", "h")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let created = sessions::create(db, &user, now, now + Duration::hours(1))
        .await
        .unwrap();

    let active = sessions::authenticate(db, &created.token, now)
        .await
        .unwrap()
        .expect("the new session is valid");

    assert_eq!(active.user, user);
    assert_eq!(active.account, account);
    assert_eq!(active.session, created.session);
    assert_eq!(active.session.csrf_token.len(), 64);
    assert_ne!(active.session.csrf_token, created.token);
}

async fn session_token_stored_only_as_hash(db: &Database) {
    let account = new_account(db, "acme").await;
    let user = users::create(db, account.id, "ops@acme.example", "h")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let created = sessions::create(db, &user, now, now + Duration::hours(1))
        .await
        .unwrap();

    let stored: String = sqlx::query_scalar("SELECT token_hash FROM sessions WHERE id = $1")
        .bind(created.session.id)
        .fetch_one(db.pool())
        .await
        .unwrap();

    assert_ne!(stored, created.token);
    assert_eq!(stored.len(), 64);
}

async fn unknown_or_expired_session_is_none(db: &Database) {
    let account = new_account(db, "acme").await;
    let user = users::create(db, account.id, "ops@acme.example", "h")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let created = sessions::create(db, &user, now, now + Duration::minutes(5))
        .await
        .unwrap();

    let unknown = sessions::authenticate(db, &sessions::new_token(), now)
        .await
        .unwrap();
    let at_expiry = sessions::authenticate(db, &created.token, now + Duration::minutes(5))
        .await
        .unwrap();

    assert!(unknown.is_none());
    assert!(at_expiry.is_none());
}

async fn extended_session_outlives_first_deadline(db: &Database) {
    let account = new_account(db, "acme").await;
    let user = users::create(db, account.id, "ops@acme.example", "h")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let created = sessions::create(db, &user, now, now + Duration::minutes(5))
        .await
        .unwrap();

    let later = now + Duration::minutes(4);
    sessions::extend(db, created.session.id, later, later + Duration::minutes(5))
        .await
        .unwrap();
    let active = sessions::authenticate(db, &created.token, now + Duration::minutes(6))
        .await
        .unwrap()
        .expect("the extended session is still valid");

    assert_eq!(
        active.session.last_seen_at.unix_timestamp(),
        later.unix_timestamp()
    );
}

async fn deleted_session_no_longer_authenticates(db: &Database) {
    let account = new_account(db, "acme").await;
    let user = users::create(db, account.id, "ops@acme.example", "h")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let created = sessions::create(db, &user, now, now + Duration::hours(1))
        .await
        .unwrap();

    assert!(sessions::delete(db, &created.token).await.unwrap());
    assert!(!sessions::delete(db, &created.token).await.unwrap());
    assert!(
        sessions::authenticate(db, &created.token, now)
            .await
            .unwrap()
            .is_none()
    );
}

async fn expired_sessions_are_removed(db: &Database) {
    let account = new_account(db, "acme").await;
    let user = users::create(db, account.id, "ops@acme.example", "h")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    sessions::create(db, &user, now, now + Duration::minutes(1))
        .await
        .unwrap();
    let kept = sessions::create(db, &user, now, now + Duration::hours(1))
        .await
        .unwrap();

    let removed = sessions::delete_expired(db, now + Duration::minutes(2))
        .await
        .unwrap();

    assert_eq!(removed, 1);
    assert!(
        sessions::authenticate(db, &kept.token, now)
            .await
            .unwrap()
            .is_some()
    );
}

async fn sessions_of_user_end_together(db: &Database) {
    let account = new_account(db, "acme").await;
    let user = users::create(db, account.id, "ops@acme.example", "h")
        .await
        .unwrap();
    let other = users::create(db, account.id, "other@acme.example", "h")
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let until = now + Duration::hours(1);
    sessions::create(db, &user, now, until).await.unwrap();
    sessions::create(db, &user, now, until).await.unwrap();
    let others = sessions::create(db, &other, now, until).await.unwrap();

    let ended = sessions::delete_for_user(db, account.id, user.id)
        .await
        .unwrap();

    assert_eq!(ended, 2);
    assert!(
        sessions::authenticate(db, &others.token, now)
            .await
            .unwrap()
            .is_some()
    );
}

async fn failures_counted_per_email_and_address(db: &Database) {
    let now = OffsetDateTime::now_utc();
    let start = now - Duration::minutes(10);
    sign_in_failures::record(db, "Ops@Acme.Example", "192.0.2.1", start)
        .await
        .unwrap();
    sign_in_failures::record(db, "ops@acme.example", "192.0.2.2", now)
        .await
        .unwrap();
    sign_in_failures::record(db, "other@acme.example", "192.0.2.1", now)
        .await
        .unwrap();

    let recent = sign_in_failures::recent(
        db,
        "ops@acme.example",
        "192.0.2.1",
        now - Duration::minutes(15),
    )
    .await
    .unwrap();

    assert_eq!(recent.email.count, 2);
    assert_eq!(
        recent.email.oldest.map(OffsetDateTime::unix_timestamp),
        Some(start.unix_timestamp())
    );
    assert_eq!(recent.client_address.count, 2);
}

async fn failures_outside_window_not_counted(db: &Database) {
    let now = OffsetDateTime::now_utc();
    sign_in_failures::record(
        db,
        "ops@acme.example",
        "192.0.2.1",
        now - Duration::hours(1),
    )
    .await
    .unwrap();

    let recent = sign_in_failures::recent(
        db,
        "ops@acme.example",
        "192.0.2.1",
        now - Duration::minutes(15),
    )
    .await
    .unwrap();
    let removed = sign_in_failures::delete_older_than(db, now - Duration::minutes(15))
        .await
        .unwrap();

    assert_eq!(recent.email.count, 0);
    assert_eq!(recent.email.oldest, None);
    assert_eq!(recent.client_address.count, 0);
    assert_eq!(removed, 1);
}

async fn cleared_email_keeps_other_failures(db: &Database) {
    let now = OffsetDateTime::now_utc();
    sign_in_failures::record(db, "ops@acme.example", "192.0.2.1", now)
        .await
        .unwrap();
    sign_in_failures::record(db, "victim@acme.example", "192.0.2.1", now)
        .await
        .unwrap();

    sign_in_failures::clear_email(db, "OPS@acme.example")
        .await
        .unwrap();
    let since = now - Duration::minutes(15);
    let own = sign_in_failures::recent(db, "ops@acme.example", "192.0.2.1", since)
        .await
        .unwrap();
    let victim = sign_in_failures::recent(db, "victim@acme.example", "192.0.2.1", since)
        .await
        .unwrap();

    assert_eq!(own.email.count, 0);
    assert_eq!(victim.email.count, 1);
    assert_eq!(own.client_address.count, 1);
}

storage_tests!(
    user_found_by_email_in_any_case,
    duplicate_email_is_conflict,
    users_listed_per_account,
    session_authenticates_user_and_account,
    session_token_stored_only_as_hash,
    unknown_or_expired_session_is_none,
    extended_session_outlives_first_deadline,
    deleted_session_no_longer_authenticates,
    expired_sessions_are_removed,
    sessions_of_user_end_together,
    failures_counted_per_email_and_address,
    failures_outside_window_not_counted,
    cleared_email_keeps_other_failures,
);
