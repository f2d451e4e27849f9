//! `intermediate`: an offline intermediate CA signed by a CA directory.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::ops::{self, IntermediateOptions};

use super::{display, new_key_protection, offline_check, print_outcome, recover_first, signer};
use crate::cli::IntermediateArgs;

pub(crate) fn run(a: &IntermediateArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    recover_first(&[&a.out, &a.signer.ca])?;
    let signer = signer(&a.signer)?;
    let protection = new_key_protection(
        &a.key,
        &format!("new intermediate CA key in {}", display(&a.out)),
    )?;
    let outcome = ops::intermediate(&IntermediateOptions {
        extensions: a
            .ext
            .spec()
            .check(&format!("intermediate {}", a.out.display()), true)?,
        signer,
        out: a.out.clone(),
        subject: a.subject.clone(),
        key_type: a.key.key_type,
        days: a.ca_cert.days,
        path_len: a.ca_cert.path_len(),
        protection,
        force: a.safety.force,
        truncate_validity: a.ca_cert.truncate_validity,
    })?;
    print_outcome(
        &format!("Created intermediate CA in {}", display(&a.out)),
        &outcome,
    );
    Ok(ExitCode::SUCCESS)
}
