//! The connection pool, the choice between SQLite and PostgreSQL, and the migrations.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};

use crate::{Result, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long `/readyz` reports a failed commit of the ingest writer.
pub(crate) const INGEST_FAILURE_SHOWN_FOR: Duration = Duration::from_secs(30);

/// SQLite waits this long for a lock held by another connection before it reports "busy".
pub(crate) const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// The SQL dialect behind a [`Database`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A pool of connections to one SQLite file or one PostgreSQL database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    dialect: Dialect,
    /// Counts the changes this process made to webhooks and to what ingress reads with them
    /// (the account's plan), so that [`crate::token_lookup`] can tell a cached webhook is
    /// stale.
    webhook_changes: Arc<AtomicU64>,
    /// The SQLite file, which the ingest writer opens a connection of its own to.
    sqlite_file: Option<Arc<PathBuf>>,
    /// The device and inode of the SQLite file when it was opened.
    sqlite_identity: Option<(u64, u64)>,
    /// The queue of this process's long writers (the ingest writer and the import worker) for
    /// SQLite's single write lock. See [`Database::sqlite_write_turn`].
    write_turns: Arc<tokio::sync::Mutex<()>>,
    /// When and why the ingest writer's last commit failed, or `None` after a commit
    /// succeeded.
    ingest_failure: Arc<std::sync::Mutex<Option<(Instant, String)>>>,
}

/// One writer's turn at SQLite's write lock among this process's long writers. Dropping it
/// passes the turn to the writer that has waited longest.
pub(crate) type WriteTurn = tokio::sync::OwnedMutexGuard<()>;

impl Database {
    /// Connects to `url`: `sqlite://PATH` (the file and its folder are created when missing)
    /// or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let dialect = dialect_of(url)?;
        let (url, sqlite_file) = match dialect {
            Dialect::Sqlite => {
                let (url, file) = prepare_sqlite_url(url)?;
                (url, Some(Arc::new(file)))
            }
            Dialect::Postgres => (url.to_owned(), None),
        };

        let pool = AnyPoolOptions::new()
            .max_connections(match dialect {
                Dialect::Sqlite => 8,
                Dialect::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        configure_sqlite(connection).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Database {
            pool,
            dialect,
            webhook_changes: Arc::new(AtomicU64::new(0)),
            sqlite_identity: sqlite_file.as_deref().and_then(|file| file_identity(file)),
            sqlite_file,
            write_turns: Arc::new(tokio::sync::Mutex::new(())),
            ingest_failure: Arc::default(),
        })
    }

