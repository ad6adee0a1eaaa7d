//! Stores, webhooks and kept requests on both databases, with tenant isolation.

use postsale_core::{AccountId, OrderStatus, Plan, RequestId, StoreId, WebhookState};
use postsale_store::accounts::{self, Account, NewAccount};
use postsale_store::body::StoredBody;
use postsale_store::imports;
use postsale_store::ingest::Ingest;
use postsale_store::requests::{self, Acceptance, ImportState, NewRequest};
use postsale_store::stores::{self, Automation, NewStore, StorePatch};
use postsale_store::webhooks::{self, NewWebhook, WebhookPatch};
use postsale_store::{Database, storage_tests};
use time::{Duration, OffsetDateTime};

async fn account(db: &Database, name: &str) -> Account {
    let new = NewAccount {
        name: name.to_owned(),
        plan: Plan::Soar,
        email: format!("{name}@example.com"),
    };
    accounts::create(db, &new).await.unwrap()
}

fn new_store(name: &str) -> NewStore {
    NewStore {
        name: name.to_owned(),
        address: None,
        time_zone: "UTC".to_owned(),
        automation: Automation::default(),
        ship_from_store_address: false,
    }
}

fn new_webhook() -> NewWebhook {
    NewWebhook {
        token: webhooks::new_token(),
        security: "sealed".to_owned(),
        state: WebhookState::Capturing,
        delivery_id_header: None,
        rate_limit_per_minute: None,
    }
}

fn new_request(
    account: AccountId,
    store: StoreId,
    webhook: postsale_core::WebhookId,
) -> NewRequest {
    NewRequest {
        account_id: account,
        store_id: store,
        webhook_id: webhook,
        received_at: OffsetDateTime::now_utc(),
        method: "POST".to_owned(),
        path: "/hooks/x".to_owned(),
        query: None,
        headers: "[]".to_owned(),
        remote_addr: "127.0.0.1".to_owned(),
        content_type: Some("application/json".to_owned()),
        body: Some(StoredBody::compress(b"{\"id\":820982911946154508}")),
        body_size: 25,
        body_sha256: "00".to_owned(),
        body_kind: "json".to_owned(),
        delivery_id: None,
        status_code: 200,
        reason_code: None,
        diagnosis: None,
        import_state: ImportState::Pending,
    }
}

async fn store_created_with_webhook(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();

    assert_eq!(store.name, "Main");
    assert_eq!(
        store.automation.status_on_import,
        Some(OrderStatus::AwaitingShipment)
    );
    assert_eq!(webhook.store_id, store.id);
    assert_eq!(webhook.state, WebhookState::Capturing);
    assert_eq!(webhook.token.len(), 64);

    let listed = stores::list(db, acme.id).await.unwrap();
    assert_eq!(listed, vec![store.clone()]);
    let read = webhooks::get_for_store(db, acme.id, store.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, webhook);
}

async fn store_patch_changes_fields(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, _) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let patch = StorePatch {
        name: Some("Renamed".to_owned()),
        automation: Some(Automation {
            status_on_import: None,
            set_shipped: false,
            set_voided: true,
        }),
        address: Some(Some("{\"city\":\"Austin\"}".to_owned())),
        ..StorePatch::default()
    };

    let updated = stores::update(db, acme.id, store.id, &patch)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(updated.name, "Renamed");
    assert_eq!(updated.automation.status_on_import, None);
    assert!(!updated.automation.set_shipped);
    assert_eq!(updated.address.as_deref(), Some("{\"city\":\"Austin\"}"));
    assert_eq!(updated.time_zone, "UTC");
}

async fn stores_are_isolated_by_account(db: &Database) {
    let acme = account(db, "acme").await;
    let other = account(db, "other").await;
    let (store, _) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();

    assert!(stores::get(db, other.id, store.id).await.unwrap().is_none());
    assert!(stores::list(db, other.id).await.unwrap().is_empty());
    assert!(
        webhooks::get_for_store(db, other.id, store.id)
            .await
            .unwrap()
            .is_none()
    );
    let patch = StorePatch {
        name: Some("stolen".to_owned()),
        ..StorePatch::default()
    };
    assert!(
        stores::update(db, other.id, store.id, &patch)
            .await
            .unwrap()
            .is_none()
    );
    assert!(!stores::delete(db, other.id, store.id).await.unwrap());
    assert!(stores::get(db, acme.id, store.id).await.unwrap().is_some());
}

