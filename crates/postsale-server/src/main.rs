//! The `postsale` command: parses the command line, sets up logging and runs the command.

use clap::Parser;
use postsale_server::cli::Cli;

/// mimalloc instead of the system allocator: under load at webhook URLs, glibc's malloc and
/// free took about a sixth of the server's CPU time (BENCHMARKS.md, webhook ingest).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    postsale_server::telemetry::init(cli.log_format, &cli.log_level)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(postsale_server::cli::execute(cli))
}
