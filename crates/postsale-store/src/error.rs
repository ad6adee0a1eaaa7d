//! The error type of the database layer.

/// A failure of a repository function.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database query failed")]
    Database(#[from] sqlx::Error),

    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// A migration in the database that this binary does not have, because a newer postsale
    /// migrated the database.
    #[error(
        "the database was migrated by a newer postsale (it has migration {version}, which this \
         binary does not know): run that newer postsale, or restore a backup from before it ran"
    )]
    NewerSchema { version: i64 },

    #[error("invalid database URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error("cannot create the data directory {path}")]
    DataDirectory {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// A stored value that the code cannot read back, such as an unknown plan name.
    #[error("stored {what} is invalid: {detail}")]
    Corrupt { what: &'static str, detail: String },

    /// The SQLite file was deleted or replaced while the server had it open. SQLite goes on
    /// writing to the file it opened, so nothing written after that would survive a restart.
    #[error(
        "the database file {path} was deleted or replaced while postsale had it open: put the \
         file back or restart postsale; requests are refused until then"
    )]
    DatabaseFileChanged { path: String },

    /// A write that breaks a uniqueness rule, such as a second store with the same token.
    #[error("{0}")]
    Conflict(String),

    /// A write that the current state of a row does not allow, found inside the write's own
    /// transaction, such as a shipment for an order that was cancelled a moment before. The
    /// message gives the reason and what to do.
    #[error("{0}")]
    Rejected(String),
}

impl StoreError {
    pub(crate) fn corrupt(what: &'static str, detail: impl ToString) -> Self {
        StoreError::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }

    /// Returns the message followed by the messages of every cause, for logs and for the
    /// handlers that wait on a shared batch.
    pub fn with_causes(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    /// Whether every pooled connection stayed busy for the acquire timeout.
    pub fn is_pool_timeout(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::PoolTimedOut))
    }

    /// Whether the error is a unique-constraint violation reported by either database.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(error)) => error.is_unique_violation(),
            StoreError::Conflict(_) => true,
            _ => false,
        }
    }

    /// Returns whether the error is a foreign-key violation reported by either database, such as a
    /// row that names a webhook deleted a moment before.
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Database(sqlx::Error::Database(error)) if error.is_foreign_key_violation()
        )
    }
}