async fn token_finds_webhook_and_plan(db: &Database) {
    let acme = account(db, "acme").await;
    let (_, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();

    let target = webhooks::find_by_token(db, &webhook.token, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .unwrap();

    assert_eq!(target.webhook.id, webhook.id);
    assert_eq!(target.plan, Plan::Soar);
    let missing = webhooks::find_by_token(db, "nope", OffsetDateTime::now_utc()).await;
    assert!(missing.unwrap().is_none());
}

async fn rotated_token_keeps_grace(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let fresh = webhooks::new_token();

    webhooks::rotate_token(db, acme.id, store.id, &fresh, now + Duration::hours(24))
        .await
        .unwrap()
        .unwrap();

    let old = webhooks::find_by_token(db, &webhook.token, now)
        .await
        .unwrap();
    assert!(old.is_some(), "old token works during the grace period");
    let later = now + Duration::hours(25);
    let expired = webhooks::find_by_token(db, &webhook.token, later)
        .await
        .unwrap();
    assert!(expired.is_none(), "old token stops after the grace period");
    assert!(
        webhooks::find_by_token(db, &fresh, later)
            .await
            .unwrap()
            .is_some()
    );
}

async fn webhook_patch_changes_state(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, _) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let patch = WebhookPatch {
        state: Some(WebhookState::Disabled),
        security: Some("resealed".to_owned()),
        ..WebhookPatch::default()
    };

    let updated = webhooks::update(db, acme.id, store.id, &patch)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(updated.state, WebhookState::Disabled);
    assert_eq!(updated.security, "resealed");
}

async fn kept_request_round_trip(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let request = new_request(acme.id, store.id, webhook.id);

    let ids = requests::insert_batch(db, std::slice::from_ref(&request))
        .await
        .unwrap();
    let kept = requests::get(db, acme.id, ids[0]).await.unwrap().unwrap();
    let body = requests::body(db, acme.id, ids[0]).await.unwrap().unwrap();

    assert_eq!(body, b"{\"id\":820982911946154508}");
    assert!(kept.accepted);
    assert_eq!(kept.import_state, ImportState::Pending);
    assert_eq!(kept.status_code, 200);
}

async fn requests_are_isolated_by_account(db: &Database) {
    let acme = account(db, "acme").await;
    let other = account(db, "other").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let ids = requests::insert_batch(db, &[new_request(acme.id, store.id, webhook.id)])
        .await
        .unwrap();

    assert!(requests::get(db, other.id, ids[0]).await.unwrap().is_none());
    assert!(
        requests::body(db, other.id, ids[0])
            .await
            .unwrap()
            .is_none()
    );
    let listed = requests::list(db, other.id, store.id, Acceptance::All, None, 50).await;
    assert!(listed.unwrap().is_empty());
}

async fn request_list_pages_newest_first(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let batch: Vec<NewRequest> = (0..5)
        .map(|_| new_request(acme.id, store.id, webhook.id))
        .collect();
    let ids = requests::insert_batch(db, &batch).await.unwrap();

    let first = requests::list(db, acme.id, store.id, Acceptance::All, None, 2)
        .await
        .unwrap();
    let cursor = first.last().map(|request| request.id);
    let second = requests::list(db, acme.id, store.id, Acceptance::All, cursor, 2)
        .await
        .unwrap();

    let first_ids: Vec<RequestId> = first.iter().map(|request| request.id).collect();
    let second_ids: Vec<RequestId> = second.iter().map(|request| request.id).collect();
    assert_eq!(first_ids, vec![ids[4], ids[3]]);
    assert_eq!(second_ids, vec![ids[2], ids[1]]);
}

async fn rejected_records_are_capped(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    for _ in 0..8 {
        let mut rejected = new_request(acme.id, store.id, webhook.id);
        rejected.body = None;
        rejected.import_state = ImportState::Rejected;
        rejected.status_code = 401;
        requests::insert_rejected(db, &rejected, 5).await.unwrap();
    }
    requests::insert_batch(db, &[new_request(acme.id, store.id, webhook.id)])
        .await
        .unwrap();

    let rejected = requests::list(db, acme.id, store.id, Acceptance::Rejected, None, 100);
    let accepted = requests::list(db, acme.id, store.id, Acceptance::Accepted, None, 100);
    assert_eq!(rejected.await.unwrap().len(), 5);
    assert_eq!(accepted.await.unwrap().len(), 1);
}

async fn ingest_commits_concurrent_requests(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let (ingest, writer) = Ingest::start(db.clone());

    let mut handles = Vec::new();
    for _ in 0..200 {
        let ingest = ingest.clone();
        let request = new_request(acme.id, store.id, webhook.id);
        handles.push(tokio::spawn(async move { ingest.submit(request).await }));
    }
    let mut ids = Vec::new();
    for handle in handles {
        ids.push(handle.await.unwrap().unwrap());
    }
    drop(ingest);
    writer.await.unwrap();

    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200);
    let kept = requests::list(db, acme.id, store.id, Acceptance::All, None, 500)
        .await
        .unwrap();
    assert_eq!(kept.len(), 200);
}

