//! `root`: a self-signed root CA in a new CA directory.

use std::process::ExitCode;

use std::path::PathBuf;

use anyhow::Result;
use pki_bootstrap::ca::CaDir;
use pki_bootstrap::ops::{self, KeyProtection, RootOptions};
use pki_bootstrap::{custody, fsio};

use super::{display, new_key_protection, offline_check, print_outcome};
use crate::cli::RootArgs;

pub(crate) fn run(a: &RootArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    // Quorum custody: the passphrase is random, kept only to split it once the key exists.
    let split = match (a.split_passphrase, &a.shares_dir) {
        (Some(split), Some(dir)) => {
            fsio::ensure_absent(
                custody::share_paths(dir, split)
                    .iter()
                    .map(PathBuf::as_path),
                false,
            )?;
            Some((split, dir, custody::new_passphrase()?))
        }
        _ => None,
    };
    let protection = match &split {
        Some((_, _, pass)) => KeyProtection::encrypted(pass.clone()),
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
    })?;
    if let Some((split, dir, pass)) = &split {
        let key = custody::key_fingerprint(&CaDir::open(&a.out)?.cert_der)?;
        let shares = custody::write_shares(dir, *split, pass, &key)?;
        outcome.files.extend(shares);
        outcome.warnings.push(format!(
            "the key's passphrase exists only as {split} shares in {}: hand one to each \
             custodian and delete the rest from this machine; sign later with --ca-shares",
            display(dir)
        ));
    }
    print_outcome(&format!("Created root CA in {}", display(&a.out)), &outcome);
    Ok(ExitCode::SUCCESS)
}
