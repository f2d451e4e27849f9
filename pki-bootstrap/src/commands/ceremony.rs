//! `ceremony`: a whole hierarchy from one reviewed TOML file, or with `--dry-run` the exact list
//! of what would be created.

use std::process::ExitCode;

use anyhow::{Result, bail};
use pki_bootstrap::secret::Passphrase;
use pki_bootstrap::{ceremony, journal};

use super::{offline_check, print_outcome};
use crate::cli::CeremonyArgs;

pub(crate) fn run(a: &CeremonyArgs) -> Result<ExitCode> {
    let mut config = ceremony::load(&a.config)?;
    if a.pkcs11_module.is_some() {
        config.pkcs11_module.clone_from(&a.pkcs11_module);
    }
    if a.dry_run {
        if let Some(what) = journal::pending(&a.out) {
            bail!(
                "{}: {what}; a real run (or `pki-bootstrap recover {}`) finishes it first",
                a.out.display(),
                a.out.display()
            );
        }
    } else {
        for note in journal::recover(&a.out)? {
            eprintln!("note: {note}");
        }
    }
    let plan = ceremony::plan(&config, &a.config, &a.out, a.safety.force)?;
    if a.dry_run {
        print!("{}", ceremony::describe(&config, &plan));
        return Ok(ExitCode::SUCCESS);
    }
    offline_check(&a.safety.offline)?;
    let from_file = a
        .passphrase_file
        .as_deref()
        .map(Passphrase::from_file)
        .transpose()?;
    if let Some(p) = &from_file {
        p.check_new()?;
    }
    let mut passphrase = |what: &str, new: bool| match &from_file {
        Some(p) => Ok(p.clone()),
        None => Passphrase::prompt(what, new),
    };
    let pin_file = a
        .pin_file
        .as_deref()
        .map(Passphrase::from_file)
        .transpose()?;
    let mut pin = |token: &str| match &pin_file {
        Some(p) => Ok(p.clone()),
        None => Passphrase::prompt(&format!("PIN of token \"{token}\""), false),
    };
    let mut progress = |title: &str, outcome: &pki_bootstrap::ops::Outcome| {
        print_outcome(&format!("Ceremony step: {title}"), outcome);
    };
    ceremony::run(
        &config,
        &a.config,
        &a.out,
        &plan,
        a.safety.force,
        ceremony::Secrets {
            passphrase: &mut passphrase,
            pin: &mut pin,
        },
        &mut progress,
    )?;
    println!(
        "Ceremony complete in {}; run `pki-bootstrap verify` on each directory.",
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