/// Checks a batch larger than one multi-row insert: every id names the request given at its
/// place, with its own body, and the requests without a body have none.
async fn batch_ids_name_their_own_requests(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let batch: Vec<NewRequest> = (0..300)
        .map(|index| {
            let mut request = new_request(acme.id, store.id, webhook.id);
            request.delivery_id = Some(format!("delivery-{index}"));
            if index % 7 == 3 {
                request.body = None;
                request.import_state = ImportState::Rejected;
                request.status_code = 401;
            } else {
                // Padded bodies are stored compressed, the others as received.
                let raw = padded_body(index);
                request.body_size = i64::try_from(raw.len()).unwrap();
                request.body = Some(StoredBody::compress(raw.as_bytes()));
            }
            request
        })
        .collect();

    let ids = requests::insert_batch(db, &batch).await.unwrap();

    assert_eq!(ids.len(), batch.len());
    for (index, (id, request)) in ids.iter().zip(&batch).enumerate() {
        let kept = requests::get(db, acme.id, *id).await.unwrap().unwrap();
        assert_eq!(kept.delivery_id, request.delivery_id, "request {index}");
        assert_eq!(kept.status_code, request.status_code, "request {index}");
        let body = requests::body(db, acme.id, *id).await.unwrap().unwrap();
        let expected = match &request.body {
            Some(_) => padded_body(index),
            None => String::new(),
        };
        assert_eq!(body, expected.as_bytes(), "request {index}");
    }
}

/// Returns the body of request `index` of the batch above, padded to one of ten sizes.
fn padded_body(index: usize) -> String {
    format!(
        "{{\"n\":{index},\"pad\":\"{}\"}}",
        "ab".repeat(index % 10 * 50)
    )
}

/// A worker with nothing to import does not take the write lock: with another transaction
/// holding it (ingest's group commit, say), the claim returns "no work" at once instead of
/// waiting for the lock and failing with "database is locked" after the busy timeout.
async fn idle_claim_leaves_the_write_lock(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    // Pending, but of a webhook that still captures, so there is nothing to import.
    requests::insert_batch(db, &[new_request(acme.id, store.id, webhook.id)])
        .await
        .unwrap();
    let mut writer = db.begin_write().await.unwrap();
    sqlx::query("UPDATE accounts SET name = name WHERE id = $1")
        .bind(acme.id.get())
        .execute(&mut *writer)
        .await
        .unwrap();

    let limits = imports::ClaimLimits {
        requests: 10,
        body_bytes: 1 << 20,
    };
    let claimed = imports::claim_pending(db, "idle", limits).await.unwrap();

    assert!(claimed.is_none());
    writer.commit().await.unwrap();
}