    /// Opens `postsale.db` inside `data_dir`, creating both when missing.
    pub async fn open_data_dir(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDirectory {
            path: data_dir.display().to_string(),
            source,
        })?;
        let file = data_dir.join("postsale.db");
        Database::connect(&format!("sqlite://{}", file.display())).await
    }

    /// Applies the embedded migrations that this database has not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match self.migrator().run(&self.pool).await {
            Ok(()) => Ok(()),
            Err(MigrateError::VersionMissing(version)) => Err(StoreError::NewerSchema { version }),
            Err(error) => Err(error.into()),
        }
    }

    /// Applies the embedded migrations up to and including `version`, for tests that fill a
    /// database in an earlier schema and then check what a later migration makes of it.
    pub async fn migrate_up_to(&self, version: i64) -> Result<()> {
        let migrations: Vec<_> = self
            .migrator()
            .iter()
            .filter(|migration| migration.version <= version)
            .cloned()
            .collect();
        let migrator = Migrator {
            migrations: migrations.into(),
            ..Migrator::DEFAULT
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    fn migrator(&self) -> &'static Migrator {
        match self.dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Checks that the database runs a trivial query and, on SQLite, that its file is the one
    /// opened at the start.
    pub async fn ping(&self) -> Result<()> {
        self.check_sqlite_file()?;
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Checks that the SQLite file at the configured path is still the file that was opened.
    /// A file deleted or replaced while open keeps its writes in the old inode, which a
    /// restart no longer finds.
    pub(crate) fn check_sqlite_file(&self) -> Result<()> {
        let (Some(file), Some(opened)) = (self.sqlite_file.as_deref(), self.sqlite_identity) else {
            return Ok(());
        };
        if file_identity(file) == Some(opened) {
            return Ok(());
        }
        Err(StoreError::DatabaseFileChanged {
            path: file.display().to_string(),
        })
    }

    /// Begins a transaction that writes. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a transaction that read first and then writes after another
    /// connection committed gets "busy" at once, without waiting for the lock.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        let transaction = match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        };
        Ok(transaction)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Waits for this process's turn to take SQLite's write lock, and returns `None` at once on
    /// PostgreSQL. The ingest writer and the import worker take turns in the order they
    /// arrive. Left to SQLite's busy handler, which retries after sleeps of up to 100 ms, the
    /// ingest writer missed every gap between the worker's back-to-back transactions and
    /// failed after the 5 s busy timeout.
    pub(crate) async fn sqlite_write_turn(&self) -> Option<WriteTurn> {
        match self.dialect {
            Dialect::Sqlite => Some(Arc::clone(&self.write_turns).lock_owned().await),
            Dialect::Postgres => None,
        }
    }

    /// Waits for a turn as [`Database::sqlite_write_turn`] does, blocking the thread. For the
    /// SQLite ingest writer, which runs outside the async runtime.
    pub(crate) fn blocking_sqlite_write_turn(&self) -> Option<WriteTurn> {
        match self.dialect {
            Dialect::Sqlite => Some(Arc::clone(&self.write_turns).blocking_lock_owned()),
            Dialect::Postgres => None,
        }
    }

    /// Returns why the ingest writer's last commit failed, when it failed within
    /// [`INGEST_FAILURE_SHOWN_FOR`]; `None` when it succeeded, or failed longer ago. A failure
    /// is forgotten after a while because a server taken out of rotation for it would get no
    /// request to show it had recovered.
    pub fn ingest_failure(&self) -> Option<String> {
        let last = self
            .ingest_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < INGEST_FAILURE_SHOWN_FOR)
            .map(|(_, message)| message.clone())
    }

    /// Records the outcome of the ingest writer's latest commit.
    pub(crate) fn set_ingest_failure(&self, failure: Option<&str>) {
        let mut last = self
            .ingest_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *last = failure.map(|message| (Instant::now(), message.to_owned()));
    }

    /// Returns the file of an SQLite database, or `None` for PostgreSQL.
    pub(crate) fn sqlite_file(&self) -> Option<&Path> {
        self.sqlite_file.as_deref().map(PathBuf::as_path)
    }

    /// Returns the number of changes this process has made to webhooks and plans so far.
    pub fn webhook_changes(&self) -> u64 {
        self.webhook_changes.load(Ordering::Acquire)
    }

    /// Records that a committed statement changed a webhook or a plan.
    pub(crate) fn note_webhook_change(&self) {
        self.webhook_changes.fetch_add(1, Ordering::AcqRel);
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Returns the device and inode of a file, or `None` when it cannot be read.
fn file_identity(file: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;

    std::fs::metadata(file)
        .ok()
        .map(|metadata| (metadata.dev(), metadata.ino()))
}

fn dialect_of(url: &str) -> Result<Dialect> {
    if url.starts_with("sqlite:") {
        Ok(Dialect::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Dialect::Postgres)
    } else {
        Err(StoreError::InvalidUrl {
            url: redact_url(url),
            reason: "use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE".into(),
        })
    }
}

/// Creates the folder of a SQLite file and asks SQLite to create the file when missing.
/// Returns the URL to connect to and the file's path.
fn prepare_sqlite_url(url: &str) -> Result<(String, PathBuf)> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::InvalidUrl {
            url: url.to_owned(),
            reason: "name a database file, such as sqlite://./postsale-data/postsale.db".into(),
        });
    }
    // sqlx percent-decodes the path, so the ingest writer, which opens the file itself, must
    // find the same file.
    let file = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| StoreError::InvalidUrl {
            url: url.to_owned(),
            reason: "its path is not UTF-8 once %-escapes are decoded: write the path as text"
                .into(),
        })?;
    let file = PathBuf::from(file.as_ref());
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::DataDirectory {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok((format!("sqlite://{path}?{query}"), file))
}

/// Sets what every SQLite connection needs: write-ahead logging, enforced foreign keys, a busy
/// timeout, and `synchronous=FULL` so that a committed transaction survives a power loss.
async fn configure_sqlite(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    connection.execute(sqlite_pragmas().as_str()).await?;
    Ok(())
}

/// Returns the statements that set up an SQLite connection, for the pool's and the ingest
/// writer's.
///
/// The page size stays SQLite's 4 KiB. 16 KiB pages made the ingest benchmark's 5 KB bodies
/// cheaper to write, but a body of 8 to 16 KB, which real orders are, then took a whole page:
/// twice the disk space per kept request.
pub(crate) fn sqlite_pragmas() -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
         PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}; PRAGMA synchronous = FULL;"
    )
}

/// Removes the password from a database URL so the URL can appear in an error or a log.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_password() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/postsale"),
            "postgres://app:***@db:5432/postsale"
        );
        assert_eq!(
            redact_url("postgres://app@db/postsale"),
            "postgres://app@db/postsale"
        );
    }

    #[test]
    fn unknown_scheme_is_rejected() {
        let error = dialect_of("mysql://root@localhost/x").unwrap_err();
        assert!(error.to_string().contains("mysql://root@localhost/x"));
    }

    #[test]
    fn sqlite_url_gets_create_mode() {
        let dir = std::env::temp_dir().join("postsale-url-test");
        let (url, file) = prepare_sqlite_url(&format!("sqlite://{}/a.db", dir.display())).unwrap();
        assert!(url.ends_with("a.db?mode=rwc"), "{url}");
        assert_eq!(file, dir.join("a.db"));

        let (_, file) =
            prepare_sqlite_url(&format!("sqlite://{}/with%20space.db", dir.display())).unwrap();
        assert_eq!(file, dir.join("with space.db"));
    }
}
