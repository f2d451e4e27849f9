//! `cert-deploy run` and `check`: read and check the file, roll back an interrupted deploy
//! (`run` only), log in, then for each certificate read the role's issuer, inspect the deployed
//! files and, when they call for it, issue and deploy; reload what changed; revoke the login;
//! report. `check` stops at the decision and changes nothing (exit 8 when `run` would issue).
//! One certificate failing does not stop the others; the run exits with the first failure's
//! code.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use openssl::x509::X509;
use tracing::{info, warn};
use vaultpki_client::{Client, ServerSettings};

use crate::cli::RunArgs;
use crate::config::{CertSpec, Config};
use crate::deploy::{self, Recovery};
use crate::exit::{Failure, Stage, StageExt as _};
use crate::inspect::{self, Issuer};
use crate::issue;
use crate::reload::{self, Plan};
use crate::report::{self, CertReport, Summary};

/// Whether files may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `run`.
    Deploy,
    /// `check`.
    Check,
}

/// Runs once and reports.
pub async fn run(args: &RunArgs, mode: Mode) -> Result<(), Failure> {
    let started = Instant::now();
    let mut summary = Summary {
        command: match mode {
            Mode::Deploy => "run",
            Mode::Check => "check",
        },
        ..Summary::default()
    };
    let result = run_inner(args, mode, &mut summary).await;
    summary.conclude(&result, started.elapsed().as_secs_f64());
    summary.print();
    if let (Mode::Deploy, Some(path)) = (mode, &args.metrics_file) {
        let now = unix_now();
        let text = report::render_metrics(&summary, now, report::previous_success(path));
        if let Err(e) = deploy::replace_file(path, text.as_bytes(), 0o644) {
            warn!(error = %format!("{e:#}"), "could not write the metrics file");
        }
    }
    result
}

async fn run_inner(args: &RunArgs, mode: Mode, summary: &mut Summary) -> Result<(), Failure> {
    let config = Config::load(&args.config.config).stage(Stage::Config)?;
    for spec in &config.certs {
        deploy::check_dirs(spec).stage(Stage::Config)?;
    }
    let server = ServerSettings {
        addr: config.vault.clone().or_else(|| args.server.addr.clone()),
        ..args.server.settings()
    }
    .config()
    .stage(Stage::Config)?;
    let auth = args.auth.settings().auth().stage(Stage::Config)?;
    if mode == Mode::Deploy {
        for spec in &config.certs {
            if deploy::recover(spec).stage(Stage::Deploy)? == Recovery::RolledBack {
                warn!(cert = %spec.name, "an interrupted deploy was rolled back; the previous files are in place");
            }
        }
    }
    let mut client = Client::new(server).stage(Stage::Config)?;
    if let Err(e) = client.login(&auth).await {
        // The server answered and said no: the credentials are wrong, not the network.
        let stage = if e.is_server_refusal() {
            Stage::Auth
        } else {
            Stage::Server
        };
        return Err(e)
            .with_context(|| format!("{} login failed", auth.method()))
            .stage(stage);
    }
    let outcome = certificates(&client, &config, args, mode, summary).await;
    match client.revoke_login().await {
        Ok(_) => {}
        Err(e) => warn!(error = %e, "could not revoke the login token; it expires with its TTL"),
    }
    outcome
}

