//! `verify`: one PASS/FAIL line per check; exit code 3 when any check fails.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::secret::Passphrase;

use crate::cli::VerifyArgs;

pub(crate) fn run(a: &VerifyArgs) -> Result<ExitCode> {
    let pass = a
        .passphrase_file
        .as_deref()
        .map(Passphrase::from_file)
        .transpose()?;
    let checks = pki_bootstrap::verify::paths(&a.paths, pass.as_ref());
    let failed = checks.iter().filter(|c| !c.ok).count();
    for c in &checks {
        println!("{c}");
    }
    if failed > 0 {
        println!("{failed} of {} checks failed", checks.len());
        return Ok(ExitCode::from(3));
    }
    println!("all {} checks passed", checks.len());
    Ok(ExitCode::SUCCESS)
}
