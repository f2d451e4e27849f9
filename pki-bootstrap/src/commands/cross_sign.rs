//! `cross-sign`: issue a cross-certificate for an existing CA (e.g. a new root during a
//! rollover) so what it signed also chains to this CA.

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::ops::{self, CrossSignOptions};

use super::{display, offline_check, print_outcome, recover_first, signer};
use crate::cli::CrossSignArgs;

pub(crate) fn run(a: &CrossSignArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    let out_dir = a.out.parent().filter(|p| !p.as_os_str().is_empty());
    recover_first(&[&a.signer.ca, out_dir.unwrap_or(std::path::Path::new("."))])?;
    let outcome = ops::cross_sign(&CrossSignOptions {
        signer: signer(&a.signer)?,
        cert: a.cert.clone(),
        out: a.out.clone(),
        days: a.days,
        path_len: (!a.unlimited_path_len).then_some(a.path_len),
        force: a.safety.force,
        truncate_validity: a.truncate_validity,
        extensions: a
            .ext
            .spec()
            .check(&format!("cross-certificate {}", display(&a.out)), true)?,
    })?;
    print_outcome(
        &format!("Cross-signed {} into {}", display(&a.cert), display(&a.out)),
        &outcome,
    );
    Ok(ExitCode::SUCCESS)
}
