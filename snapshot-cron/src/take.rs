//! Taking a snapshot: streaming it from the active node into the store while it arrives. Every
//! chunk goes to the spool ([`crate::spool`], hashed once per upload part) and through a bounded
//! channel to the archive verifier on a blocking thread; each part is uploaded as soon as it is
//! complete, several at a time, while the rest still arrives. The object is only made
//! (`complete`) once the whole snapshot verified; any failure (server, network, verification,
//! storage, local disk) aborts the upload, so no bad snapshot ever becomes an object. Memory
//! stays bounded (one network chunk, a write buffer, the verifier's queue and the upload tasks'
//! read buffers) whatever the snapshot size; parts wait for their upload on disk, not in memory.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use bytes::Bytes;
use reqwest::Method;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, info};
use vaultpki_client::{Client, Idempotency};

use crate::archive::{self, SnapshotId, SnapshotReport};
use crate::digest;
use crate::exit::{Failure, Stage, StageExt as _};
use crate::progress::Progress;
use crate::spool::{PartSpec, SpoolWriter};
use crate::store::{PartDone, PartUpload as _, Store, Uploaded};

/// The Raft snapshot endpoint.
pub const SNAPSHOT_PATH: &str = "sys/storage/raft/snapshot";

/// How a snapshot is taken and stored.
pub struct Plan<'a> {
    /// Directory of the spool file.
    pub dir: &'a Path,
    /// Upload part size in bytes.
    pub part_size: u64,
    /// Longest wait for the next bytes of the snapshot.
    pub stall: Duration,
    /// Parts uploaded at the same time.
    pub concurrency: usize,
    /// KMS key for SSE-KMS.
    pub kms_key_id: &'a str,
}

/// A snapshot that verified and became an object.
pub struct Streamed {
    /// Size in bytes.
    pub bytes: u64,
    /// Composite SHA-256 of the parts ([`digest::composite_sha256`]), as the store shows it.
    pub checksum_sha256: String,
    /// What the snapshot contains.
    pub report: SnapshotReport,
    /// The object.
    pub uploaded: Uploaded,
}

/// Takes a snapshot from `client` (which must point at the active node) and stores it in
/// `store` under the key and with the metadata `object` gives for its Raft position (known
/// from `meta.json`, the archive's first member, when the first part is ready).
pub async fn stream_snapshot<S: Store>(
    client: &Client,
    store: &S,
    plan: &Plan<'_>,
    object: impl Fn(SnapshotId) -> (String, HashMap<String, String>),
) -> Result<Streamed, Failure> {
    let mut parts = Parts::<S> {
        upload: None,
        pending: VecDeque::new(),
        tasks: JoinSet::new(),
        done: Vec::new(),
        concurrency: plan.concurrency.max(1),
    };
    let result = stream(client, store, plan, &object, &mut parts).await;
    if result.is_err() {
        // Part uploads still running are cancelled before the upload is aborted.
        parts.tasks.shutdown().await;
        if let Some(upload) = parts.upload.take() {
            store.abort_upload(&upload).await;
        }
    }
    result
}

/// The parts of the upload: waiting on disk, in flight, done.
struct Parts<S: Store> {
    /// The upload, once begun; taken when it completes.
    upload: Option<S::Upload>,
    pending: VecDeque<PartSpec>,
    tasks: JoinSet<anyhow::Result<(PartSpec, PartDone)>>,
    done: Vec<PartDone>,
    concurrency: usize,
}

impl<S: Store> Parts<S> {
    /// Starts uploads of pending parts up to the concurrency, if the upload has begun.
    fn launch(&mut self, file: &Path) {
        let Some(upload) = &self.upload else { return };
        while self.tasks.len() < self.concurrency {
            let Some(part) = self.pending.pop_front() else {
                return;
            };
            let put = upload.put_part(file, part);
            self.tasks
                .spawn(async move { put.await.map(|done| (part, done)) });
        }
    }

    /// Records a finished part upload and frees its bytes in the spool.
    fn finished(
        &mut self,
        joined: Result<anyhow::Result<(PartSpec, PartDone)>, tokio::task::JoinError>,
        spool: &SpoolWriter,
    ) -> Result<(), Failure> {
        let (part, done) = joined
            .context("a part upload task failed")
            .stage(Stage::Internal)?
            .stage(Stage::Storage)?;
        debug!(part = part.number, bytes = part.length, "part uploaded");
        spool.release(&part);
        self.done.push(done);
        Ok(())
    }

    /// Begins the upload (once), for the snapshot at `id`.
    async fn begin(
        &mut self,
        store: &S,
        plan: &Plan<'_>,
        object: &impl Fn(SnapshotId) -> (String, HashMap<String, String>),
        id: SnapshotId,
    ) -> Result<(), Failure> {
        if self.upload.is_none() {
            let (key, metadata) = object(id);
            let upload = store
                .begin_upload(&key, plan.kms_key_id, metadata)
                .await
                .stage(Stage::Storage)?;
            self.upload = Some(upload);
        }
        Ok(())
    }
}

