//! Group commit for accepted requests: concurrent handlers hand their request to one writer,
//! which commits everything waiting in one transaction and then replies to each handler. On
//! SQLite with `synchronous=FULL` that is one fsync per batch instead of one per request.
//!
//! On SQLite the writer is a thread with a connection of its own ([`sqlite`]): it inserts with
//! prepared statements and keeps its page cache from one batch to the next. On PostgreSQL it is
//! a task that inserts through the pool.

mod sqlite;

use postsale_core::RequestId;
use tokio::sync::{mpsc, oneshot};

use crate::requests::{self, NewRequest};
use crate::{Database, StoreError};

/// The maximum number of requests committed in one transaction.
const MAX_BATCH: usize = 256;

/// The maximum stored body bytes committed in one transaction, unless one body alone is larger.
const MAX_BATCH_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Requests waiting for the writer before `submit` waits for room.
const QUEUE_CAPACITY: usize = 4096;

type Reply = oneshot::Sender<Result<RequestId, Failure>>;

/// The reason the writer could not keep one request.
#[derive(Debug)]
enum Failure {
    /// The request's webhook, or its store, was deleted after ingress looked it up.
    WebhookGone,
    /// The commit failed; the message names the cause.
    Commit(String),
}

/// The cause of a failed insert, in the terms both writers share.
#[derive(Debug)]
struct WriteError {
    /// The insert named a webhook or store that no longer exists.
    foreign_key: bool,
    /// The error with its causes.
    message: String,
}

impl From<&StoreError> for WriteError {
    fn from(error: &StoreError) -> Self {
        WriteError {
            foreign_key: error.is_foreign_key_violation(),
            message: error.with_causes(),
        }
    }
}

/// A handle for submitting requests to the writer. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct Ingest {
    sender: mpsc::Sender<(NewRequest, Reply)>,
}

/// The reason a request could not be kept. For a webhook deleted after the lookup the handler
/// responds 404; for the others it responds 503, so that the channel retries.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The webhook was deleted, by this process or another, after ingress looked it up. The
    /// handler responds as to an unknown token.
    #[error("the webhook was deleted after it was looked up")]
    WebhookGone,
    #[error("the request could not be committed: {0}")]
    Commit(String),
    #[error("the ingest writer has stopped")]
    Stopped,
}

impl Ingest {
    /// Starts the writer: a thread on SQLite, a task on the current runtime on PostgreSQL. It
    /// ends when every `Ingest` handle is dropped, after committing what is queued, and the
    /// returned handle completes then.
    pub fn start(db: Database) -> (Ingest, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let task = match db.sqlite_file() {
            Some(file) => sqlite::start(db.clone(), file.to_owned(), receiver),
            None => tokio::spawn(write_batches(db, receiver)),
        };
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
            Ok(Err(Failure::WebhookGone)) => Err(IngestError::WebhookGone),
            Ok(Err(Failure::Commit(message))) => Err(IngestError::Commit(message)),
            Err(_) => Err(IngestError::Stopped),
        }
    }
}

/// Commits what is waiting on PostgreSQL, in as few transactions as the size limits allow,
/// until every handle is dropped.
async fn write_batches(db: Database, mut receiver: mpsc::Receiver<(NewRequest, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Large bodies go in several transactions: PostgreSQL closed the connection when
        // 196 bodies of 8 MB (1.5 GB) were sent as one statement.
        while !batch.is_empty() {
            let count = first_transaction(&batch);
            commit(&db, batch.drain(..count).collect()).await;
        }
    }
}

/// Returns how many of the waiting requests go in the next transaction: as many as fit in
/// [`MAX_BATCH_BODY_BYTES`], and at least one.
fn first_transaction(batch: &[(NewRequest, Reply)]) -> usize {
    transaction_size(
        batch
            .iter()
            .map(|(request, _)| request.body.as_ref().map_or(0, |body| body.bytes().len())),
    )
}

