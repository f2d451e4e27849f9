//! `snapshot-cron run`: check the settings, log in, preflight (KMS key, bucket), find the active
//! node, stream the snapshot into an SSE-KMS multipart upload while verifying it (the object is
//! only made once it verified), apply retention, report. Retention only runs after a verified upload succeeded, so a failing run can never
//! delete anything. SIGTERM/SIGINT stop the stages, abort the upload and still report.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use tracing::info;
use vaultpki_client::{Client, ServerInfo};

use crate::archive::SnapshotId;
use crate::cli::RunArgs;
use crate::connect;
use crate::exit::{Failure, Stage, StageExt as _};
use crate::keys;
use crate::report::{self, Summary};
use crate::signals::Signals;
use crate::spool;
use crate::store::{self, S3Store, Store, meta};
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
    // From here on SIGTERM/SIGINT no longer kill the process; they are handled below.
    let mut signals = Signals::listen()
        .context("listening for SIGTERM/SIGINT")
        .stage(Stage::Internal)?;
    let settings = Settings::from_args(args)?;
    let mut client = connect::login(&args.server, &args.auth).await?;
    let outcome = async {
        let store = S3Store::connect(&args.store).await.stage(Stage::Config)?;
        tokio::select! {
            result = stages(&client, &store, args, &settings, summary) => result,
            name = signals.recv() => {
                // The stages were dropped: the spool file is deleted, part uploads cancelled.
                let aborted = store.abort_open_upload(SIGNAL_ABORT_BUDGET).await;
                let upload = aborted.map_or_else(String::new, |key| {
                    format!(", the multipart upload of {key} was aborted")
                });
                Err(Failure::new(
                    Stage::Interrupted,
                    format!("stopped by {name}: nothing was stored{upload} and the temporary file was removed"),
                ))
            }
        }
    }
    .await;
    connect::logout(&mut client).await;
    outcome
}

/// How long aborting the upload may take after a signal: the sender (kubelet, systemd) kills
/// the process after its grace period (30 s by default in Kubernetes).
const SIGNAL_ABORT_BUDGET: Duration = Duration::from_secs(15);

/// The stages of a run, in order; retention only after a verified upload succeeded.
async fn stages(
    client: &Client,
    store: &impl Store,
    args: &RunArgs,
    settings: &Settings<'_>,
    summary: &mut Summary,
) -> Result<(), Failure> {
    store
        .preflight(settings.kms_key_id)
        .await
        .stage(Stage::Storage)?;
    let key = take_and_store(client, store, args, settings, summary).await?;
    apply_retention(store, args, settings, &key, summary).await
}

/// The settings a run checks before it contacts anything.
struct Settings<'a> {
    kms_key_id: &'a str,
    min_age: Option<Duration>,
    temp_dir: PathBuf,
    part_size: u64,
    stall: Duration,
}

impl<'a> Settings<'a> {
    fn from_args(args: &'a RunArgs) -> Result<Self, Failure> {
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
            .map_err(|e| {
                Failure::new(Stage::Config, format!("SNAPSHOT_CRON_RETAIN_MIN_AGE: {e}"))
            })?;
        let temp_dir = args.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        spool::check_dir(&temp_dir).stage(Stage::Config)?;
        Ok(Self {
            kms_key_id,
            min_age,
            temp_dir,
            part_size: args.part_size_mib * 1024 * 1024,
            stall: Duration::from_secs(args.stall_timeout.max(1)),
        })
    }
}

/// Finds the active node and streams its snapshot into the store, verifying it on the way;
/// returns the new key.
async fn take_and_store(
    client: &Client,
    store: &impl Store,
    args: &RunArgs,
    settings: &Settings<'_>,
    summary: &mut Summary,
) -> Result<String, Failure> {
    let mut active = client
        .active_node()
        .await
        .context("finding the active node")
        .stage(Stage::Server)?;
    let info = active.server_info().await.stage(Stage::Server)?;
    summary.leader = Some(active.address().to_owned());
    summary.server_version = Some(info.version.clone());
    active.set_request_timeout(settings.stall);
    info!(leader = active.address(), version = %info.version, "taking snapshot from the active node");
    let plan = take::Plan {
        dir: &settings.temp_dir,
        part_size: settings.part_size,
        stall: settings.stall,
        concurrency: args.upload_concurrency as usize,
        kms_key_id: settings.kms_key_id,
    };
    let object = |id: SnapshotId| {
        let key = keys::snapshot_key(store.prefix(), SystemTime::now(), id.index);
        (key, object_metadata(id, &info, settings.part_size))
    };
    let streamed = take::stream_snapshot(&active, store, &plan, object).await?;
    let take::Streamed {
        bytes,
        checksum_sha256,
        report,
        uploaded,
    } = streamed;
    summary.bytes = Some(bytes);
    summary.checksum_sha256 = Some(checksum_sha256);
    summary.index = Some(report.index);
    summary.term = Some(report.term);
    summary.key = Some(uploaded.key.clone());
    info!(key = %uploaded.key, "uploaded");
    Ok(uploaded.key)
}

/// The metadata stored with a snapshot object. The whole-file SHA-256 is not among them: the
/// upload begins before the snapshot has fully arrived; the object's integrity is the
/// composite SHA-256 of its parts that S3 checks and records, and `part-size` says how to
/// recompute it.
fn object_metadata(id: SnapshotId, info: &ServerInfo, part_size: u64) -> HashMap<String, String> {
    HashMap::from([
        (meta::PART_SIZE.to_owned(), part_size.to_string()),
        (meta::RAFT_INDEX.to_owned(), id.index.to_string()),
        (meta::RAFT_TERM.to_owned(), id.term.to_string()),
        (meta::SERVER_VERSION.to_owned(), info.version.clone()),
        (
            meta::SERVER_FLAVOUR.to_owned(),
            info.flavour.as_str().to_owned(),
        ),
        (
            meta::CREATED_BY.to_owned(),
            concat!("snapshot-cron/", env!("CARGO_PKG_VERSION")).to_owned(),
        ),
    ])
}

/// Deletes what retention selects; only ever called after a verified upload succeeded.
async fn apply_retention(
    store: &impl Store,
    args: &RunArgs,
    settings: &Settings<'_>,
    uploaded: &str,
    summary: &mut Summary,
) -> Result<(), Failure> {
    let objects = store.list().await.stage(Stage::Retention)?;
    let generations = keys::Generations {
        daily: args.keep_daily as usize,
        weekly: args.keep_weekly as usize,
        monthly: args.keep_monthly as usize,
    };
    let doomed = keys::select_for_deletion_with(
        &objects,
        args.retain as usize,
        settings.min_age,
        generations,
        SystemTime::now(),
        uploaded,
    );
    for key in &doomed {
        store.delete(key).await.stage(Stage::Retention)?;
        info!(key, "deleted by retention");
        summary.deleted.push(key.clone());
    }
    summary.retained = Some(objects.len() - doomed.len());
    Ok(())
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
        let cluster = args
            .cluster
            .clone()
            .unwrap_or_else(|| keys::normalize_prefix(&args.store.prefix));
        let text = report::render_metrics(summary, now, None);
        let success = summary.outcome == "success";
        if let Err(e) = report::push_metrics(url, &cluster, text, success).await {
            tracing::warn!(error = %format!("{e:#}"), "could not push metrics");
        }
    }
}
