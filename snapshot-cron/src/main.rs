//! `snapshot-cron`: parse arguments, run the command, print the error once, exit with its
//! documented code (see README.md).

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = snapshot_cron::cli::Cli::parse();
    snapshot_cron::init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("snapshot-cron: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    ExitCode::from(runtime.block_on(snapshot_cron::main_with(cli)))
}