/// Returns how many requests, with bodies of these sizes, fit in one transaction.
fn transaction_size(body_sizes: impl Iterator<Item = usize>) -> usize {
    let mut bytes = 0;
    let mut count = 0;
    for size in body_sizes {
        bytes += size;
        if count > 0 && bytes > MAX_BATCH_BODY_BYTES {
            break;
        }
        count += 1;
    }
    count
}

/// Commits a batch in one transaction and replies to every handler. When the transaction fails,
/// it keeps each request alone instead, so that one request that cannot be kept (its store was
/// deleted after the lookup, say) does not turn away the others.
async fn commit(db: &Database, batch: Vec<(NewRequest, Reply)>) {
    let (requests, replies): (Vec<NewRequest>, Vec<Reply>) = batch.into_iter().unzip();
    let result = requests::insert_batch(db, &requests).await;
    let result = result.map_err(|error| WriteError::from(&error));
    let Some(replies) = answer(db, result, replies) else {
        return;
    };
    for (request, reply) in requests.iter().zip(replies) {
        let result = requests::insert_batch(db, std::slice::from_ref(request)).await;
        let _ = reply.send(alone(db, result.map_err(|error| WriteError::from(&error))));
    }
}

/// Sends each handler its id when the batch was committed, or its failure when the batch held
/// one request. When a batch of several failed, logs why and returns the replies, for the
/// caller to keep each request alone.
fn answer(
    db: &Database,
    result: Result<Vec<RequestId>, WriteError>,
    replies: Vec<Reply>,
) -> Option<Vec<Reply>> {
    match result {
        Ok(ids) => {
            db.set_ingest_failure(None);
            for (reply, id) in replies.into_iter().zip(ids) {
                let _ = reply.send(Ok(id));
            }
            None
        }
        Err(error) if replies.len() > 1 => {
            if error.foreign_key {
                tracing::debug!(
                    count = replies.len(),
                    "a batch of kept requests names a deleted webhook; keeping them one by one"
                );
            } else {
                tracing::warn!(error = %error.message, count = replies.len(), "commit of kept requests failed; keeping them one by one");
            }
            Some(replies)
        }
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(failure(db, &error)));
            }
            None
        }
    }
}

/// Turns the result of inserting one request alone into the reply to its handler.
fn alone(db: &Database, result: Result<Vec<RequestId>, WriteError>) -> Result<RequestId, Failure> {
    match result.as_deref() {
        Ok([id]) => {
            db.set_ingest_failure(None);
            Ok(*id)
        }
        Ok(_) => Err(Failure::Commit("the insert returned no id".to_owned())),
        Err(error) => Err(failure(db, error)),
    }
}

/// Tells why a request could not be kept, and logs it at debug level, because the handler logs
/// each request it could not keep. A request whose webhook was deleted after the lookup breaks
/// a foreign key: that is no fault of the database, so the webhooks this process has cached
/// are read again. Any other failure is recorded for `/readyz`.
fn failure(db: &Database, error: &WriteError) -> Failure {
    if error.foreign_key {
        db.note_webhook_change();
        tracing::debug!("request for a deleted webhook not kept");
        return Failure::WebhookGone;
    }
    tracing::debug!(error = %error.message, "commit of kept requests failed");
    db.set_ingest_failure(Some(&error.message));
    Failure::Commit(error.message.clone())
}

#[cfg(test)]
mod tests {
    use postsale_core::{AccountId, StoreId, WebhookId};
    use time::OffsetDateTime;

    use super::*;
    use crate::body::StoredBody;
    use crate::imports;
    use crate::requests::ImportState;
    use crate::testing::{self, TestDatabase};

