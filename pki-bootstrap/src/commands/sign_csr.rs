//! `sign-csr`: sign a CSR brought in on removable media under a fixed profile.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::ops::{self, Issue, SignCsrOptions};

use super::{display, offline_check, print_outcome, recover_first, signer};
use crate::cli::SignCsrArgs;

pub(crate) fn run(a: &SignCsrArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    recover_first(&[&a.signer.ca, pki_bootstrap::fsio::parent_dir(&a.out)])?;
    let days = a.days.unwrap_or(a.profile.default_days());
    let outcome = ops::sign_csr(&SignCsrOptions {
        csr: a.csr.clone(),
        profile: a.profile,
        issue: Issue {
            extensions: a.ext.spec().check(
                &format!("CSR {}", a.csr.display()),
                a.profile == pki_bootstrap::csr::Profile::Intermediate,
            )?,
            signer: signer(&a.signer)?,
            out: a.out.clone(),
            days,
            path_len: Some(a.path_len),
            force: a.safety.force,
            truncate_validity: a.truncate_validity,
        },
    })?;
    print_outcome(
        &format!(
            "Signed {} with profile {} into {}",
            display(&a.csr),
            a.profile,
            display(&a.out)
        ),
        &outcome,
    );
    Ok(ExitCode::SUCCESS)
}
