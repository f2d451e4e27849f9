//! `server-cert`: the OpenBao/Vault listener certificate (serverAuth + clientAuth so the same
//! certificate joins the Raft cluster).

use std::process::ExitCode;

use anyhow::Result;
use pki_bootstrap::ops::{self, ServerOptions};

use super::{display, offline_check, print_outcome, recover_first, signer};
use crate::cli::ServerCertArgs;

pub(crate) fn run(a: &ServerCertArgs) -> Result<ExitCode> {
    offline_check(&a.safety.offline)?;
    recover_first(&[&a.out, &a.signer.ca])?;
    let outcome = ops::server_cert(&ServerOptions {
        extensions: a
            .ext
            .spec()
            .check(&format!("server certificate {}", a.out.display()), false)?,
        signer: signer(&a.signer)?,
        out: a.out.clone(),
        dns: a.dns.clone(),
        ip: a.ip.clone(),
        subject: a.subject.clone(),
        key_type: a.key_type,
        days: a.days,
        force: a.safety.force,
        truncate_validity: a.truncate_validity,
    })?;
    print_outcome(
        &format!("Created server certificate in {}", display(&a.out)),
        &outcome,
    );
    Ok(ExitCode::SUCCESS)
}
