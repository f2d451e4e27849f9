//! Streaming the snapshot from the active node into the spool ([`crate::spool`]) while the
//! archive verifier reads the same bytes. Memory stays bounded (one network chunk plus a write
//! buffer plus the verifier's queue) whatever the snapshot size. A stalled stream or a
//! connection cut off mid-body is an error; the spool file is then deleted when dropped.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::archive::{self, SnapshotReport, VerifyError};
use crate::progress::Progress;
use crate::spool::{Downloaded, TempSink};
use anyhow::{Context as _, bail};
use bytes::Bytes;
use reqwest::Method;
use vaultpki_client::{Client, Idempotency};

/// The Raft snapshot endpoint.
pub const SNAPSHOT_PATH: &str = "sys/storage/raft/snapshot";

/// Downloads a snapshot from `client` (which must point at the active node) into `dir`,
/// verifying it on the way: every chunk goes to the file, to the hashes, and through a bounded
/// channel to the archive verifier on a blocking thread, so verification costs no extra pass
/// and no extra wall time. The per-part checksums come from the same bytes, and S3 checks the
/// parts against them, so what is uploaded is exactly what was verified.
///
/// Returns the file and the verification outcome; an `Err` is a failure to get the snapshot
/// (server, network, local disk), which takes precedence over what the verifier saw.
pub async fn download_snapshot(
    client: &Client,
    dir: &Path,
    part_size: u64,
    stall: Duration,
) -> anyhow::Result<(Downloaded, Result<SnapshotReport, VerifyError>)> {
    let resp = client
        .send(
            Method::GET,
            SNAPSHOT_PATH,
            None,
            Idempotency::Idempotent,
            &[],
        )
        .await
        .context("requesting the snapshot")?;
    let mut sink = TempSink::create(dir, ".snapshot-", part_size)?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(VERIFY_QUEUE_CHUNKS);
    let verifier =
        tokio::task::spawn_blocking(move || archive::verify_reader(ChannelReader::new(rx)));
    let mut tx = Some(tx);
    let mut resp = resp;
    let mut progress = Progress::new("downloading snapshot");
    loop {
        let chunk = match tokio::time::timeout(stall, resp.chunk()).await {
            Err(_) => bail!(
                "the snapshot stream from {} stalled for {}s; nothing was uploaded",
                client.address(),
                stall.as_secs()
            ),
            Ok(Err(e)) => {
                return Err(
                    anyhow::Error::new(client.body_error(SNAPSHOT_PATH, &e)).context(format!(
                        "the snapshot stream broke off after {} bytes; nothing was uploaded",
                        sink.written()
                    )),
                );
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(c))) => c,
        };
        sink.write(&chunk)?;
        progress.update(sink.written());
        // A closed channel means the verifier already rejected the stream; keep downloading
        // so that a server-side failure is still reported as such.
        if let Some(sender) = &tx
            && sender.send(chunk).await.is_err()
        {
            tx = None;
        }
    }
    drop(tx);
    progress.done(sink.written());
    let downloaded = sink.finish()?;
    let verdict = verifier.await.context("the verification task failed")?;
    Ok((downloaded, verdict))
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
