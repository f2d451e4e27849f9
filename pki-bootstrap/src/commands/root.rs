//! `root`: a self-signed root CA in a new CA directory.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::custody;
use pki_bootstrap::ops::{self, KeyProtection, RootOptions};

use super::{display, new_key_protection, offline_check, print_outcome, recover_first};
use crate::cli::RootArgs;

pub(crate) fn run(a: &RootArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    let mut dirs = vec![a.out.as_path()];
    dirs.extend(a.shares_dir.as_deref());
    recover_first(&dirs)?;
    // Quorum custody: the passphrase is random, kept only to split it once the key exists.
    let shares = a.split_passphrase.zip(a.shares_dir.clone());
    let protection = match &shares {
        Some(_) => KeyProtection::encrypted(custody::new_passphrase()?),
        None => new_key_protection(&a.key, &format!("new root CA key in {}", display(&a.out)))?,
    };
    let mut outcome = ops::root(&RootOptions {
        out: a.out.clone(),
        subject: a.subject.clone(),
        key_type: a.key.key_type,
        days: a.days,
        path_len: a.path_len,
        protection,
        force: a.safety.force,
        shares: shares.clone(),
        extensions: a.ext.spec().check("the root", false)?,
    })?;
    if let Some((split, dir)) = &shares {
        outcome.warnings.push(format!(
            "the key's passphrase exists only as {split} shares in {}: hand one to each \
             custodian and delete the rest from this machine; sign later with --ca-shares",
            display(dir)
        ));
    }
    print_outcome(&format!("Created root CA in {}", display(&a.out)), &outcome);
    Ok(ExitCode::SUCCESS)
}
