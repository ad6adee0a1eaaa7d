//! Logging set-up: `tracing` to standard error as text or JSON lines.

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing_subscriber::EnvFilter;

/// The format of log lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the global subscriber. `filter` uses the `RUST_LOG` syntax, such as
/// `info,postsale_server=debug`.
pub fn init(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter = log_filter(filter)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    result.map_err(|error| anyhow::anyhow!("cannot install the logger: {error}"))
}

/// Builds the filter of `text`. sqlx logs PostgreSQL's notices at info, such as the one that
/// the migrations' `CREATE TABLE IF NOT EXISTS` sends on every start. Unless the filter names
/// sqlx itself, they are logged only from warn up.
fn log_filter(text: &str) -> anyhow::Result<EnvFilter> {
    let filter = EnvFilter::try_new(text)
        .map_err(|error| anyhow::anyhow!("invalid log filter {text:?}: {error}"))?;
    if text.contains("sqlx") {
        return Ok(filter);
    }
    let quiet_notices = "sqlx::postgres::notice=warn"
        .parse()
        .map_err(|error| anyhow::anyhow!("invalid log directive: {error}"))?;
    Ok(filter.add_directive(quiet_notices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_notices_quiet_by_default() {
        let default = log_filter("info").unwrap().to_string();
        assert!(default.contains("sqlx::postgres::notice=warn"), "{default}");
        let requested = log_filter("info,sqlx=debug").unwrap().to_string();
        assert!(!requested.contains("notice"), "{requested}");
        let error = log_filter("info,[").unwrap_err().to_string();
        assert!(error.contains("invalid log filter"), "{error}");
    }
}
