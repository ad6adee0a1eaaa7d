//! Lookups of webhooks by URL token, cached for a second and batched: concurrent requests at
//! webhook URLs share one query, as kept requests share one transaction in [`crate::ingest`].
//!
//! A webhook found by a query is used for [`FRESH_FOR`] without reading it again, unless this
//! process changes a webhook or a plan in the meantime ([`Database::webhook_changes`]). A
//! change made through this process thus counts from the next request on. A change made by
//! another process (another instance on PostgreSQL, or the command line) counts within a
//! second. Tokens that name no webhook are not cached, so a flood of unknown tokens cannot push
//! out known ones.
//!
//! On SQLite each statement is handed to the connection's own thread and back, and under load
//! those thread switches, not the query, cost the most. One statement per batch instead of one
//! per request removes most of them, and the cache the rest.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::Database;
use crate::webhooks::{self, IngressTarget};

/// The maximum number of tokens looked up in one query.
const MAX_BATCH: usize = 256;

/// Lookups waiting for the task before `find` waits for room.
const QUEUE_CAPACITY: usize = 4096;

/// How long a webhook read from the database is used without reading it again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// The maximum number of tokens cached. Past it the cache starts again empty.
const MAX_CACHED: usize = 10_000;

/// The maximum length of a token that can name a webhook. Longer ones get `None` without a
/// query.
const MAX_TOKEN_LENGTH: usize = 128;

type Reply = oneshot::Sender<Result<Option<Arc<IngressTarget>>, String>>;

/// A handle for looking up tokens through the cache and the lookup task. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct TokenLookup {
    sender: mpsc::Sender<(String, Reply)>,
    cache: Arc<Cache>,
}

/// Webhooks found by token, each with when it was read and [`Database::webhook_changes`]
/// before the query that read it.
#[derive(Debug)]
struct Cache {
    db: Database,
    entries: Mutex<HashMap<String, Cached>>,
}

#[derive(Debug)]
struct Cached {
    target: Arc<IngressTarget>,
    read_at: Instant,
    changes: u64,
}

/// The reason a token lookup failed. The handler returns 503 so that the channel retries.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("the webhook lookup failed: {0}")]
    Query(String),
    #[error("the webhook lookup task has stopped")]
    Stopped,
}

impl TokenLookup {
    /// Starts the lookup task on the current runtime. It ends when every handle is dropped.
    pub fn start(db: Database) -> (TokenLookup, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let cache = Arc::new(Cache {
            db,
            entries: Mutex::new(HashMap::new()),
        });
        let task = tokio::spawn(look_up_batches(Arc::clone(&cache), receiver));
        (TokenLookup { sender, cache }, task)
    }

    /// Finds the webhook behind `token`: its current token, or its previous one within the
    /// grace period. A token that no webhook could have (too long, or not made of letters and
    /// digits) gets `None` without a query.
    pub async fn find(&self, token: &str) -> Result<Option<Arc<IngressTarget>>, LookupError> {
        if !could_be_token(token) {
            return Ok(None);
        }
        if let Some(target) = self
            .cache
            .get(token, Instant::now(), OffsetDateTime::now_utc())
        {
            return Ok(Some(target));
        }
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((token.to_owned(), reply))
            .await
            .map_err(|_| LookupError::Stopped)?;
        match answer.await {
            Ok(Ok(target)) => Ok(target),
            Ok(Err(message)) => Err(LookupError::Query(message)),
            Err(_) => Err(LookupError::Stopped),
        }
    }
}

/// Returns whether `token` could name a webhook. [`webhooks::new_token`] makes hexadecimal
/// tokens, so anything else names none.
fn could_be_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= MAX_TOKEN_LENGTH
        && token.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

impl Cache {
    /// Returns the cached webhook of `token` while it is fresh, no change was made since it
    /// was read, and, when `token` is its previous token, the grace period has not ended.
    fn get(
        &self,
        token: &str,
        now: Instant,
        wall_now: OffsetDateTime,
    ) -> Option<Arc<IngressTarget>> {
        let changes = self.db.webhook_changes();
        let entries = self.lock();
        let cached = entries.get(token)?;
        let webhook = &cached.target.webhook;
        let usable = cached.changes == changes
            && now.saturating_duration_since(cached.read_at) < FRESH_FOR
            && (webhook.token == token
                || webhook
                    .previous_token_expires_at
                    .is_some_and(|expires| expires > wall_now));
        usable.then(|| Arc::clone(&cached.target))
    }

