//! The duplicate rules for a whole batch: one query over the stored requests, and the bodies
//! that the batch itself imported, kept in memory.

use std::collections::HashMap;

use postsale_core::{RequestId, WebhookId};
use sqlx::{Any, Transaction};

use super::{ClaimedRequest, DUPLICATE_WINDOW_MS, json_ids, to_json};
use crate::{Dialect, Result, to_millis};

/// The claimed requests whose duplicate is already stored: an earlier request of the same
/// webhook imported with the same delivery id, or imported from the same body within
/// [`DUPLICATE_WINDOW_MS`]. A request that failed or was never imported leaves no duplicate.
/// Each duplicate maps to whether an earlier import had the same body, not only the same
/// delivery id.
#[derive(Debug)]
pub(super) struct StoredDuplicates(HashMap<RequestId, bool>);

impl StoredDuplicates {
    /// Checks every claimed request in one query. Both rules skip requests of the batch itself,
    /// because their stored outcome is the one from before this batch (a replay claims
    /// imported requests). [`ImportedInBatch`] covers them instead.
    ///
    /// Only a finished import writes an outcome, so the body rule tests the outcome and not
    /// `import_state = 'done'`. With that condition, PostgreSQL without statistics on a freshly
    /// filled table chose the `(import_state, webhook_id, id)` index. It then read every
    /// imported request of the webhook for each request of the batch (2.7 ms each at 20,000).
    pub(super) async fn read(
        transaction: &mut Transaction<'static, Any>,
        dialect: Dialect,
        requests: &[ClaimedRequest],
    ) -> Result<StoredDuplicates> {
        if requests.is_empty() {
            return Ok(StoredDuplicates(HashMap::new()));
        }
        let ids: Vec<i64> = requests.iter().map(|request| request.id.get()).collect();
        let found: Vec<(i64, i64)> = sqlx::query_as(&duplicates_query(dialect))
            .bind(to_json(&ids)?)
            .bind(DUPLICATE_WINDOW_MS)
            .fetch_all(&mut **transaction)
            .await?;
        Ok(StoredDuplicates(
            found
                .into_iter()
                .map(|(id, same_body)| (RequestId(id), same_body != 0))
                .collect(),
        ))
    }

    pub(super) fn contains(&self, request: RequestId) -> bool {
        self.0.contains_key(&request)
    }

    /// Returns whether the duplicate `request` had the body of an earlier import, not only its
    /// delivery id.
    pub(super) fn same_body(&self, request: RequestId) -> bool {
        self.0.get(&request).copied().unwrap_or(false)
    }
}

/// The condition of the indexes by delivery id and by body hash (migrations 0009 and 0010),
/// which contain only imported requests, written for the earlier request `e`. A query must
/// repeat it word for word for SQLite to use those indexes.
const EARLIER_IMPORTED: &str =
    "(e.outcome = 'created' OR e.outcome = 'updated' OR e.outcome = 'unchanged')";

/// Returns the query of [`StoredDuplicates::read`], with the batch's request ids as a JSON
/// array in `$1` and the duplicate window in milliseconds in `$2`. Both rules test
/// [`EARLIER_IMPORTED`], so that each is served by its index. Each row gives a duplicate's id
/// and 1 when the body rule matched, 0 when only the delivery id did.
fn duplicates_query(dialect: Dialect) -> String {
    let batch = json_ids(dialect, "$1");
    let same_body = format!(
        "EXISTS (SELECT 1 FROM requests e \
                 WHERE e.webhook_id = b.webhook_id AND e.body_sha256 = b.body_sha256 \
                   AND e.id < b.id AND e.received_at > b.received_at - $2 \
                   AND {EARLIER_IMPORTED} AND e.id NOT IN ({batch}))"
    );
    format!(
        "SELECT b.id, CAST(CASE WHEN {same_body} THEN 1 ELSE 0 END AS BIGINT) \
         FROM requests b WHERE b.id IN ({batch}) AND ( \
           EXISTS (SELECT 1 FROM requests e \
                   WHERE e.webhook_id = b.webhook_id AND e.delivery_id = b.delivery_id \
                     AND e.id < b.id AND {EARLIER_IMPORTED} AND e.id NOT IN ({batch})) \
           OR {same_body})"
    )
}

/// The requests this batch imported (created, updated or unchanged), by webhook and body hash
/// with each one's id and arrival time in Unix milliseconds, and by webhook and delivery id
/// with each one's id.
#[derive(Debug, Default)]
pub(super) struct ImportedInBatch {
    bodies: HashMap<(WebhookId, String), Vec<(RequestId, i64)>>,
    deliveries: HashMap<(WebhookId, String), Vec<RequestId>>,
}

