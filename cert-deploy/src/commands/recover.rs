//! `cert-deploy recover`: only the rollback half of a run, without the server, for systemd's
//! `ExecStopPost=` (which runs even after the job was killed): an interrupted deploy is undone at
//! once instead of at the next timer run.

use std::time::Instant;

use crate::cli::ConfigArgs;
use crate::config::Config;
use crate::deploy::{self, Recovery};
use crate::exit::{Failure, Stage, StageExt as _};
use crate::report::{CertReport, Summary};

/// Rolls back interrupted deploys of every certificate in the file.
pub fn recover(args: &ConfigArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let mut summary = Summary {
        command: "recover",
        ..Summary::default()
    };
    let result = recover_all(args, &mut summary);
    summary.conclude(&result, started.elapsed().as_secs_f64());
    summary.print();
    result
}

fn recover_all(args: &ConfigArgs, summary: &mut Summary) -> Result<(), Failure> {
    let config = Config::load(&args.config).stage(Stage::Config)?;
    for spec in &config.certs {
        let action = match deploy::recover(spec).stage(Stage::Deploy)? {
            Recovery::RolledBack => {
                tracing::warn!(cert = %spec.name, "an interrupted deploy was rolled back; the previous files are in place");
                "rolled_back"
            }
            Recovery::Tidied | Recovery::Clean => "unchanged",
        };
        summary.certs.push(CertReport {
            name: spec.name.clone(),
            action,
            ..CertReport::default()
        });
    }
    Ok(())
}
