//! `snapshot-cron restore`: download a snapshot, check it against the SHA-256 recorded at upload
//! (the composite of the part checksums S3 verified, or for older objects the whole-file hash
//! in the metadata; an object without either is refused unless `--allow-unverified`) and verify the archive, with or
//! without `--force`; then restore it on the active node and confirm that it took effect.
//! `--latest` takes the newest object that passes these checks.
//! A restore sent to a standby is acknowledged and silently dropped (and seals the standby), so
//! the request only ever goes to the node that reports itself active.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use reqwest::Method;
use tracing::{info, warn};
use vaultpki_client::HealthState;

use crate::archive;
use crate::cli::RestoreArgs;
use crate::connect;
use crate::digest;
use crate::exit::{Failure, Stage, StageExt as _};
use crate::report::Summary;
use crate::spool::{self, Downloaded};
use crate::store::{S3Store, Store, meta};

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
    let temp_dir = args.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    spool::check_dir(&temp_dir).stage(Stage::Config)?;
    let store = S3Store::connect(&args.store).await.stage(Stage::Config)?;
    let file = match &args.key {
        Some(key) => {
            summary.key = Some(key.clone());
            fetch_verified(&store, key, args.allow_unverified, &temp_dir, summary).await?
        }
        None => latest_verified(&store, args.allow_unverified, &temp_dir, summary).await?,
    };
    let mut client = connect::login(&args.server, &args.auth).await?;
    let outcome = restore_on_active(args, &client, &file.file, summary).await;
    connect::logout(&mut client).await;
    outcome
}

/// The newest object under the prefix that passes every check. A newer object that fails (a
/// stray upload, a future-dated key, a damaged snapshot) is skipped with a warning, so one bad
/// object does not block the restore of the last good one.
async fn latest_verified(
    store: &impl Store,
    allow_unverified: bool,
    temp_dir: &Path,
    summary: &mut Summary,
) -> Result<Downloaded, Failure> {
    let objects = store.list().await.stage(Stage::Storage)?;
    let mut last: Option<Failure> = None;
    for object in &objects {
        summary.key = Some(object.key.clone());
        match fetch_verified(store, &object.key, allow_unverified, temp_dir, summary).await {
            Ok(file) => return Ok(file),
            // Only a snapshot that fails its own checks is skipped; S3 failing is not a reason
            // to fall back to an older snapshot.
            Err(f) if f.stage == Stage::Verify => {
                warn!(key = %object.key, error = %format!("{:#}", f.error), "skipping a snapshot that does not verify");
                last = Some(f);
            }
            Err(f) => return Err(f),
        }
    }
    summary.key = None;
    Err(match last {
        Some(f) => Failure {
            stage: Stage::Verify,
            error: f.error.context(format!(
                "none of the {} snapshots under s3://{}/{} verifies; the last one tried",
                objects.len(),
                store.bucket(),
                store.prefix()
            )),
        },
        None => Failure::new(
            Stage::Storage,
            format!(
                "no snapshots under s3://{}/{}; nothing to restore",
                store.bucket(),
                store.prefix()
            ),
        ),
    })
}

/// Downloads `key` and checks it: the SHA-256 recorded at upload (required unless
/// `allow_unverified`), then the archive itself. Any failure of a check is [`Stage::Verify`].
async fn fetch_verified(
    store: &impl Store,
    key: &str,
    allow_unverified: bool,
    temp_dir: &Path,
    summary: &mut Summary,
) -> Result<Downloaded, Failure> {
    let recorded = store.recorded_checksum(key).await.stage(Stage::Storage)?;
    if recorded.is_empty() && !allow_unverified {
        return Err(Failure::new(
            Stage::Verify,
            format!(
                "{key} has no SHA-256 recorded at upload (neither metadata {} nor a SHA-256 part checksum with metadata {}), so it cannot be checked against what was uploaded; not restoring. Pass --allow-unverified to restore it anyway, accepting that an altered or damaged snapshot may be restored",
                meta::SHA256,
                meta::PART_SIZE
            ),
        ));
    }
    let part_size = recorded.composite.as_ref().map(|c| c.part_size);
    let file = store
        .download(key, temp_dir, part_size)
        .await
        .stage(Stage::Storage)?;
    let sha256 = hex::encode(file.sha256);
    summary.bytes = Some(file.bytes);
    summary.sha256 = Some(sha256.clone());
    let mismatch = |what: &str, actual: &str, expected: &str| {
        Failure::new(
            Stage::Verify,
            format!("{key}: {what} is {actual} but the upload recorded {expected}; not restoring"),
        )
    };
    if let Some(expected) = &recorded.sha256
        && !expected.eq_ignore_ascii_case(&sha256)
    {
        return Err(mismatch("SHA-256", &sha256, expected));
    }
    if let Some(composite) = &recorded.composite {
        let actual = digest::composite_sha256(&file.part_sha256);
        summary.checksum_sha256 = Some(actual.clone());
        if !digest::same_composite(&actual, &composite.checksum) {
            return Err(mismatch(
                "the composite SHA-256 of its parts",
                &actual,
                &composite.checksum,
            ));
        }
    }
    if recorded.is_empty() {
        warn!(
            key,
            "restoring without a recorded SHA-256 (--allow-unverified): only the archive's own checksums are checked"
        );
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
    Ok(file)
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
