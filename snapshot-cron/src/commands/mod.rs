//! One module per subcommand; [`dispatch`] runs the parsed command and returns the exit code.

pub mod list;
pub mod restore;
pub mod run;
pub mod verify;

use crate::cli::{Cli, Command};
use crate::exit::Failure;

/// Runs the command; the error, if any, carries its stage (and so its exit code).
pub async fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Verify(args) => verify::verify(&args).await,
        Command::List(args) => list::list(&args).await,
        Command::Restore(args) => restore::restore(&args).await,
    }
}