async fn deleting_store_removes_requests(db: &Database) {
    let acme = account(db, "acme").await;
    let (store, webhook) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
        .await
        .unwrap();
    let ids = requests::insert_batch(db, &[new_request(acme.id, store.id, webhook.id)])
        .await
        .unwrap();

    assert!(stores::delete(db, acme.id, store.id).await.unwrap());

    assert!(requests::get(db, acme.id, ids[0]).await.unwrap().is_none());
    let target = webhooks::find_by_token(db, &webhook.token, OffsetDateTime::now_utc()).await;
    assert!(target.unwrap().is_none());
}

async fn last_request_and_count_per_store(db: &Database) {
    let acme = account(db, "acme").await;
    let other = account(db, "other").await;
    let (busy, busy_hook) = stores::create(db, acme.id, &new_store("Busy"), &new_webhook())
        .await
        .unwrap();
    let (quiet, _) = stores::create(db, acme.id, &new_store("Quiet"), &new_webhook())
        .await
        .unwrap();
    let (foreign, foreign_hook) =
        stores::create(db, other.id, &new_store("Foreign"), &new_webhook())
            .await
            .unwrap();
    let older = new_request(acme.id, busy.id, busy_hook.id);
    let mut newer = new_request(acme.id, busy.id, busy_hook.id);
    newer.received_at = older.received_at + Duration::minutes(5);
    let foreign_request = new_request(other.id, foreign.id, foreign_hook.id);
    requests::insert_batch(db, &[older, newer.clone(), foreign_request])
        .await
        .unwrap();

    let last = requests::last_received_by_store(db, acme.id).await.unwrap();

    assert_eq!(last.len(), 1);
    assert_eq!(last[0].0, busy.id);
    assert_eq!(
        last[0].1.unix_timestamp(),
        newer.received_at.unix_timestamp()
    );
    assert_eq!(
        requests::count_for_store(db, acme.id, busy.id)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        requests::count_for_store(db, acme.id, quiet.id)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        requests::count_for_store(db, acme.id, foreign.id)
            .await
            .unwrap(),
        0
    );
}

storage_tests!(
    last_request_and_count_per_store,
    store_created_with_webhook,
    store_patch_changes_fields,
    stores_are_isolated_by_account,
    token_finds_webhook_and_plan,
    rotated_token_keeps_grace,
    webhook_patch_changes_state,
    kept_request_round_trip,
    requests_are_isolated_by_account,
    request_list_pages_newest_first,
    rejected_records_are_capped,
    ingest_commits_concurrent_requests,
    batch_ids_name_their_own_requests,
    idle_claim_leaves_the_write_lock,
    deleting_store_removes_requests,
);

mod maps_suite {
    use postsale_store::maps;

    use super::*;

    async fn map_versions_increase(db: &Database) {
        let acme = account(db, "acme").await;
        let other = account(db, "other").await;
        let (store, _) = stores::create(db, acme.id, &new_store("Main"), &new_webhook())
            .await
            .unwrap();

        assert!(maps::latest(db, acme.id, store.id).await.unwrap().is_none());
        let first = maps::save(db, acme.id, store.id, "{\"version\":1}")
            .await
            .unwrap();
        let second = maps::save(db, acme.id, store.id, "{\"version\":2}")
            .await
            .unwrap();

        assert_eq!(first.version, 1);
        assert_eq!(second.version, 2);
        let latest = maps::latest(db, acme.id, store.id).await.unwrap().unwrap();
        assert_eq!(latest.document, "{\"version\":2}");
        let versions = maps::list_versions(db, acme.id, store.id).await.unwrap();
        assert_eq!(versions.len(), 2);
        let old = maps::get_version(db, acme.id, store.id, 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.document, "{\"version\":1}");
        assert!(
            maps::latest(db, other.id, store.id)
                .await
                .unwrap()
                .is_none()
        );
    }

    storage_tests!(map_versions_increase);
}
