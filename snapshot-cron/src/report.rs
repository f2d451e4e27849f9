//! What a run tells the outside world: one JSON summary line on stdout, and Prometheus metrics
//! in a textfile (for node_exporter's textfile collector) and/or pushed to a Pushgateway. The
//! last-success timestamp survives failed runs (carried over from the previous textfile; left in
//! place in the Pushgateway group, which a failed run only updates), so an alert on "no success
//! for 26 hours" works with either reporting path.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use crate::exit::{ExitStage as _, Failure};

/// The one-line JSON summary of a run.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// `success` or `failure`.
    pub outcome: &'static str,
    /// Which command.
    pub command: &'static str,
    /// Stage that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<&'static str>,
    /// The error chain, one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Process exit code.
    pub exit_code: u8,
    /// Bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Object key written or restored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Snapshot size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// SHA-256 of the snapshot file, hex (`restore`, computed from the download).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Composite SHA-256 of the upload parts as S3 records it (`ChecksumSHA256`, base64 and
    /// `-<parts>`), for `run` and for a `restore` of an object that has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum_sha256: Option<String>,
    /// Raft index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Raft term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term: Option<u64>,
    /// Address of the active node used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<String>,
    /// Server version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// Keys deleted by retention.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<String>,
    /// Snapshots kept under the prefix after retention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retained: Option<usize>,
    /// Wall time of the whole run.
    pub duration_seconds: f64,
}

impl Summary {
    /// Fills outcome, stage, error and exit code from the result.
    pub fn conclude(&mut self, result: &Result<(), Failure>, duration_seconds: f64) {
        self.duration_seconds = (duration_seconds * 1000.0).round() / 1000.0;
        match result {
            Ok(()) => {
                self.outcome = "success";
                self.exit_code = 0;
            }
            Err(f) => {
                self.outcome = "failure";
                self.stage = Some(f.stage.as_str());
                self.error = Some(format!("{:#}", f.error));
                self.exit_code = f.stage.exit_code();
            }
        }
    }

    /// Prints the summary as one JSON line on stdout.
    pub fn print(&self) {
        if let Ok(line) = serde_json::to_string(self) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Renders the metrics text. `previous_success` is carried over when this run failed.
pub fn render_metrics(summary: &Summary, now: f64, previous_success: Option<f64>) -> String {
    let success = summary.outcome == "success";
    let last_success = if success { Some(now) } else { previous_success };
    let mut m = String::new();
    let mut gauge = |name: &str, help: &str, value: f64| {
        let _ = writeln!(
            m,
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
        );
    };
    gauge(
        "snapshot_cron_last_run_timestamp_seconds",
        "When the last run ended.",
        now.floor(),
    );
    if let Some(t) = last_success {
        gauge(
            "snapshot_cron_last_success_timestamp_seconds",
            "When the last successful run ended.",
            t.floor(),
        );
    }
    gauge(
        "snapshot_cron_last_run_success",
        "1 if the last run uploaded a verified snapshot, 0 otherwise.",
        if success { 1.0 } else { 0.0 },
    );
    gauge(
        "snapshot_cron_last_run_exit_code",
        "Exit code of the last run (see README).",
        f64::from(summary.exit_code),
    );
    gauge(
        "snapshot_cron_last_run_duration_seconds",
        "Wall time of the last run.",
        summary.duration_seconds,
    );
    if let Some(b) = summary.bytes {
        gauge(
            "snapshot_cron_last_snapshot_bytes",
            "Size of the last snapshot taken.",
            b as f64,
        );
    }
    if let Some(i) = summary.index {
        gauge(
            "snapshot_cron_last_snapshot_raft_index",
            "Raft index of the last snapshot taken.",
            i as f64,
        );
    }
    if let Some(r) = summary.retained {
        gauge(
            "snapshot_cron_retained_snapshots",
            "Snapshots kept under the prefix after retention.",
            r as f64,
        );
    }
    gauge(
        "snapshot_cron_deleted_snapshots",
        "Snapshots deleted by retention in the last run.",
        summary.deleted.len() as f64,
    );
    m
}

/// Reads the last-success timestamp from a previous textfile.
pub fn previous_success(path: &Path) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("snapshot_cron_last_success_timestamp_seconds "))
        .and_then(|v| v.trim().parse().ok())
}

