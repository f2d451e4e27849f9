//! `snapshot-cron run`: preflight (KMS key, bucket), log in, find the active node, stream the
//! snapshot to a temp file, verify it, upload it with SSE-KMS, apply retention, report. Retention
//! only runs after a verified upload succeeded, so a failing run can never delete anything.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use tracing::info;

use crate::cli::RunArgs;
use crate::connect;
use crate::exit::{Failure, Stage, StageExt as _};
use crate::keys;
use crate::report::{self, Summary};
use crate::store::{self, Store, meta};
use crate::take;

/// Runs the job once and reports.
pub async fn run(args: RunArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let mut summary = Summary {
        command: "run",
        bucket: Some(args.store.bucket.clone()),
        ..Summary::default()
    };
    let result = run_inner(&args, &mut summary).await;
    summary.conclude(&result, started.elapsed().as_secs_f64());
    summary.print();
    publish_metrics(&args, &summary).await;
    result
}

async fn run_inner(args: &RunArgs, summary: &mut Summary) -> Result<(), Failure> {
    let kms_key_id = args
        .kms_key_id
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| {
            Failure::new(
                Stage::Config,
                "no KMS key configured: set SNAPSHOT_CRON_KMS_KEY_ID (or --kms-key-id); snapshots are never uploaded without SSE-KMS",
            )
        })?;
    let min_age = args
        .retain_min_age
        .as_deref()
        .map(keys::parse_duration)
        .transpose()
        .map_err(|e| Failure::new(Stage::Config, format!("SNAPSHOT_CRON_RETAIN_MIN_AGE: {e}")))?;
    let temp_dir = args.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let part_size = args.part_size_mib * 1024 * 1024;
    let mut client = connect::login(&args.server, &args.auth).await?;

    let outcome = async {
        let store = Store::connect(&args.store).await;
        store
            .check_kms_key(kms_key_id)
            .await
            .stage(Stage::Storage)?;
        store.check_bucket().await.stage(Stage::Storage)?;

        let snapshot_started = Instant::now();
        let mut active = client
            .active_node()
            .await
            .context("finding the active node")
            .stage(Stage::Server)?;
        let info = active.server_info().await.stage(Stage::Server)?;
        summary.leader = Some(active.address().to_owned());
        summary.server_version = Some(info.version.clone());
        active.set_request_timeout(Duration::from_secs(args.stall_timeout.max(1)));
        info!(leader = active.address(), version = %info.version, "taking snapshot from the active node");
        let (snapshot, verdict) = take::download_snapshot(
            &active,
            &temp_dir,
            part_size,
            Duration::from_secs(args.stall_timeout.max(1)),
        )
        .await
        .stage(Stage::Server)?;
        let sha256 = hex::encode(snapshot.sha256);
        summary.bytes = Some(snapshot.bytes);
        summary.sha256 = Some(sha256.clone());
        let report = verdict
            .context("the snapshot failed verification and was not uploaded")
            .stage(Stage::Verify)?;
        summary.index = Some(report.index);
        summary.term = Some(report.term);
        let snapshot_seconds = snapshot_started.elapsed().as_secs_f64();
        info!(index = report.index, term = report.term, bytes = snapshot.bytes, entries = report.entries, "snapshot verified");

        let key = keys::snapshot_key(store.prefix(), SystemTime::now(), report.index);
        let metadata = HashMap::from([
            (meta::SHA256.to_owned(), sha256),
            (meta::RAFT_INDEX.to_owned(), report.index.to_string()),
            (meta::RAFT_TERM.to_owned(), report.term.to_string()),
            (meta::SERVER_VERSION.to_owned(), info.version.clone()),
            (meta::SERVER_FLAVOUR.to_owned(), info.flavour.as_str().to_owned()),
            (meta::DURATION.to_owned(), format!("{snapshot_seconds:.3}")),
            (
                meta::CREATED_BY.to_owned(),
                concat!("snapshot-cron/", env!("CARGO_PKG_VERSION")).to_owned(),
            ),
        ]);
        let uploaded = store
            .upload(
                &key,
                &snapshot,
                kms_key_id,
                metadata,
                args.upload_concurrency as usize,
            )
            .await
            .stage(Stage::Storage)?;
        summary.key = Some(uploaded.key.clone());
        info!(key = %uploaded.key, "uploaded");
        drop(snapshot);

        let objects = store.list().await.stage(Stage::Retention)?;
        let doomed = keys::select_for_deletion(
            &objects,
            args.retain as usize,
            min_age,
            SystemTime::now(),
            &uploaded.key,
        );
        for key in &doomed {
            store.delete(key).await.stage(Stage::Retention)?;
            info!(key, "deleted by retention");
            summary.deleted.push(key.clone());
        }
        summary.retained = Some(objects.len() - doomed.len());
        Ok(())
    }
    .await;
    connect::logout(&mut client).await;
    outcome
}

async fn publish_metrics(args: &RunArgs, summary: &Summary) {
    let now = store::unix_now();
    if let Some(path) = &args.metrics_file {
        let text = report::render_metrics(summary, now, report::previous_success(path));
        if let Err(e) = report::write_metrics_file(path, &text) {
            tracing::warn!(error = %format!("{e:#}"), "could not write the metrics file");
        }
    }
    if let Some(url) = &args.pushgateway_url {
        let text = report::render_metrics(summary, now, None);
        if let Err(e) = report::push_metrics(url, text).await {
            tracing::warn!(error = %format!("{e:#}"), "could not push metrics");
        }
    }
}
