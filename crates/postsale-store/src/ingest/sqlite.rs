//! The SQLite writer: a thread with its own connection that commits batches of requests.
//!
//! Going through the pool cost more than the inserts. Each statement of a batch was a round
//! trip between the writer task and sqlx's connection thread, and each batch landed on whichever
//! pooled connection was free. That connection then found the file changed by another
//! connection and dropped its page cache, so it read the pages again. This thread keeps one
//! connection, two prepared statements and a warm page cache, and the handlers' requests reach
//! it through the channel without a further hop.

use std::path::{Path, PathBuf};
use std::time::Duration;

use postsale_core::RequestId;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use tokio::sync::{mpsc, oneshot};

use super::{Failure, MAX_BATCH, Reply, WriteError, alone, answer, first_transaction};
use crate::database::sqlite_pragmas;
use crate::requests::{ImportState, NewRequest};
use crate::{Database, to_millis};

const INSERT_REQUEST: &str = "INSERT INTO requests (account_id, store_id, webhook_id, \
    received_at, method, path, query, headers, remote_addr, content_type, body_size, \
    body_sha256, body_kind, delivery_id, accepted, status_code, reason_code, diagnosis, \
    import_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, \
    ?16, ?17, ?18, ?19)";

const INSERT_BODY: &str =
    "INSERT INTO request_bodies (request_id, body, encoding) VALUES (?1, ?2, ?3)";

/// Starts the writer thread for the SQLite database in `file`. The returned handle completes
/// when the thread ends, which it does once every sender is dropped and the queue is committed.
pub(super) fn start(
    db: Database,
    file: PathBuf,
    receiver: mpsc::Receiver<(NewRequest, Reply)>,
) -> tokio::task::JoinHandle<()> {
    let (finished, on_finish) = oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("postsale-ingest".to_owned())
        .spawn(move || {
            write_batches(&db, &file, receiver);
            let _ = finished.send(());
        });
    if let Err(error) = &spawned {
        // Without the thread every submit gets `Stopped`, and the handlers respond 503.
        tracing::error!(%error, "cannot start the ingest writer thread");
    }
    tokio::spawn(async move {
        let _ = on_finish.await;
    })
}

/// Commits what is waiting, in as few transactions as the size limits allow, until every
/// sender is dropped. The connection is opened when the first batch arrives, and opened again
/// after a failure that may have come from it.
pub(super) fn write_batches(
    db: &Database,
    file: &Path,
    mut receiver: mpsc::Receiver<(NewRequest, Reply)>,
) {
    let mut writer = None;
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = receiver.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        while !batch.is_empty() {
            let count = first_transaction(&batch);
            let part: Vec<_> = batch.drain(..count).collect();
            match &mut writer {
                Some(open) => commit(db, open, part),
                None => match Writer::open(file) {
                    Ok(open) => commit(db, writer.insert(open), part),
                    Err(error) => {
                        let message = format!(
                            "cannot open the SQLite file {} for ingest: {error}",
                            file.display()
                        );
                        reject_all(
                            db,
                            &message,
                            part.into_iter().map(|(_, reply)| reply).collect(),
                        );
                    }
                },
            }
            if writer.as_ref().is_some_and(|open| open.broken) {
                writer = None;
            }
        }
    }
}

/// Fails every request of a batch with `message`, which the handlers turn into 503, and logs
/// it once for the batch.
fn reject_all(db: &Database, message: &str, replies: Vec<Reply>) {
    tracing::error!(error = %message, count = replies.len(), "requests not kept");
    db.set_ingest_failure(Some(message));
    for reply in replies {
        let _ = reply.send(Err(Failure::Commit(message.to_owned())));
    }
}

