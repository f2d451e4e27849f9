//! One module per subcommand; [`dispatch`] runs the parsed command.

pub mod recover;
pub mod run;

use crate::cli::{Cli, Command};
use crate::exit::Failure;

/// Runs the command; the error, if any, carries its stage (and so its exit code).
pub async fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run::run(&args, run::Mode::Deploy).await,
        Command::Check(args) => run::run(&args, run::Mode::Check).await,
        Command::Recover(args) => recover::recover(&args),
    }
}
