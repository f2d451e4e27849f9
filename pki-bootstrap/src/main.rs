//! `pki-bootstrap`: the command-line front end of the ceremony library. Parses arguments, runs
//! the command, prints the error chain once, and exits with a documented code:
//! 0 success, 1 failure (nothing or only complete files written), 2 usage error,
//! 3 `verify` found a failing check.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("pki-bootstrap: {err:#}");
            ExitCode::from(1)
        }
    }
}
