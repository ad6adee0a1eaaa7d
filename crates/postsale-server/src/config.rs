//! Configuration of `postsale serve`: every flag has a `POSTSALE_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Where the database is.
#[derive(Args, Clone, Debug)]
pub struct DatabaseArgs {
    /// Database URL: `postgres://USER@HOST:PORT/DATABASE` or `sqlite://PATH`. Default: the
    /// SQLite file `postsale.db` inside `--data-dir`.
    #[arg(long, env = "POSTSALE_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Folder for the SQLite database and the secret key file. Created when missing.
    #[arg(long, env = "POSTSALE_DATA_DIR", default_value = "postsale-data")]
    pub data_dir: PathBuf,
}

/// Options of `postsale serve`.
#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address and port to listen on.
    #[arg(long, env = "POSTSALE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Seconds to wait for requests in flight after SIGINT or SIGTERM before exiting anyway.
    #[arg(long, env = "POSTSALE_SHUTDOWN_TIMEOUT", default_value_t = 30)]
    pub shutdown_timeout: u64,
}