    /// Caches the webhooks one query found, read at `read_at` with `changes` counted before it.
    fn insert(&self, found: &HashMap<String, Arc<IngressTarget>>, read_at: Instant, changes: u64) {
        let mut entries = self.lock();
        if entries.len() + found.len() > MAX_CACHED {
            entries.clear();
        }
        for (token, target) in found {
            let cached = Cached {
                target: Arc::clone(target),
                read_at,
                changes,
            };
            entries.insert(token.clone(), cached);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // Entries are inserted and read whole, so a panic elsewhere cannot leave one
        // half-written.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn look_up_batches(cache: Arc<Cache>, mut receiver: mpsc::Receiver<(String, Reply)>) {
    let db = &cache.db;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (tokens, replies): (Vec<String>, Vec<Reply>) = batch.drain(..).unzip();
        let mut unique_tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
        unique_tokens.sort_unstable();
        unique_tokens.dedup();
        // Counted before the query, so that a change committed while it runs makes its
        // result stale at once.
        let changes = db.webhook_changes();
        let read_at = Instant::now();
        match webhooks::find_by_tokens(db, &unique_tokens, OffsetDateTime::now_utc()).await {
            Ok(found) => {
                let found: HashMap<String, Arc<IngressTarget>> = found
                    .into_iter()
                    .map(|(token, target)| (token, Arc::new(target)))
                    .collect();
                cache.insert(&found, read_at, changes);
                for (token, reply) in tokens.iter().zip(replies) {
                    let _ = reply.send(Ok(found.get(token).cloned()));
                }
            }
            Err(error) => {
                let message = error.with_causes();
                tracing::error!(error = %message, count = replies.len(), "webhook lookup failed");
                for reply in replies {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use postsale_core::{AccountId, StoreId, WebhookState};

    use super::*;
    use crate::testing::{self, TestDatabase};
    use crate::webhooks::WebhookPatch;

    /// Adds a `soar` account with a store whose active webhook has `token`; returns the ids
    /// of the account and the store.
    async fn webhook_with_token(db: &Database, token: &str) -> (AccountId, StoreId) {
        let (account, store, _webhook) = testing::soar_webhook(db, token).await;
        (AccountId(account), StoreId(store))
    }

    #[tokio::test]
    async fn lookup_reads_change_through_this_process_at_once() {
        let test_db = TestDatabase::sqlite().await;
        let db = &test_db.db;
        let (account, store) = webhook_with_token(db, "tok1").await;
        let (lookup, _task) = TokenLookup::start(db.clone());

        let first = lookup.find("tok1").await.unwrap().unwrap();
        assert_eq!(first.webhook.state, WebhookState::Active);

        // Another process disables the webhook: within a second this one goes on with what
        // it read.
        sqlx::query("UPDATE webhooks SET state = 'disabled'")
            .execute(db.pool())
            .await
            .unwrap();
        let cached = lookup.find("tok1").await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &cached), "the webhook was read again");

        // This process changes it through the store: the next lookup reads it.
        let patch = WebhookPatch {
            state: Some(WebhookState::Capturing),
            ..WebhookPatch::default()
        };
        webhooks::update(db, account, store, &patch).await.unwrap();
        let changed = lookup.find("tok1").await.unwrap().unwrap();
        assert_eq!(changed.webhook.state, WebhookState::Capturing);
    }

    #[tokio::test]
    async fn lookup_reads_webhook_again_after_a_second() {
        let test_db = TestDatabase::sqlite().await;
        let db = &test_db.db;
        webhook_with_token(db, "tok1").await;
        let (lookup, _task) = TokenLookup::start(db.clone());
        lookup.find("tok1").await.unwrap().unwrap();

        let wall_now = OffsetDateTime::now_utc();
        let cache = &lookup.cache;
        assert!(cache.get("tok1", Instant::now(), wall_now).is_some());
        assert!(
            cache
                .get("tok1", Instant::now() + FRESH_FOR, wall_now)
                .is_none()
        );
    }

    #[tokio::test]
    async fn lookup_ends_previous_token_with_grace_period() {
        let test_db = TestDatabase::sqlite().await;
        let db = &test_db.db;
        let (account, store) = webhook_with_token(db, "tok1").await;
        let (lookup, _task) = TokenLookup::start(db.clone());
        let grace_end = OffsetDateTime::now_utc() + time::Duration::hours(1);
        webhooks::rotate_token(db, account, store, "tok2", grace_end)
            .await
            .unwrap();

        let found = lookup.find("tok1").await.unwrap().unwrap();
        assert_eq!(found.webhook.token, "tok2");
        let cache = &lookup.cache;
        let during = grace_end - time::Duration::minutes(1);
        assert!(cache.get("tok1", Instant::now(), during).is_some());
        assert!(cache.get("tok1", Instant::now(), grace_end).is_none());
    }

    #[tokio::test]
    async fn lookup_does_not_cache_unknown_tokens() {
        let test_db = TestDatabase::sqlite().await;
        let db = &test_db.db;
        let (lookup, _task) = TokenLookup::start(db.clone());
        assert!(lookup.find("nosuchtoken").await.unwrap().is_none());
        assert!(lookup.cache.lock().is_empty());

        // A webhook given that token later is found by the next lookup.
        webhook_with_token(db, "nosuchtoken").await;
        assert!(lookup.find("nosuchtoken").await.unwrap().is_some());
    }
}
