//! Batched lookups of webhooks by URL token: concurrent requests at webhook URLs share one
//! query, as kept requests share one transaction in [`crate::ingest`]. Every lookup reads the
//! database, so a change to a webhook counts from the next request on, on every process.
//!
//! On SQLite each statement is handed to the connection's own thread and back, and under load
//! those thread switches, not the query, cost the most. One statement per batch instead of one
//! per request removes most of them.

use std::collections::HashMap;

use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::Database;
use crate::webhooks::{self, IngressTarget};

/// The maximum number of tokens looked up in one query.
const MAX_BATCH: usize = 256;

/// Lookups waiting for the task before `find` waits for room.
const QUEUE_CAPACITY: usize = 4096;

/// The maximum length of a token that can name a webhook. Longer ones get `None` without a
/// query.
const MAX_TOKEN_LENGTH: usize = 128;

type Reply = oneshot::Sender<Result<Option<IngressTarget>, String>>;

/// A handle for looking up tokens through the lookup task. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct TokenLookup {
    sender: mpsc::Sender<(String, Reply)>,
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
        let task = tokio::spawn(look_up_batches(db, receiver));
        (TokenLookup { sender }, task)
    }

    /// Finds the webhook behind `token`: its current token, or its previous one within the
    /// grace period. A token that no webhook could have (too long, or not made of letters and
    /// digits) gets `None` without a query.
    pub async fn find(&self, token: &str) -> Result<Option<IngressTarget>, LookupError> {
        if !could_be_token(token) {
            return Ok(None);
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

async fn look_up_batches(db: Database, mut receiver: mpsc::Receiver<(String, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (tokens, replies): (Vec<String>, Vec<Reply>) = batch.drain(..).unzip();
        let mut unique_tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
        unique_tokens.sort_unstable();
        unique_tokens.dedup();
        match webhooks::find_by_tokens(&db, &unique_tokens, OffsetDateTime::now_utc()).await {
            Ok(found) => {
                let found: HashMap<String, IngressTarget> = found.into_iter().collect();
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
