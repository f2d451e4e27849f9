//! `root`: a self-signed root CA in a new CA directory.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::ops::{self, RootOptions};

use super::{display, new_key_protection, offline_check, print_outcome};
use crate::cli::RootArgs;

pub(crate) fn run(a: &RootArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    let protection =
        new_key_protection(&a.key, &format!("new root CA key in {}", display(&a.out)))?;
    let outcome = ops::root(&RootOptions {
        out: a.out.clone(),
        subject: a.subject.clone(),
        key_type: a.key.key_type,
        days: a.days,
        path_len: a.path_len,
        protection,
        force: a.safety.force,
    })?;
    print_outcome(&format!("Created root CA in {}", display(&a.out)), &outcome);
    Ok(ExitCode::SUCCESS)
}