async fn stream<S: Store>(
    client: &Client,
    store: &S,
    plan: &Plan<'_>,
    object: &impl Fn(SnapshotId) -> (String, HashMap<String, String>),
    parts: &mut Parts<S>,
) -> Result<Streamed, Failure> {
    let mut resp = client
        .send(
            Method::GET,
            SNAPSHOT_PATH,
            None,
            Idempotency::Idempotent,
            &[],
        )
        .await
        .context("requesting the snapshot")
        .stage(Stage::Server)?;
    let mut spool = SpoolWriter::create(plan.dir, plan.part_size).stage(Stage::Internal)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(VERIFY_QUEUE_CHUNKS);
    let (meta_tx, mut meta_rx) = tokio::sync::oneshot::channel::<SnapshotId>();
    let verifier = tokio::task::spawn_blocking(move || {
        archive::verify_reader_reporting(ChannelReader::new(rx), move |id| {
            let _ = meta_tx.send(id);
        })
    });
    // None once the verifier stopped reading: it rejected the stream (its verdict says why);
    // the download goes on so that a server-side failure is still reported as such, but no
    // more parts are uploaded.
    let mut tx = Some(tx);
    let mut id: Option<SnapshotId> = None;
    let mut meta_open = true;
    let mut deadline = Instant::now() + plan.stall;
    let mut progress = Progress::new("taking snapshot");
    loop {
        tokio::select! {
            biased;
            Some(joined) = parts.tasks.join_next(), if !parts.tasks.is_empty() => {
                parts.finished(joined, &spool)?;
            }
            got = &mut meta_rx, if meta_open => {
                meta_open = false;
                id = got.ok();
            }
            next = resp.chunk() => match next {
                Err(e) => {
                    return Err(Failure {
                        stage: Stage::Server,
                        error: anyhow::Error::new(client.body_error(SNAPSHOT_PATH, &e)).context(
                            format!(
                                "the snapshot stream broke off after {} bytes; nothing was stored",
                                spool.written()
                            ),
                        ),
                    });
                }
                Ok(None) => break,
                Ok(Some(chunk)) => {
                    deadline = Instant::now() + plan.stall;
                    spool.write(&chunk).stage(Stage::Internal)?;
                    progress.update(spool.written());
                    if let Some(sender) = &tx
                        && sender.send(chunk).await.is_err()
                    {
                        tx = None;
                    }
                    if tx.is_some() {
                        parts.pending.extend(spool.take_ready());
                    }
                }
            },
            () = tokio::time::sleep_until(deadline) => {
                return Err(Failure::new(
                    Stage::Server,
                    format!(
                        "the snapshot stream from {} stalled for {}s; nothing was stored",
                        client.address(),
                        plan.stall.as_secs()
                    ),
                ));
            }
        }
        if tx.is_some()
            && !parts.pending.is_empty()
            && let Some(id) = id
        {
            parts.begin(store, plan, object, id).await?;
        }
        parts.launch(spool.path());
    }
    drop(tx);
    let bytes = spool.finish().stage(Stage::Internal)?;
    progress.done(bytes);
    let verdict = verifier
        .await
        .context("the verification task failed")
        .stage(Stage::Internal)?;
    let report = verdict
        .context("the snapshot failed verification; nothing was stored")
        .stage(Stage::Verify)?;
    info!(
        index = report.index,
        term = report.term,
        bytes,
        entries = report.entries,
        "snapshot verified"
    );
    // The whole snapshot verified: the rest of the parts go up, then the object is made.
    parts.pending.extend(spool.take_ready());
    let id = SnapshotId {
        index: report.index,
        term: report.term,
    };
    parts.begin(store, plan, object, id).await?;
    parts.launch(spool.path());
    while let Some(joined) = parts.tasks.join_next().await {
        parts.finished(joined, &spool)?;
        parts.launch(spool.path());
    }
    info!(
        parts = parts.done.len(),
        "all parts uploaded, completing the upload"
    );
    let mut done = std::mem::take(&mut parts.done);
    done.sort_by_key(|p| p.number);
    let hashes: Vec<[u8; 32]> = done.iter().map(|p| p.sha256).collect();
    let checksum_sha256 = digest::composite_sha256(&hashes);
    let Some(upload) = parts.upload.take() else {
        return Err(Failure::new(Stage::Internal, "the upload was never begun"));
    };
    // complete_upload cleans up after itself on failure.
    let uploaded = store
        .complete_upload(&upload, done, bytes, plan.kms_key_id)
        .await
        .stage(Stage::Storage)?;
    Ok(Streamed {
        bytes,
        checksum_sha256,
        report,
        uploaded,
    })
}

/// Chunks queued between the download and the verifier (bounded memory).
const VERIFY_QUEUE_CHUNKS: usize = 64;

/// Reads the chunks of a channel as one byte stream, on a blocking thread.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl ChannelReader {
    fn new(rx: tokio::sync::mpsc::Receiver<Bytes>) -> Self {
        Self {
            rx,
            current: Bytes::new(),
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(next) => self.current = next,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
