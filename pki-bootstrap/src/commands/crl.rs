//! `crl`: record revocations in the CA directory and write its signed CRL.

use std::process::ExitCode;

use anyhow::{Result, bail};
use pki_bootstrap::crl::Reason;
use pki_bootstrap::ops::{self, CrlOptions};

use super::{display, offline_check, print_outcome, recover_first, signer};
use crate::cli::CrlArgs;

pub(crate) fn run(a: &CrlArgs) -> Result<ExitCode> {
    offline_check(&a.offline)?;
    recover_first(&[&a.signer.ca])?;
    let reasons: Vec<Reason> = match a.reason.len() {
        0 => vec![Reason(rcgen::RevocationReason::Unspecified); a.revoke.len()],
        1 => vec![a.reason[0]; a.revoke.len()],
        n if n == a.revoke.len() => a.reason.clone(),
        n => bail!(
            "{n} --reason values for {} --revoke values; give one, or one per serial",
            a.revoke.len()
        ),
    };
    let revoke = a.revoke.iter().cloned().zip(reasons).collect();
    let (outcome, number) = ops::crl(&CrlOptions {
        signer: signer(&a.signer)?,
        revoke,
        next_update: a.next_update,
    })?;
    print_outcome(
        &format!("Wrote CRL number {number} for {}", display(&a.signer.ca)),
        &outcome,
    );
    Ok(ExitCode::SUCCESS)
}
