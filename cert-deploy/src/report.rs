//! What a run tells the outside world: one JSON summary line on stdout, and a Prometheus
//! textfile (node_exporter's textfile collector) with each certificate's expiry and the last
//! run's result, written atomically. The last-success timestamp is carried over from the previous
//! textfile when a run fails, so "no success for two days" can be alerted on.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::exit::{ExitStage as _, Failure};
use crate::inspect::Reason;

/// The one-line JSON summary.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// `success`, `failure`, or `pending` (`check` found work).
    pub outcome: &'static str,
    /// `run`, `check` or `recover`.
    pub command: &'static str,
    /// Process exit code.
    pub exit_code: u8,
    /// Stage of the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<&'static str>,
    /// The error chain of the failure, one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// One entry per certificate, in file order.
    pub certs: Vec<CertReport>,
    /// Units reloaded or restarted (`reload nginx.service`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Commands run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// Wall time of the run.
    pub duration_seconds: f64,
}

/// What happened to one certificate.
#[derive(Debug, Default, Serialize)]
pub struct CertReport {
    /// The common name.
    pub name: String,
    /// `unchanged`, `issued`, `would_issue`, `metadata_fixed`, `rolled_back`, `failed`.
    pub action: &'static str,
    /// Why it was (or would be) issued.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    /// Serial of the certificate deployed at the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Its expiry, Unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<i64>,
    /// The failure, when `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Summary {
    /// Fills outcome, stage, error and exit code.
    pub fn conclude(&mut self, result: &Result<(), Failure>, seconds: f64) {
        self.duration_seconds = (seconds * 1000.0).round() / 1000.0;
        match result {
            Ok(()) => self.outcome = "success",
            Err(f) => {
                self.outcome = if f.stage == crate::exit::Stage::Pending {
                    "pending"
                } else {
                    "failure"
                };
                self.exit_code = f.stage.exit_code();
                self.stage = Some(f.stage.as_str());
                self.error = Some(format!("{:#}", f.error));
            }
        }
    }

    /// Prints the summary as one JSON line on stdout.
    pub fn print(&self) {
        if let Ok(line) = serde_json::to_string(self) {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
    }
}

/// The textfile's text. `previous_success` is carried over when this run failed.
pub fn render_metrics(summary: &Summary, now: i64, previous_success: Option<i64>) -> String {
    let ok = summary.outcome == "success";
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: &[(String, i64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let expiries: Vec<(String, i64)> = summary
        .certs
        .iter()
        .filter_map(|c| {
            c.not_after
                .map(|t| (format!("{{name=\"{}\"}}", escape(&c.name)), t))
        })
        .collect();
    family(
        "cert_deploy_certificate_expiry_timestamp_seconds",
        "When the deployed certificate expires.",
        &expiries,
    );
    let issued = summary
        .certs
        .iter()
        .filter(|c| c.action == "issued")
        .count();
    family(
        "cert_deploy_last_run_issued_certificates",
        "Certificates issued and deployed by the last run.",
        &[(String::new(), i64::try_from(issued).unwrap_or(i64::MAX))],
    );
    family(
        "cert_deploy_last_run_timestamp_seconds",
        "When the last run ended.",
        &[(String::new(), now)],
    );
    family(
        "cert_deploy_last_run_success",
        "1 if the last run succeeded, 0 otherwise.",
        &[(String::new(), i64::from(ok))],
    );
    family(
        "cert_deploy_last_run_exit_code",
        "Exit code of the last run (see the README).",
        &[(String::new(), i64::from(summary.exit_code))],
    );
    if let Some(t) = if ok { Some(now) } else { previous_success } {
        family(
            "cert_deploy_last_success_timestamp_seconds",
            "When the last successful run ended.",
            &[(String::new(), t)],
        );
    }
    out
}

/// The last-success timestamp of a previous textfile.
pub fn previous_success(path: &Path) -> Option<i64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("cert_deploy_last_success_timestamp_seconds "))
        .and_then(|v| v.trim().parse().ok())
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Stage;

    #[test]
    fn a_failed_run_keeps_the_last_success_and_each_expiry() {
        let mut s = Summary {
            command: "run",
            certs: vec![CertReport {
                name: "web.example".into(),
                action: "failed",
                not_after: Some(1_900_000_000),
                ..CertReport::default()
            }],
            ..Summary::default()
        };
        s.conclude(&Err(Failure::new(Stage::Reload, "nginx")), 1.0);
        let text = render_metrics(&s, 1_800_000_000, Some(1_700_000_000));
        assert!(text.contains(
            "cert_deploy_certificate_expiry_timestamp_seconds{name=\"web.example\"} 1900000000\n"
        ));
        assert!(text.contains("cert_deploy_last_run_success 0\n"));
        assert!(text.contains("cert_deploy_last_run_exit_code 7\n"));
        assert!(text.contains("cert_deploy_last_success_timestamp_seconds 1700000000\n"));
    }
}
