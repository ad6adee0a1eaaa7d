//! The untimed setup of one benchmark run: an account, a store with the Shopify preset as its
//! map and an active webhook, and the generated bodies kept as pending requests.

use postsale_core::mapping::presets;
use postsale_core::{AccountId, Plan, StoreId, WebhookId, WebhookState};
use postsale_store::accounts::{self, NewAccount};
use postsale_store::body::StoredBody;
use postsale_store::requests::{self, ImportState, NewRequest};
use postsale_store::stores::{self, Automation, NewStore};
use postsale_store::webhooks::{self, NewWebhook, WebhookPatch};
use postsale_store::{Database, maps};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::payload::{self, Arrival};

/// Requests kept per transaction during setup.
const INSERT_CHUNK: usize = 500;

/// The tenant, store and webhook that the kept requests belong to.
#[derive(Clone, Copy, Debug)]
pub struct Fixture {
    pub account: AccountId,
    pub store: StoreId,
    pub webhook: WebhookId,
}

/// Creates the account and the store, saves the Shopify preset as the store's map and turns
/// the webhook on.
pub async fn prepare(db: &Database) -> Fixture {
    let account = NewAccount {
        name: "bench".into(),
        plan: Plan::Soar,
        email: "ops@bench.example".into(),
    };
    let account = accounts::create(db, &account)
        .await
        .expect("create account");
    let store = NewStore {
        name: "Shopify".into(),
        address: None,
        time_zone: "UTC".into(),
        automation: Automation::default(),
        ship_from_store_address: false,
    };
    // Import never reads the security configuration, so an unsealed stand-in is enough.
    let webhook = NewWebhook {
        token: webhooks::new_token(),
        security: "sealed".into(),
        state: WebhookState::Capturing,
        delivery_id_header: None,
        rate_limit_per_minute: None,
    };
    let (store, webhook) = stores::create(db, account.id, &store, &webhook)
        .await
        .expect("create store");

    let map = presets::source("shopify").expect("the Shopify preset exists");
    maps::save(db, account.id, store.id, map)
        .await
        .expect("save the Shopify map");
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, account.id, store.id, &active)
        .await
        .expect("activate the webhook");
    Fixture {
        account: account.id,
        store: store.id,
        webhook: webhook.id,
    }
}

/// Keeps one pending request per arrival, in arrival order. Returns the total body bytes.
pub async fn keep_requests(db: &Database, fixture: Fixture, arrivals: &[Arrival]) -> usize {
    let template = payload::load_template();
    let mut body_bytes = 0;
    for (chunk_index, chunk) in arrivals.chunks(INSERT_CHUNK).enumerate() {
        let batch: Vec<NewRequest> = chunk
            .iter()
            .enumerate()
            .map(|(offset, arrival)| {
                let sequence = chunk_index * INSERT_CHUNK + offset;
                let body = payload::order_body(&template, *arrival);
                body_bytes += body.len();
                pending_request(fixture, *arrival, sequence, body)
            })
            .collect();
        requests::insert_batch(db, &batch)
            .await
            .expect("keep pending requests");
    }
    body_bytes
}

/// Builds the record that ingress keeps for an accepted Shopify delivery, with a unique
/// delivery id.
fn pending_request(
    fixture: Fixture,
    arrival: Arrival,
    sequence: usize,
    body: Vec<u8>,
) -> NewRequest {
    let topic = if arrival.update {
        "orders/updated"
    } else {
        "orders/create"
    };
    let delivery = format!("bench-delivery-{sequence:08}");
    let headers = serde_json::json!([
        ["content-type", "application/json"],
        ["x-shopify-topic", topic],
        ["x-shopify-shop-domain", "bench.myshopify.com"],
        ["x-shopify-api-version", "2025-01"],
        ["x-shopify-webhook-id", delivery],
        ["x-shopify-hmac-sha256", "********"],
    ]);
    NewRequest {
        account_id: fixture.account,
        store_id: fixture.store,
        webhook_id: fixture.webhook,
        received_at: OffsetDateTime::now_utc(),
        method: "POST".into(),
        path: "/hooks/bench".into(),
        query: None,
        headers: headers.to_string(),
        remote_addr: "127.0.0.1".into(),
        content_type: Some("application/json".into()),
        body_size: i64::try_from(body.len()).expect("a body size fits in i64"),
        body_sha256: hex::encode(Sha256::digest(&body)),
        body: Some(StoredBody::compress(&body)),
        body_kind: "json".into(),
        delivery_id: Some(delivery),
        status_code: 200,
        reason_code: None,
        diagnosis: None,
        import_state: ImportState::Pending,
    }
}