    fn request(account: i64, store: i64, webhook: i64, body: &[u8]) -> NewRequest {
        NewRequest {
            account_id: AccountId(account),
            store_id: StoreId(store),
            webhook_id: WebhookId(webhook),
            received_at: OffsetDateTime::now_utc(),
            method: "POST".to_owned(),
            path: "/hooks/t".to_owned(),
            query: None,
            headers: "[]".to_owned(),
            remote_addr: "127.0.0.1".to_owned(),
            content_type: Some("application/json".to_owned()),
            body: Some(StoredBody::compress(body)),
            body_size: i64::try_from(body.len()).unwrap(),
            body_sha256: hex::encode(body),
            body_kind: "json".to_owned(),
            delivery_id: None,
            status_code: 200,
            reason_code: None,
            diagnosis: None,
            import_state: ImportState::Pending,
        }
    }

    #[test]
    fn large_bodies_split_the_batch() {
        let mb = 1024 * 1024;
        assert_eq!(transaction_size([8 * mb; 10].into_iter()), 4);
        assert_eq!(transaction_size([5_000; 256].into_iter()), 256);
        assert_eq!(transaction_size([40 * mb, 1].into_iter()), 1);
        assert_eq!(transaction_size([1, 40 * mb].into_iter()), 1);
        assert_eq!(transaction_size([0; 3].into_iter()), 3);
    }