/// Commits a batch in one transaction and replies to every handler. When the transaction fails,
/// it keeps each request alone, as the PostgreSQL writer does.
pub(super) fn commit(db: &Database, writer: &mut Writer, batch: Vec<(NewRequest, Reply)>) {
    let (requests, replies): (Vec<NewRequest>, Vec<Reply>) = batch.into_iter().unzip();
    let _turn = db.blocking_sqlite_write_turn();
    if let Err(error) = db.check_sqlite_file() {
        return reject_all(db, &error.to_string(), replies);
    }
    let result = writer.insert(&requests);
    let Some(replies) = answer(db, result, replies) else {
        return;
    };
    for (request, reply) in requests.iter().zip(replies) {
        let result = writer.insert(std::slice::from_ref(request));
        let _ = reply.send(alone(db, result));
    }
}

/// The writer's connection.
pub(super) struct Writer {
    connection: Connection,
    /// Set when a statement failed for a reason other than a constraint, so that the next batch
    /// opens a new connection.
    broken: bool,
}

impl Writer {
    /// Opens the database file with the settings every SQLite connection of postsale has.
    pub(super) fn open(file: &Path) -> rusqlite::Result<Writer> {
        let connection = Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(Duration::from_millis(u64::from(
            crate::database::SQLITE_BUSY_TIMEOUT_MS,
        )))?;
        connection.execute_batch(&sqlite_pragmas())?;
        // The one CHECK on the tables this connection writes limits `import_state` to four
        // values. SQLite evaluates its IN list by building a temporary table at every insert,
        // and the writer sets the column only from `ImportState`, whose values all pass it.
        connection.pragma_update(None, "ignore_check_constraints", true)?;
        Ok(Writer {
            connection,
            broken: false,
        })
    }

    /// Inserts the requests and their bodies in one transaction and returns their ids in the
    /// order given.
    pub(super) fn insert(&mut self, requests: &[NewRequest]) -> Result<Vec<RequestId>, WriteError> {
        let result = insert(&mut self.connection, requests);
        result.map_err(|error| {
            let foreign_key = is_foreign_key_violation(&error);
            if !foreign_key {
                self.broken = true;
            }
            let message = match &error {
                rusqlite::Error::SqliteFailure(failure, _) => {
                    format!("{error} (SQLite result code {})", failure.extended_code)
                }
                _ => error.to_string(),
            };
            WriteError {
                foreign_key,
                message,
            }
        })
    }
}

fn insert(
    connection: &mut Connection,
    requests: &[NewRequest],
) -> rusqlite::Result<Vec<RequestId>> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut ids = Vec::with_capacity(requests.len());
    {
        let mut insert_request = transaction.prepare_cached(INSERT_REQUEST)?;
        let mut insert_body = transaction.prepare_cached(INSERT_BODY)?;
        for request in requests {
            let accepted = request.import_state != ImportState::Rejected;
            insert_request.execute(params![
                request.account_id.get(),
                request.store_id.get(),
                request.webhook_id.get(),
                to_millis(request.received_at),
                request.method,
                request.path,
                request.query,
                request.headers,
                request.remote_addr,
                request.content_type,
                request.body_size,
                request.body_sha256,
                request.body_kind,
                request.delivery_id,
                i64::from(accepted),
                i64::from(request.status_code),
                request.reason_code,
                request.diagnosis,
                request.import_state.as_str(),
            ])?;
            let id = transaction.last_insert_rowid();
            if let Some(body) = &request.body {
                insert_body.execute(params![id, body.bytes(), body.encoding().as_str()])?;
            }
            ids.push(RequestId(id));
        }
    }
    transaction.commit()?;
    Ok(ids)
}

fn is_foreign_key_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestDatabase;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writer_connection_has_postsale_settings() {
        let test_db = TestDatabase::sqlite().await;
        let file = test_db.db.sqlite_file().unwrap().to_owned();
        let writer = Writer::open(&file).unwrap();
        let pragma = |name: &str| -> i64 {
            writer
                .connection
                .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(pragma("busy_timeout"), 5_000);
        assert_eq!(pragma("foreign_keys"), 1);
        assert_eq!(pragma("synchronous"), 2, "synchronous is FULL");
        assert_eq!(pragma("ignore_check_constraints"), 1);
    }
}