async fn certificates(
    client: &Client,
    config: &Config,
    args: &RunArgs,
    mode: Mode,
    summary: &mut Summary,
) -> Result<(), Failure> {
    let mut issuers: BTreeMap<(String, String), Issuer> = BTreeMap::new();
    let mut first_failure: Option<Failure> = None;
    let mut plan = Plan::default();
    for spec in &config.certs {
        let mut report = CertReport {
            name: spec.name.clone(),
            ..CertReport::default()
        };
        match one(client, spec, mode, &mut issuers, &mut report).await {
            Ok(changed) => {
                if changed {
                    plan.add(spec);
                }
            }
            Err(f) => {
                warn!(cert = %spec.name, error = %format!("{:#}", f.error), "certificate failed");
                report.action = "failed";
                report.error = Some(format!("{:#}", f.error));
                first_failure.get_or_insert(f);
            }
        }
        summary.certs.push(report);
    }
    if mode == Mode::Deploy {
        let timeout = Duration::from_secs(args.command_timeout);
        for s in &plan.services {
            let step = reload::run_service(s, timeout).await;
            summary
                .services
                .push(format!("{} {}", s.control.verb(), s.name));
            if let Err(e) = step {
                first_failure.get_or_insert(Failure {
                    stage: Stage::Reload,
                    error: e,
                });
            }
        }
        for c in &plan.commands {
            let step = reload::run_command(c, timeout).await;
            summary.commands.push(c.clone());
            if let Err(e) = step {
                first_failure.get_or_insert(Failure {
                    stage: Stage::Reload,
                    error: e,
                });
            }
        }
    }
    if let Some(f) = first_failure {
        return Err(f);
    }
    let pending: Vec<&str> = summary
        .certs
        .iter()
        .filter(|c| c.action == "would_issue")
        .map(|c| c.name.as_str())
        .collect();
    if !pending.is_empty() {
        return Err(Failure::new(
            Stage::Pending,
            format!("run would issue {}", pending.join(", ")),
        ));
    }
    Ok(())
}

/// Decides and (in `run`) acts for one certificate; true when its files were replaced.
async fn one(
    client: &Client,
    spec: &CertSpec,
    mode: Mode,
    issuers: &mut BTreeMap<(String, String), Issuer>,
    report: &mut CertReport,
) -> Result<bool, Failure> {
    let key = (spec.pki.clone(), spec.role.clone());
    if !issuers.contains_key(&key) {
        let found = issue::role_issuer(client, &spec.pki, &spec.role)
            .await
            .with_context(|| {
                format!(
                    "{}: finding the issuer of {}/roles/{}",
                    spec.name, spec.pki, spec.role
                )
            })
            .stage(Stage::Server)?;
        issuers.insert(key.clone(), found);
    }
    let issuer = issuers
        .get(&key)
        .ok_or_else(|| Failure::new(Stage::Internal, "issuer cache"))?;
    let now = unix_now();
    let seen = inspect::inspect(spec, issuer, now);
    if let Some(d) = &seen.deployed {
        report.serial = Some(d.serial.clone());
        report.not_after = Some(d.not_after);
    }
    if seen.reasons.is_empty() {
        let drifted: Vec<_> = spec
            .targets
            .iter()
            .filter(|t| inspect::metadata_drift(&t.path, t.uid, t.gid, t.mode))
            .collect();
        report.action = "unchanged";
        if !drifted.is_empty() {
            report.action = if mode == Mode::Deploy {
                "metadata_fixed"
            } else {
                "would_fix_metadata"
            };
            if mode == Mode::Deploy {
                for t in drifted {
                    deploy::fix_metadata(t).stage(Stage::Deploy)?;
                    info!(cert = %spec.name, path = %t.path.display(), "owner and mode set");
                }
            }
        }
        info!(cert = %spec.name, "certificate is current");
        return Ok(false);
    }
    report.reasons = seen.reasons;
    if mode == Mode::Check {
        report.action = "would_issue";
        info!(cert = %spec.name, reasons = %serde_json::to_string(&report.reasons).unwrap_or_default(), "run would issue");
        return Ok(false);
    }
    info!(cert = %spec.name, reasons = %serde_json::to_string(&report.reasons).unwrap_or_default(), "issuing");
    let material = issue::issue(client, spec).await.stage(Stage::Server)?;
    let cert = X509::from_pem(material.cert.as_bytes())
        .context("the issued certificate is not PEM")
        .stage(Stage::Server)?;
    deploy::deploy(spec, &material)
        .with_context(|| format!("{}: deploying (the previous files were kept)", spec.name))
        .stage(Stage::Deploy)?;
    report.action = "issued";
    report.serial = Some(inspect::serial_of(&cert));
    report.not_after = Some(inspect::unix_of(cert.not_after(), now));
    info!(cert = %spec.name, serial = report.serial.as_deref().unwrap_or(""), "deployed");
    Ok(true)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