    /// Commits a batch as the writer of the database's kind does.
    async fn commit_on(db: &Database, batch: Vec<(NewRequest, Reply)>) {
        let Some(file) = db.sqlite_file() else {
            return commit(db, batch).await;
        };
        let (db, file) = (db.clone(), file.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut writer = sqlite::Writer::open(&file).expect("open the test SQLite file");
            sqlite::commit(&db, &mut writer, batch);
        })
        .await
        .unwrap();
    }

    /// Checks that a batch with one request whose store no longer exists keeps the others.
    async fn bad_request_spares_batch(db: &Database) {
        let (account, store, webhook) = testing::soar_webhook(db, "token").await;

        let mut batch = Vec::new();
        let mut answers = Vec::new();
        for index in 0..5 {
            let (reply, answer) = oneshot::channel();
            // The third names a store and webhook that do not exist.
            let new = if index == 2 {
                request(account, store + 1000, webhook + 1000, b"{\"n\":2}")
            } else {
                request(
                    account,
                    store,
                    webhook,
                    format!("{{\"n\":{index}}}").as_bytes(),
                )
            };
            batch.push((new, reply));
            answers.push(answer);
        }
        commit_on(db, batch).await;
        assert_eq!(
            db.ingest_failure(),
            None,
            "a deleted webhook is no failure of the writer"
        );

        for (index, answer) in answers.into_iter().enumerate() {
            let answer = answer.await.unwrap();
            if index == 2 {
                assert!(
                    matches!(answer, Err(Failure::WebhookGone)),
                    "the request of a missing store got {answer:?}"
                );
            } else {
                let id = answer.unwrap();
                let body = requests::body(db, AccountId(account), id).await.unwrap();
                assert_eq!(body, Some(format!("{{\"n\":{index}}}").into_bytes()));
            }
        }
    }

    /// The import worker's transactions come back to back. The ingest writer queues for its
    /// turn, so it goes before an import that arrives after it, instead of waiting in SQLite's
    /// busy handler until the busy timeout fails it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_goes_before_later_import() {
        let test_db = TestDatabase::sqlite().await;
        let db = &test_db.db;
        let (account, store, webhook) = testing::soar_webhook(db, "token").await;
        let stored = request(account, store, webhook, b"{}");
        let ids = requests::insert_batch(db, &[stored]).await.unwrap();
        let first = imports::claim_for_replay(db, AccountId(account), &ids, "first")
            .await
            .unwrap();

        let (ingest, writer) = Ingest::start(db.clone());
        let submitted = tokio::spawn({
            let ingest = ingest.clone();
            async move {
                ingest
                    .submit(request(account, store, webhook, b"{\"n\":1}"))
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let second = tokio::spawn({
            let (db, ids) = (db.clone(), ids.clone());
            async move { imports::claim_for_replay(&db, AccountId(account), &ids, "second").await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!submitted.is_finished(), "the import still holds the lock");
        drop(first);

        let id = submitted
            .await
            .unwrap()
            .expect("the request is kept before the second import");
        let body = requests::body(db, AccountId(account), id).await.unwrap();
        assert_eq!(body, Some(b"{\"n\":1}".to_vec()));
        drop(second.await.unwrap().unwrap());
        drop(ingest);
        writer.await.unwrap();
    }

    /// SQLite writes on to a deleted file, and a restart would not find what it wrote.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn deleted_sqlite_file_fails_ingest_and_ping() {
        let test_db = TestDatabase::sqlite().await;
        let db = &test_db.db;
        let (account, store, webhook) = testing::soar_webhook(db, "token").await;
        let (ingest, writer) = Ingest::start(db.clone());
        ingest
            .submit(request(account, store, webhook, b"{}"))
            .await
            .expect("kept while the file is in place");
        db.ping().await.expect("the file is in place");

        std::fs::remove_file(db.sqlite_file().unwrap()).unwrap();
        let answer = ingest
            .submit(request(account, store, webhook, b"{}"))
            .await
            .unwrap_err();
        let ping = db.ping().await.unwrap_err();
        drop(ingest);
        writer.await.unwrap();

        assert!(matches!(answer, IngestError::Commit(_)), "{answer:?}");
        assert!(
            answer.to_string().contains("deleted or replaced"),
            "{answer}"
        );
        assert!(
            matches!(ping, StoreError::DatabaseFileChanged { .. }),
            "{ping:?}"
        );
        let failure = db
            .ingest_failure()
            .expect("the failure is recorded for /readyz");
        assert!(failure.contains("deleted or replaced"), "{failure}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unopenable_sqlite_file_answers_commit_failure() {
        let test_db = TestDatabase::sqlite().await;
        let (account, store, webhook) = testing::soar_webhook(&test_db.db, "token").await;
        let (sender, receiver) = mpsc::channel(4);
        let missing = std::env::temp_dir().join("postsale-no-such-folder/postsale.db");
        let db = test_db.db.clone();
        let writer = tokio::task::spawn_blocking(move || {
            sqlite::write_batches(&db, &missing, receiver);
        });
        let ingest = Ingest { sender };

        let answer = ingest
            .submit(request(account, store, webhook, b"{}"))
            .await
            .unwrap_err();
        drop(ingest);
        writer.await.unwrap();

        let message = answer.to_string();
        assert!(
            matches!(answer, IngestError::Commit(_)),
            "the request got {answer:?}"
        );
        assert!(
            message.contains("postsale-no-such-folder/postsale.db"),
            "{message}"
        );
    }

    /// The SQLite writer skips the CHECK on `import_state`, so every state it can write must
    /// pass that CHECK, which `PRAGMA integrity_check` evaluates for every stored row.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writer_states_pass_the_check() {
        let test_db = TestDatabase::sqlite().await;
        let (account, store, webhook) = testing::soar_webhook(&test_db.db, "token").await;
        let states = [
            ImportState::Pending,
            ImportState::Done,
            ImportState::NotImportable,
            ImportState::Rejected,
        ];
        // A new state fails to compile here until it is added to the list above.
        for state in states {
            match state {
                ImportState::Pending
                | ImportState::Done
                | ImportState::NotImportable
                | ImportState::Rejected => {}
            }
        }

        let mut batch = Vec::new();
        let mut answers = Vec::new();
        for state in states {
            let (reply, answer) = oneshot::channel();
            let mut new = request(account, store, webhook, b"{}");
            new.import_state = state;
            batch.push((new, reply));
            answers.push(answer);
        }
        commit_on(&test_db.db, batch).await;

        for answer in answers {
            assert!(matches!(answer.await, Ok(Ok(_))));
        }
        let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(test_db.db.pool())
            .await
            .unwrap();
        assert_eq!(problems, ["ok"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_request_spares_batch_sqlite() {
        bad_request_spares_batch(&TestDatabase::sqlite().await.db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_request_spares_batch_postgres() {
        if let Some(test_db) = TestDatabase::postgres().await {
            bad_request_spares_batch(&test_db.db).await;
        }
    }
}