/// Writes the textfile atomically (temp file in the same directory, fsync, rename), so the
/// collector never reads half a file.
pub fn write_metrics_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".snapshot-cron-metrics-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("writing metrics to {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("renaming the metrics file into {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644));
    }
    Ok(())
}

/// Pushes the metrics to a Pushgateway, in the group `job="snapshot-cron"`, `cluster` (so two
/// clusters never replace each other's metrics). A successful run replaces the group (`PUT`); a
/// failed one only replaces the metrics it sends (`POST`), and it sends no last-success
/// timestamp, so the previous success stays in the group for the staleness alert.
pub async fn push_metrics(
    url: &str,
    cluster: &str,
    text: String,
    success: bool,
) -> anyhow::Result<()> {
    let target = pushgateway_group_url(url, cluster);
    let method = if success {
        reqwest::Method::PUT
    } else {
        reqwest::Method::POST
    };
    let resp = reqwest::Client::new()
        .request(method, &target)
        .header(reqwest::header::CONTENT_TYPE, "text/plain; version=0.0.4")
        .body(text)
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await
        .with_context(|| format!("pushing metrics to {target}"))?;
    if !resp.status().is_success() {
        anyhow::bail!("pushing metrics to {target}: HTTP {}", resp.status());
    }
    Ok(())
}

/// `<url>/metrics/job/snapshot-cron/cluster@base64/<cluster>`: the label value in the
/// Pushgateway's URL-safe base64 form, so any value (slashes included) fits in one path segment.
pub fn pushgateway_group_url(url: &str, cluster: &str) -> String {
    use base64::Engine as _;
    let value = if cluster.is_empty() {
        // The Pushgateway's spelling of an empty label value.
        "=".to_owned()
    } else {
        base64::engine::general_purpose::URL_SAFE.encode(cluster)
    };
    format!(
        "{}/metrics/job/snapshot-cron/cluster@base64/{value}",
        url.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Stage;

    #[test]
    fn failed_run_keeps_last_success_and_reports_code() {
        let mut s = Summary {
            command: "run",
            ..Summary::default()
        };
        s.conclude(&Err(Failure::new(Stage::Storage, "bucket gone")), 1.5);
        let text = render_metrics(&s, 2000.0, Some(1000.0));
        assert!(text.contains("snapshot_cron_last_success_timestamp_seconds 1000\n"));
        assert!(text.contains("snapshot_cron_last_run_success 0\n"));
        assert!(text.contains("snapshot_cron_last_run_exit_code 6\n"));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["outcome"], "failure");
        assert_eq!(json["stage"], "storage");
        assert_eq!(json["error"], "bucket gone");
    }

    #[tokio::test]
    async fn pushgateway_receives_the_metrics_with_put() {
        use std::io::{BufRead as _, BufReader, Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut len = 0usize;
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .unwrap();
            (request_line, String::from_utf8(body).unwrap())
        });
        push_metrics(
            &url,
            "vault/prod",
            "snapshot_cron_last_run_success 1\n".into(),
            true,
        )
        .await
        .unwrap();
        let (line, body) = server.join().unwrap();
        assert!(
            line.starts_with("PUT /metrics/job/snapshot-cron/cluster@base64/dmF1bHQvcHJvZA== "),
            "{line}"
        );
        assert_eq!(body, "snapshot_cron_last_run_success 1\n");
    }

    #[test]
    fn textfile_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap.prom");
        let mut s = Summary::default();
        s.conclude(&Ok(()), 3.0);
        write_metrics_file(&path, &render_metrics(&s, 1234.9, None)).unwrap();
        assert_eq!(previous_success(&path), Some(1234.0));
    }
}
