//! `cross-sign`: issue a cross-certificate for an existing CA (e.g. a new root during a
//! rollover) so what it signed also chains to this CA.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::ops::{self, CrossSignOptions, Issue};

use super::{display, offline_check, print_outcome, recover_first, signer};
use crate::cli::CrossSignArgs;

pub(crate) fn run(a: &CrossSignArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    recover_first(&[&a.signer.ca, pki_bootstrap::fsio::parent_dir(&a.out)])?;
    let outcome = ops::cross_sign(&CrossSignOptions {
        cert: a.cert.clone(),
        issue: Issue {
            signer: signer(&a.signer)?,
            out: a.out.clone(),
            days: a.ca_cert.days,
            path_len: a.ca_cert.path_len(),
            force: a.safety.force,
            truncate_validity: a.ca_cert.truncate_validity,
            extensions: a
                .ext
                .spec()
                .check(&format!("cross-certificate {}", display(&a.out)), true)?,
        },
    })?;
    print_outcome(
        &format!("Cross-signed {} into {}", display(&a.cert), display(&a.out)),
        &outcome,
    );
    Ok(ExitCode::SUCCESS)
}
