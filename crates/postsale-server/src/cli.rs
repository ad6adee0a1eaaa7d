//! The command line: `serve`, `account`, `api-key`, `user` and the others.

use anyhow::Context;
use clap::{Parser, Subcommand};
use postsale_core::{AccountId, ApiKeyId, Plan};
use postsale_store::accounts::{self, NewAccount};
use postsale_store::{Database, api_keys};

use crate::config::{DatabaseArgs, ServeConfig};
use crate::telemetry::LogFormat;

/// postsale imports orders from online sales channels through webhooks.
#[derive(Parser, Debug)]
#[command(name = "postsale", version, about)]
pub struct Cli {
    /// Format of log lines on standard error.
    #[arg(
        long,
        env = "POSTSALE_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: LogFormat,

    /// Log filter in `RUST_LOG` syntax, such as `info` or `info,postsale_server=debug`.
    #[arg(long, env = "POSTSALE_LOG", default_value = "info", global = true)]
    pub log_level: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP service: webhook ingress, the REST API and the web UI.
    Serve(ServeConfig),
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage API keys.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// Manage users who sign in to the web UI.
    #[command(subcommand)]
    User(crate::user_cli::UserCommand),
    /// Print the OpenAPI document of the REST API.
    Openapi,
    /// Run kept requests of a store through its current map again.
    Replay(crate::replay_cli::ReplayArgs),
    /// Sign a body file as a sales channel would and post it to a webhook URL.
    SendTest(crate::send_test::SendTestArgs),
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Create an account and print its id and a new API key, which is shown only once.
    Create {
        /// The account's name, such as the business it belongs to.
        #[arg(long)]
        name: String,
        /// Billing plan: starter, grow or soar. Webhooks need soar.
        #[arg(long)]
        plan: Plan,
        /// The account's contact email.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Move an account to another billing plan. A running server applies it within a second:
    /// off soar, its webhooks respond with 402.
    SetPlan {
        /// The account id, as `account create` prints it.
        #[arg(long)]
        account: AccountId,
        /// Billing plan: starter, grow or soar. Webhooks need soar.
        #[arg(long)]
        plan: Plan,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum ApiKeyCommand {
    /// Create an API key for an account and print it once.
    Create {
        /// The account id, as `account create` prints it.
        #[arg(long)]
        account: AccountId,
        /// A note to tell keys apart, such as the client that uses it.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List an account's API keys by prefix and creation time.
    List {
        /// The account id, as `account create` prints it.
        #[arg(long)]
        account: AccountId,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke an API key so it no longer authenticates.
    Revoke {
        /// The account id, as `account create` prints it.
        #[arg(long)]
        account: AccountId,
        /// The key's id, as `api-key list` prints it.
        #[arg(long)]
        key: ApiKeyId,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Runs one command to completion.
pub async fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => crate::app::serve_from_config(config).await,
        Command::Account(command) => account(command).await,
        Command::ApiKey(command) => api_key(command).await,
        Command::User(command) => crate::user_cli::run(command).await,
        Command::Replay(args) => crate::replay_cli::run(args).await,
        Command::Openapi => print_document(&crate::api::openapi_json()),
        Command::SendTest(args) => crate::send_test::run(args).await,
    }
}

/// Opens the configured database and applies pending migrations.
pub async fn open_database(args: &DatabaseArgs) -> anyhow::Result<Database> {
    let db = match &args.database_url {
        Some(url) => Database::connect(url).await,
        None => Database::open_data_dir(&args.data_dir).await,
    }
    .context("cannot open the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(db)
}

async fn account(command: AccountCommand) -> anyhow::Result<()> {
    match command {
        AccountCommand::Create {
            name,
            plan,
            email,
            database,
        } => create_account(name, plan, email, &database).await,
        AccountCommand::SetPlan {
            account,
            plan,
            database,
        } => {
            let db = open_database(&database).await?;
            let before = accounts::get(&db, account).await?.with_context(|| {
                format!("account {account} not found: check the id that `account create` printed")
            })?;
            accounts::set_plan(&db, account, plan).await?;
            println!("account {account}: plan {} -> {plan}", before.plan);
            if !plan.allows_webhooks() {
                println!("Its webhooks now respond with 402 until the account is on soar again.");
            }
            Ok(())
        }
    }
}

async fn create_account(
    name: String,
    plan: Plan,
    email: String,
    database: &DatabaseArgs,
) -> anyhow::Result<()> {
    let name = required_text("--name", &name)?;
    let email = required_text("--email", &email)?;
    if !email.contains('@') {
        anyhow::bail!("invalid --email {email:?}: give an address such as ops@example.com");
    }

    let db = open_database(database).await?;
    let account = accounts::create(&db, &NewAccount { name, plan, email }).await?;
    let key = api_keys::create(&db, account.id, Some("created with the account")).await?;
    println!("account id: {}", account.id);
    println!("plan:       {}", account.plan);
    println!("api key:    {}", key.plaintext);
    println!("The API key is shown only this once. Send it as `Authorization: Bearer <key>`.");
    Ok(())
}

async fn api_key(command: ApiKeyCommand) -> anyhow::Result<()> {
    match command {
        ApiKeyCommand::Create {
            account,
            label,
            database,
        } => {
            let db = open_database(&database).await?;
            require_account(&db, account).await?;
            let key = api_keys::create(&db, account, label.as_deref()).await?;
            println!("key id:  {}", key.key.id);
            println!("api key: {}", key.plaintext);
            println!("The API key is shown only this once.");
        }
        ApiKeyCommand::List { account, database } => {
            let db = open_database(&database).await?;
            require_account(&db, account).await?;
            println!(
                "{:<8} {:<14} {:<23} {:<8} label",
                "id", "prefix", "created", "state"
            );
            for key in api_keys::list(&db, account).await? {
                let state = if key.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                // Formatted to strings first: the ids' and times' own formatting ignores width.
                let created = crate::web::layout::format_time(key.created_at);
                let label = key.label.unwrap_or_default();
                println!(
                    "{:<8} {:<14} {:<23} {:<8} {label}",
                    key.id.to_string(),
                    key.prefix,
                    created,
                    state
                );
            }
        }
        ApiKeyCommand::Revoke {
            account,
            key,
            database,
        } => {
            let db = open_database(&database).await?;
            if !api_keys::revoke(&db, account, key).await? {
                anyhow::bail!(
                    "account {account} has no active API key with id {key}: \
                     run `postsale api-key list --account {account}` to see its keys"
                );
            }
            println!("revoked API key {key}");
        }
    }
    Ok(())
}

/// Fails with a message that names the account when it does not exist.
pub(crate) async fn require_account(db: &Database, account: AccountId) -> anyhow::Result<()> {
    if accounts::get(db, account).await?.is_none() {
        anyhow::bail!("account {account} not found: check the id that `account create` printed");
    }
    Ok(())
}

fn required_text(flag: &str, value: &str) -> anyhow::Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        anyhow::bail!("{flag} is empty: give a value");
    }
    Ok(trimmed.to_owned())
}

/// Prints a document on standard output. A reader that stops early, such as `head`, closes the
/// pipe; that ends the output without an error, where `println!` would panic.
fn print_document(document: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(document.as_bytes())
        .and_then(|()| stdout.write_all(b"\n"))
        .and_then(|()| stdout.flush());
    match written {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(error).context("cannot write the document to standard output"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn zero_pings_per_webhook_is_refused() {
        let error = Cli::try_parse_from(["postsale", "serve", "--pings-per-webhook", "0"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("--pings-per-webhook"), "{error}");
        assert!(error.contains("0 is not in 1.."), "{error}");

        let parsed = Cli::try_parse_from(["postsale", "serve", "--pings-per-webhook", "1"]);
        assert!(parsed.is_ok());
    }
}
