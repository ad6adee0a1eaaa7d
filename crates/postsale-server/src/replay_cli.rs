//! `postsale replay`: runs kept requests of a store through its current map again, from the
//! command line, with a progress bar.

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use postsale_core::{AccountId, RequestId, StoreId};
use postsale_store::requests::{self, ReplaySelection};
use postsale_store::{Database, stores};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::DatabaseArgs;
use crate::worker::{self, Outcome};

/// Options of `postsale replay`. Choose exactly one of `--request`, `--failed` and `--since`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The account id, as `account create` prints it.
    #[arg(long)]
    pub account: AccountId,
    /// The store whose requests are replayed, by its id in the API.
    #[arg(long)]
    pub store: StoreId,
    /// A request id to replay; repeat the flag for several.
    #[arg(long = "request")]
    pub requests: Vec<RequestId>,
    /// Replay every request whose last import failed.
    #[arg(long)]
    pub failed: bool,
    /// Replay every request received at or after this RFC 3339 instant.
    #[arg(long)]
    pub since: Option<String>,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

/// Counts of what a replay did.
#[derive(Debug, Default)]
struct Counts {
    created: usize,
    updated: usize,
    unchanged: usize,
    skipped: usize,
    failed: usize,
}

/// Runs the replay and prints the counts.
pub async fn run(args: ReplayArgs) -> anyhow::Result<()> {
    let chosen = [!args.requests.is_empty(), args.failed, args.since.is_some()];
    if chosen.iter().filter(|set| **set).count() != 1 {
        anyhow::bail!("choose exactly one of --request ID, --failed or --since INSTANT");
    }
    // Read before the database is opened, so that a mistyped instant is reported at once.
    let since = args
        .since
        .as_deref()
        .map(|text| {
            // The parse error's source repeats its own message, so only the message is kept.
            OffsetDateTime::parse(text, &Rfc3339).map_err(|error| {
                anyhow::anyhow!(
                    "invalid --since {text:?} ({error}): use an RFC 3339 instant such as \
                     2025-01-24T04:10:16Z"
                )
            })
        })
        .transpose()?;
    let db = crate::cli::open_database(&args.database).await?;
    if stores::get(&db, args.account, args.store).await?.is_none() {
        anyhow::bail!(
            "account {} has no store {}: check both ids with the API",
            args.account,
            args.store
        );
    }
    let ids = if !args.requests.is_empty() {
        named_requests(&db, &args).await?
    } else if let Some(since) = since {
        requests::ids_for_replay(&db, args.account, args.store, ReplaySelection::Since(since))
            .await?
    } else {
        requests::ids_for_replay(&db, args.account, args.store, ReplaySelection::Failed).await?
    };

    let bar = ProgressBar::new(ids.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} requests, {per_sec}, {eta} left")
            .context("progress bar template")?,
    );
    let mut counts = Counts::default();
    let record = |outcomes: &[(RequestId, Outcome)], settled: usize| {
        for (_, outcome) in outcomes {
            count(&mut counts, outcome);
        }
        bar.inc(settled as u64);
    };
    worker::replay(&db, args.account, &ids, "replay-cli", record).await?;
    bar.finish();
    // Counted from the outcomes, so a request deleted after the ids were listed is not counted.
    let replayed =
        counts.created + counts.updated + counts.unchanged + counts.skipped + counts.failed;
    println!(
        "replayed {replayed}: {} created, {} updated, {} unchanged, {} skipped, {} failed",
        counts.created, counts.updated, counts.unchanged, counts.skipped, counts.failed
    );
    Ok(())
}

/// Checks the `--request` ids: every one must be an importable request of the store, or the
/// command replays nothing and names the ids that are not.
async fn named_requests(db: &Database, args: &ReplayArgs) -> anyhow::Result<Vec<RequestId>> {
    let named = requests::check_named(db, args.account, args.store, &args.requests).await?;
    let list = |ids: &[RequestId]| -> String {
        let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
        texts.join(", ")
    };
    if !named.not_found.is_empty() {
        anyhow::bail!(
            "request ids not found in store {} of account {}: {}; nothing was replayed",
            args.store,
            args.account,
            list(&named.not_found)
        );
    }
    if !named.not_importable.is_empty() {
        anyhow::bail!(
            "requests {} cannot be imported: they were rejected or their body is not JSON; \
             nothing was replayed, so leave them out",
            list(&named.not_importable)
        );
    }
    Ok(named.importable)
}

fn count(counts: &mut Counts, outcome: &Outcome) {
    match outcome {
        Outcome::Created(..) => counts.created += 1,
        Outcome::Updated(..) => counts.updated += 1,
        Outcome::Unchanged(..) => counts.unchanged += 1,
        Outcome::Skipped { .. } => counts.skipped += 1,
        Outcome::Failed { .. } => counts.failed += 1,
    }
}
