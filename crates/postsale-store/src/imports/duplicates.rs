//! The duplicate rules for a whole batch: one query over the stored requests, and the bodies
//! that the batch itself imported, kept in memory.

use std::collections::{HashMap, HashSet};

use postsale_core::{RequestId, WebhookId};
use sqlx::{Any, Transaction};

use super::{ClaimedRequest, DUPLICATE_WINDOW_MS, json_ids, to_json};
use crate::{Dialect, Result, to_millis};

/// The claimed requests whose duplicate is already stored: an earlier request of the same
/// webhook imported with the same delivery id, or imported from the same body within
/// [`DUPLICATE_WINDOW_MS`]. A request that failed or was never imported leaves no duplicate.
#[derive(Debug)]
pub(super) struct StoredDuplicates(HashSet<RequestId>);

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
            return Ok(StoredDuplicates(HashSet::new()));
        }
        let ids: Vec<i64> = requests.iter().map(|request| request.id.get()).collect();
        let found: Vec<i64> = sqlx::query_scalar(&duplicates_query(dialect))
            .bind(to_json(&ids)?)
            .bind(DUPLICATE_WINDOW_MS)
            .fetch_all(&mut **transaction)
            .await?;
        Ok(StoredDuplicates(found.into_iter().map(RequestId).collect()))
    }

    pub(super) fn contains(&self, request: RequestId) -> bool {
        self.0.contains(&request)
    }
}

/// Returns the query of [`StoredDuplicates::read`], with the batch's request ids as a JSON
/// array in `$1` and the duplicate window in milliseconds in `$2`. The condition on `outcome`
/// repeats the one of the index by body hash, which contains only imported requests, so that
/// the index serves the body rule.
fn duplicates_query(dialect: Dialect) -> String {
    let batch = json_ids(dialect, "$1");
    format!(
        "SELECT b.id FROM requests b WHERE b.id IN ({batch}) AND ( \
           EXISTS (SELECT 1 FROM requests e \
                   WHERE e.webhook_id = b.webhook_id AND e.delivery_id = b.delivery_id \
                     AND e.id < b.id \
                     AND (e.outcome = 'created' OR e.outcome = 'updated' \
                          OR e.outcome = 'unchanged') \
                     AND e.id NOT IN ({batch})) \
           OR EXISTS (SELECT 1 FROM requests e \
                      WHERE e.webhook_id = b.webhook_id AND e.body_sha256 = b.body_sha256 \
                        AND e.id < b.id AND e.received_at > b.received_at - $2 \
                        AND (e.outcome = 'created' OR e.outcome = 'updated' \
                             OR e.outcome = 'unchanged') \
                        AND e.id NOT IN ({batch})))"
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
        let body_key = (request.webhook_id, request.body_sha256.clone());
        let earliest = to_millis(request.received_at) - DUPLICATE_WINDOW_MS;
        let same_body = self.bodies.get(&body_key).is_some_and(|imports| {
            imports
                .iter()
                .any(|(id, received)| *id < request.id && *received > earliest)
        });
        let same_delivery = request.delivery_id.as_ref().is_some_and(|delivery| {
            let key = (request.webhook_id, delivery.clone());
            self.deliveries
                .get(&key)
                .is_some_and(|imports| imports.iter().any(|id| *id < request.id))
        });
        same_body || same_delivery
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, TestDatabase};

    /// The index by body hash contains only imported requests, and the duplicate check must
    /// still find earlier imports of the same body through it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn body_rule_uses_the_partial_index() {
        let test_db = TestDatabase::sqlite().await;
        let definition: String =
            sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'requests_body_hash'")
                .fetch_one(test_db.db.pool())
                .await
                .unwrap();
        assert!(
            definition.ends_with(
                "WHERE outcome = 'created' OR outcome = 'updated' OR outcome = 'unchanged'"
            ),
            "{definition}"
        );

        let query = duplicates_query(Dialect::Sqlite);
        let steps = testing::sqlite_query_plan(&test_db.db, &query).await;
        let uses_index = |step: &String| {
            step.contains("USING INDEX requests_body_hash (webhook_id=? AND body_sha256=?")
        };
        assert!(steps.iter().any(uses_index), "{steps:?}");
    }
}
