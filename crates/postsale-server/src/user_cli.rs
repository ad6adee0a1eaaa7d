//! `postsale user create`: adds a user who signs in to the web UI.
//!
//! The password never appears on the command line, where other users of the machine could see
//! it in the process list. It is read from a prompt without echo, or from the first line of
//! standard input when that is not a terminal.

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::Subcommand;
use postsale_core::AccountId;
use postsale_store::{StoreError, users};

use crate::config::DatabaseArgs;
use crate::web::password;

/// The commands of `postsale user`.
#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user of an account. The password is read from a prompt without echo, or from
    /// the first line of standard input when it is not a terminal.
    Create {
        /// The account id, as `account create` prints it.
        #[arg(long)]
        account: AccountId,
        /// The email the user signs in with; unique across all accounts.
        #[arg(long)]
        email: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Runs one `user` command.
pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Create {
        account,
        email,
        database,
    } = command;
    let email = users::normalize_email(&email);
    let looks_valid = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if !looks_valid {
        anyhow::bail!("invalid --email {email:?}: give an address such as ops@example.com");
    }

    let db = crate::cli::open_database(&database).await?;
    crate::cli::require_account(&db, account).await?;
    let password = read_password()?;
    password::check_new_password(&password).map_err(|message| anyhow::anyhow!("{message}"))?;
    let hash = tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .context("the password hashing task failed")??;

    let user = match users::create(&db, account, &email, &hash).await {
        Ok(user) => user,
        Err(StoreError::Conflict(message)) => {
            anyhow::bail!("{message}: choose another email")
        }
        Err(error) => return Err(error.into()),
    };
    println!("user id: {}", user.id);
    println!("email:   {}", user.email);
    println!("Sign in at /sign-in of the web UI with this email and the password.");
    Ok(())
}

/// Reads the password: twice from a prompt on a terminal, or the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let password =
            rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let again = rpassword::prompt_password("Repeat the password: ")
            .context("cannot read the password")?;
        if password != again {
            anyhow::bail!("the two passwords differ: run the command again");
        }
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        anyhow::bail!(
            "no password on standard input: pipe it as the first line, or run the command in a \
             terminal to be prompted"
        );
    }
    Ok(password)
}
