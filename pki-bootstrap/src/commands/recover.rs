//! `recover`: finish what an interrupted command left in a directory, without running another
//! command: its transaction is completed (it had committed) or undone (it had not), and its
//! temporaries removed. Every writing command does the same first on the directories it uses.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::journal;

use crate::cli::RecoverArgs;

pub(crate) fn run(a: &RecoverArgs) -> Result<ExitCode> {
    for dir in &a.dirs {
        let notes = journal::recover(dir)?;
        if notes.is_empty() {
            println!("{}: nothing to recover", dir.display());
        }
        for note in notes {
            println!("{note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
