//! `snapshot-cron restore`: download a snapshot, check it against the SHA-256 recorded at upload
//! and verify the archive, then restore it on the active node and confirm that it took effect.
//! A restore sent to a standby is acknowledged and silently dropped (and seals the standby), so
//! the request only ever goes to the node that reports itself active.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::Method;
use tracing::info;
use vaultpki_client::HealthState;

use crate::archive;
use crate::cli::RestoreArgs;
use crate::connect;
use crate::exit::{Failure, Stage, StageExt as _};
use crate::report::Summary;
use crate::store::{S3Store, Store as _};

/// Restores and reports.
pub async fn restore(args: &RestoreArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let mut summary = Summary {
        command: "restore",
        bucket: Some(args.store.bucket.clone()),
        ..Summary::default()
    };
    let result = restore_inner(args, &mut summary).await;
    summary.conclude(&result, started.elapsed().as_secs_f64());
    summary.print();
    result
}

async fn restore_inner(args: &RestoreArgs, summary: &mut Summary) -> Result<(), Failure> {
    let store = S3Store::connect(&args.store).await;
    let key = match &args.key {
        Some(k) => k.clone(),
        None => store
            .list()
            .await
            .stage(Stage::Storage)?
            .into_iter()
            .next()
            .map(|o| o.key)
            .ok_or_else(|| {
                Failure::new(
                    Stage::Storage,
                    format!(
                        "no snapshots under s3://{}/{}; nothing to restore",
                        store.bucket(),
                        store.prefix()
                    ),
                )
            })?,
    };
    summary.key = Some(key.clone());
    let recorded = store.recorded_sha256(&key).await.stage(Stage::Storage)?;
    let temp_dir = args.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let file = store
        .download(&key, &temp_dir)
        .await
        .stage(Stage::Storage)?;
    let sha256 = hex::encode(file.sha256);
    summary.bytes = Some(file.bytes);
    summary.sha256 = Some(sha256.clone());
    if let Some(expected) = recorded
        && !expected.eq_ignore_ascii_case(&sha256)
    {
        return Err(Failure::new(
            Stage::Verify,
            format!("{key}: SHA-256 is {sha256} but the upload recorded {expected}; not restoring"),
        ));
    }
    let path = file.file.path().to_path_buf();
    let report = tokio::task::spawn_blocking(move || archive::verify_file(&path))
        .await
        .context("verification task")
        .stage(Stage::Internal)?
        .with_context(|| format!("{key} failed verification; not restoring"))
        .stage(Stage::Verify)?;
    summary.index = Some(report.index);
    summary.term = Some(report.term);

    let mut client = connect::login(&args.server, &args.auth).await?;
    let outcome = restore_on_active(args, &client, &file.file, summary).await;
    connect::logout(&mut client).await;
    outcome
}

async fn restore_on_active(
    args: &RestoreArgs,
    client: &vaultpki_client::Client,
    file: &tempfile::NamedTempFile,
    summary: &mut Summary,
) -> Result<(), Failure> {
    let active = client
        .active_node()
        .await
        .context("finding the active node")
        .stage(Stage::Server)?;
    summary.leader = Some(active.address().to_owned());
    let before = active.leader().await.stage(Stage::Server)?;
    let path = if args.force {
        "sys/storage/raft/snapshot-force"
    } else {
        "sys/storage/raft/snapshot"
    };
    let body = tokio::fs::File::open(file.path())
        .await
        .context("opening the downloaded snapshot")
        .stage(Stage::Internal)?;
    let timeout = Duration::from_secs(args.restore_timeout.max(1));
    info!(leader = active.address(), path, "restoring");
    active
        .send_stream_once(Method::POST, path, reqwest::Body::from(body), timeout)
        .await
        .map_err(|e| {
            let hint = if e.status() == Some(400) && !args.force {
                " (a snapshot from another cluster needs --force)"
            } else {
                ""
            };
            Failure {
                stage: Stage::Restore,
                error: anyhow::Error::new(e)
                    .context(format!("the server refused the restore{hint}")),
            }
        })?;

    // Confirm: the active node re-initialises after a restore (its active_time changes), or,
    // after snapshot-force from another cluster, seals itself until unsealed with that
    // cluster's keys.
    let deadline = Instant::now() + timeout;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        match active.health().await {
            Ok(h) if h.state == HealthState::Sealed => {
                info!(
                    "restored; the server sealed itself: unseal it with the unseal keys of the cluster the snapshot came from, then use that cluster's tokens"
                );
                return Ok(());
            }
            Ok(h) if h.state == HealthState::Active => {
                if let Ok(after) = active.leader().await
                    && after.active_time.is_some()
                    && after.active_time != before.active_time
                {
                    info!("restored; the active node reloaded from the snapshot");
                    return Ok(());
                }
            }
            _ => {}
        }
        if Instant::now() > deadline {
            return Err(Failure::new(
                Stage::Restore,
                format!(
                    "the server accepted the restore but did not reload within {}s; check its logs",
                    timeout.as_secs()
                ),
            ));
        }
    }
}