impl ImportedInBatch {
    pub(super) fn record(&mut self, request: &ClaimedRequest) {
        let key = (request.webhook_id, request.body_sha256.clone());
        let arrival = (request.id, to_millis(request.received_at));
        self.bodies.entry(key).or_default().push(arrival);
        if let Some(delivery) = &request.delivery_id {
            let key = (request.webhook_id, delivery.clone());
            self.deliveries.entry(key).or_default().push(request.id);
        }
    }

    /// Checks whether the batch imported, from an earlier request of the same webhook, the same
    /// delivery id, or the same body that arrived within [`DUPLICATE_WINDOW_MS`] before this
    /// one.
    pub(super) fn repeats(&self, request: &ClaimedRequest) -> bool {
        let same_body = self.repeats_body(request);
        let same_delivery = request.delivery_id.as_ref().is_some_and(|delivery| {
            let key = (request.webhook_id, delivery.clone());
            self.deliveries
                .get(&key)
                .is_some_and(|imports| imports.iter().any(|id| *id < request.id))
        });
        same_body || same_delivery
    }

    /// Returns whether the batch imported the body of `request` from an earlier request of the
    /// same webhook within [`DUPLICATE_WINDOW_MS`].
    pub(super) fn repeats_body(&self, request: &ClaimedRequest) -> bool {
        let body_key = (request.webhook_id, request.body_sha256.clone());
        let earliest = to_millis(request.received_at) - DUPLICATE_WINDOW_MS;
        self.bodies.get(&body_key).is_some_and(|imports| {
            imports
                .iter()
                .any(|(id, received)| *id < request.id && *received > earliest)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, TestDatabase};

    /// The steps of SQLite's plan that show each rule served by its own index.
    const DELIVERY_RULE_STEP: &str = "requests_delivery (webhook_id=? AND delivery_id=?";
    const BODY_RULE_STEP: &str = "requests_body_hash (webhook_id=? AND body_sha256=?";

    /// The indexes by delivery id and by body hash contain only imported requests, and the
    /// duplicate check must still find earlier imports through them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_rules_use_the_partial_indexes() {
        let test_db = TestDatabase::sqlite().await;
        let condition = EARLIER_IMPORTED.replace("e.", "");
        for index in ["requests_delivery", "requests_body_hash"] {
            let definition: String =
                sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = $1")
                    .bind(index)
                    .fetch_one(test_db.db.pool())
                    .await
                    .unwrap();
            let compact = definition.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                compact.contains(condition.trim_matches(['(', ')'])),
                "{definition}"
            );
        }

        let query = duplicates_query(Dialect::Sqlite);
        let steps = testing::sqlite_query_plan(&test_db.db, &query).await;
        for expected in [DELIVERY_RULE_STEP, BODY_RULE_STEP] {
            assert!(
                steps.iter().any(|step| step.contains(expected)),
                "{steps:?}"
            );
        }
    }

    /// PostgreSQL plans the duplicate check on a table it has no statistics for yet, as after
    /// a first large import. Each rule must still use its own index: with the same condition on
    /// both, it once read the body rule through the index by delivery id, every imported
    /// request of the webhook for each request of the batch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_gives_each_rule_its_index() {
        let Some(test_db) = TestDatabase::postgres().await else {
            return;
        };
        let db = &test_db.db;
        let (account, store, webhook) = testing::soar_webhook(db, "plan").await;
        sqlx::query(
            "INSERT INTO requests (account_id, store_id, webhook_id, received_at, method, path, \
                                   headers, remote_addr, body_size, body_sha256, body_kind, \
                                   delivery_id, accepted, status_code, import_state, outcome) \
             SELECT $1, $2, $3, n, 'POST', '/hooks/plan', '[]', '127.0.0.1', 100, \
                    md5(n::text) || md5((n + 1)::text), 'json', md5((n * 7)::text), 1, 200, \
                    'done', 'created' \
             FROM generate_series(1, 20000) AS n",
        )
        .bind(account)
        .bind(store)
        .bind(webhook)
        .execute(db.pool())
        .await
        .unwrap();

        let plan: Vec<String> =
            sqlx::query_scalar(&format!("EXPLAIN {}", duplicates_query(Dialect::Postgres)))
                .bind("[19998, 19999, 20000]")
                .bind(DUPLICATE_WINDOW_MS)
                .fetch_all(db.pool())
                .await
                .unwrap();
        let plan = plan.join("\n");
        assert_eq!(plan.matches("requests_delivery").count(), 1, "{plan}");
        assert!(plan.contains("requests_body_hash"), "{plan}");
    }
}
