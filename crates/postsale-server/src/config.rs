//! Configuration of `postsale serve`: every flag has a `POSTSALE_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// The database location.
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

    #[command(flatten)]
    pub ingress: IngressConfig,

    #[command(flatten)]
    pub http: HttpConfig,

    /// Key that encrypts webhook secrets at rest: 32 bytes as 64 hex characters or base64.
    /// Default: the file `secret.key` in `--data-dir`, created on first start. Instances that
    /// share a PostgreSQL database need the same key.
    #[arg(long, env = "POSTSALE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// The base URL that sales channels use to reach this service, used to print webhook URLs,
    /// such as `https://hooks.example.com`. Default: `http://` and the `--listen` address.
    #[arg(long, env = "POSTSALE_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// Time limits on reading requests, for every route.
#[derive(Args, Clone, Debug)]
pub struct HttpConfig {
    /// Seconds a client has to send a request's headers. A connection that has not sent them
    /// by then is closed without a response, and so is a kept-alive connection idle that long.
    #[arg(
        long,
        env = "POSTSALE_HEADER_READ_TIMEOUT",
        default_value = "30",
        value_parser = parse_seconds
    )]
    pub header_read_timeout: Duration,

    /// Seconds a client has to send a whole request body, counted from the end of its headers.
    /// A body still arriving then gets 408 Request Timeout.
    #[arg(
        long,
        env = "POSTSALE_BODY_READ_TIMEOUT",
        default_value = "60",
        value_parser = parse_seconds
    )]
    pub body_read_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
        }
    }
}

/// Reads a positive number of seconds, such as `10` or `2.5`.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let invalid =
        || format!("invalid number of seconds {text:?}: give a number above 0, such as 10");
    let seconds: f64 = text.trim().parse().map_err(|_| invalid())?;
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(invalid());
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| invalid())
}

/// Limits and network settings of `POST /hooks/{token}`.
#[derive(Args, Clone, Debug)]
pub struct IngressConfig {
    /// Largest accepted request body in bytes, before and after `Content-Encoding` is undone.
    /// Larger bodies get 413.
    #[arg(long, env = "POSTSALE_MAX_BODY_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Address or CIDR range of a reverse proxy whose `X-Forwarded-For` is trusted; repeat
    /// the flag or separate values with commas. Without it the client address is the TCP peer.
    #[arg(
        long = "trusted-proxy",
        env = "POSTSALE_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<postsale_core::verify::IpRange>,

    /// Requests per minute accepted for one webhook unless the webhook sets its own limit;
    /// more get 429 with `Retry-After`. Requests that pass the webhook's checks and requests
    /// that fail them are counted apart, each against this limit. 0 turns the default limit
    /// off.
    #[arg(long, env = "POSTSALE_RATE_LIMIT_PER_MINUTE", default_value_t = 12_000)]
    pub rate_limit_per_minute: u32,

    /// Short records of rejected requests kept per webhook; older ones are deleted.
    #[arg(
        long,
        env = "POSTSALE_REJECTED_RECORDS_PER_WEBHOOK",
        default_value_t = 1_000
    )]
    pub rejected_records_per_webhook: u32,

    /// WooCommerce pings (`webhook_id=N` bodies) kept per webhook; older ones are deleted.
    /// Pings are accepted without security checks, so anyone with the URL can send them. At
    /// least 1, so that the ping just acknowledged with 200 is always kept.
    #[arg(
        long,
        env = "POSTSALE_PINGS_PER_WEBHOOK",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub pings_per_webhook: u32,
}

impl Default for IngressConfig {
    fn default() -> Self {
        IngressConfig {
            max_body_bytes: 10 * 1024 * 1024,
            trusted_proxies: Vec::new(),
            rate_limit_per_minute: 12_000,
            rejected_records_per_webhook: 1_000,
            pings_per_webhook: 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_whole_and_fractional() {
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("0.5"), Ok(Duration::from_millis(500)));
    }

    #[test]
    fn seconds_reject_zero_and_text() {
        for text in ["0", "-1", "ten", "inf", ""] {
            let error = parse_seconds(text).unwrap_err();
            assert!(error.contains("give a number above 0"), "{text}: {error}");
        }
    }
}
