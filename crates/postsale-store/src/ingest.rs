//! Group commit for accepted requests: concurrent handlers hand their request to one writer
//! task, which commits everything waiting in one transaction and then replies to each handler.
//! On SQLite with `synchronous=FULL` that is one fsync per batch instead of one per request.

use postsale_core::RequestId;
use tokio::sync::{mpsc, oneshot};

use crate::requests::{self, NewRequest};
use crate::{Database, StoreError};

/// The maximum number of requests committed in one transaction.
const MAX_BATCH: usize = 256;

/// Requests waiting for the writer before `submit` waits for room.
const QUEUE_CAPACITY: usize = 4096;

type Reply = oneshot::Sender<Result<RequestId, String>>;

/// A handle for submitting requests to the writer task. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct Ingest {
    sender: mpsc::Sender<(NewRequest, Reply)>,
}

/// Why a request could not be committed. The handler returns 503 so the channel retries.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the request could not be committed: {0}")]
    Commit(String),
    #[error("the ingest writer has stopped")]
    Stopped,
}

impl Ingest {
    /// Starts the writer task on the current runtime. It ends when every `Ingest` handle is
    /// dropped, after committing what is queued.
    pub fn start(db: Database) -> (Ingest, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let task = tokio::spawn(write_batches(db, receiver));
        (Ingest { sender }, task)
    }

    /// Commits one request and returns its id once it is durable.
    pub async fn submit(&self, request: NewRequest) -> Result<RequestId, IngestError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((request, reply))
            .await
            .map_err(|_| IngestError::Stopped)?;
        match answer.await {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(message)) => Err(IngestError::Commit(message)),
            Err(_) => Err(IngestError::Stopped),
        }
    }
}

async fn write_batches(db: Database, mut receiver: mpsc::Receiver<(NewRequest, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (requests, replies): (Vec<NewRequest>, Vec<Reply>) = batch.drain(..).unzip();
        match requests::insert_batch(&db, &requests).await {
            Ok(ids) => {
                for (reply, id) in replies.into_iter().zip(ids) {
                    let _ = reply.send(Ok(id));
                }
            }
            Err(error) => {
                let message = describe(&error);
                tracing::error!(error = %message, count = replies.len(), "commit of kept requests failed");
                for reply in replies {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
}

fn describe(error: &StoreError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
