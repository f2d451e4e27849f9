//! `cert-deploy`: parse arguments, run the command, print the error once, exit with its
//! documented code (see README.md).

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = cert_deploy::cli::Cli::parse();
    cert_deploy::init_logging(cli.log_format);
    // One thread: the job is a handful of sequential requests and file operations, and a
    // single thread keeps its file operations in one well-defined order.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cert-deploy: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    ExitCode::from(runtime.block_on(cert_deploy::main_with(cli)))
}
