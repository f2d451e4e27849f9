//! Streaming the snapshot from the active node into a temporary file. Memory stays bounded
//! (one network chunk plus a write buffer) whatever the snapshot size; the whole-file SHA-256
//! and the SHA-256 of every upload part are computed in the same pass, so the upload needs no
//! second read for checksums. A stalled stream or a connection cut off mid-body is an error;
//! the file is then deleted when the temporary file is dropped.

use std::io::{BufWriter, IsTerminal as _, Read, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::archive::{self, SnapshotReport, VerifyError};
use crate::digest::Sha256;
use anyhow::{Context as _, bail};
use bytes::Bytes;
use reqwest::Method;
use vaultpki_client::{Client, Idempotency};

/// The Raft snapshot endpoint.
pub const SNAPSHOT_PATH: &str = "sys/storage/raft/snapshot";

/// A snapshot on local disk with its checksums.
pub struct Downloaded {
    /// The file; deleted when dropped.
    pub file: tempfile::NamedTempFile,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the whole file.
    pub sha256: [u8; 32],
    /// SHA-256 of each `part_size` slice, in order.
    pub part_sha256: Vec<[u8; 32]>,
    /// The slice size the part hashes were computed for.
    pub part_size: u64,
}

/// Hashes a byte stream as a whole and in fixed-size parts.
pub struct PartHasher {
    whole: Sha256,
    part: Sha256,
    part_fill: u64,
    part_size: u64,
    parts: Vec<[u8; 32]>,
    total: u64,
}

impl PartHasher {
    /// A hasher for parts of `part_size` bytes.
    pub fn new(part_size: u64) -> Self {
        Self {
            whole: Sha256::new(),
            part: Sha256::new(),
            part_fill: 0,
            part_size: part_size.max(1),
            parts: Vec::new(),
            total: 0,
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, mut data: &[u8]) {
        self.whole.update(data);
        self.total += data.len() as u64;
        while !data.is_empty() {
            let room = usize::try_from(self.part_size - self.part_fill).unwrap_or(usize::MAX);
            let n = room.min(data.len());
            self.part.update(&data[..n]);
            self.part_fill += n as u64;
            data = &data[n..];
            if self.part_fill == self.part_size {
                self.parts.push(std::mem::take(&mut self.part).finalize());
                self.part_fill = 0;
            }
        }
    }

    /// Total bytes, whole hash, part hashes.
    pub fn finish(mut self) -> (u64, [u8; 32], Vec<[u8; 32]>) {
        if self.part_fill > 0 {
            self.parts.push(self.part.finalize());
        }
        (self.total, self.whole.finalize(), self.parts)
    }
}

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
                        sink.hasher.total
                    )),
                );
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(c))) => c,
        };
        sink.write(&chunk)?;
        progress.update(sink.hasher.total);
        // A closed channel means the verifier already rejected the stream; keep downloading
        // so that a server-side failure is still reported as such.
        if let Some(sender) = &tx
            && sender.send(chunk).await.is_err()
        {
            tx = None;
        }
    }
    drop(tx);
    progress.done(sink.hasher.total);
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

/// A temporary file being written and hashed.
pub struct TempSink {
    writer: BufWriter<tempfile::NamedTempFile>,
    hasher: PartHasher,
    part_size: u64,
}

impl TempSink {
    /// Creates the temporary file in `dir`.
    pub fn create(dir: &Path, prefix: &str, part_size: u64) -> anyhow::Result<Self> {
        let file = tempfile::Builder::new()
            .prefix(prefix)
            .suffix(".snap")
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        Ok(Self {
            writer: BufWriter::with_capacity(1024 * 1024, file),
            hasher: PartHasher::new(part_size),
            part_size,
        })
    }

    /// Writes and hashes a chunk.
    pub fn write(&mut self, chunk: &[u8]) -> anyhow::Result<()> {
        self.hasher.update(chunk);
        self.writer
            .write_all(chunk)
            .context("writing the temporary snapshot file (is the disk full?)")
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.hasher.total
    }

    /// Flushes, fsyncs and returns the file with its checksums.
    pub fn finish(self) -> anyhow::Result<Downloaded> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| e.into_error())
            .context("writing the temporary snapshot file")?;
        file.as_file()
            .sync_all()
            .context("syncing the temporary snapshot file")?;
        let (bytes, sha256, part_sha256) = self.hasher.finish();
        Ok(Downloaded {
            file,
            bytes,
            sha256,
            part_sha256,
            part_size: self.part_size,
        })
    }
}

/// Progress on a terminal; silent in a job (the JSON summary says it all).
pub struct Progress {
    enabled: bool,
    label: &'static str,
    started: Instant,
    last: Instant,
}

impl Progress {
    /// Starts reporting if stderr is a terminal.
    pub fn new(label: &'static str) -> Self {
        let now = Instant::now();
        Self {
            enabled: std::io::stderr().is_terminal(),
            label,
            started: now,
            last: now,
        }
    }

    /// Reports `bytes` done, at most every 200 ms.
    pub fn update(&mut self, bytes: u64) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(200) {
            return;
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r{}: {:.1} MiB ({:.1} MiB/s)   ",
            self.label,
            bytes as f64 / 1048576.0,
            bytes as f64 / 1048576.0 / secs
        );
    }

    /// Ends the progress line.
    pub fn done(&mut self, bytes: u64) {
        if self.enabled {
            eprintln!(
                "\r{}: {:.1} MiB done          ",
                self.label,
                bytes as f64 / 1048576.0
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_hashes_match_slices() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = PartHasher::new(4096);
        for chunk in data.chunks(777) {
            h.update(chunk);
        }
        let (total, whole, parts) = h.finish();
        assert_eq!(total, 10_000);
        assert_eq!(whole, Sha256::digest(&data));
        assert_eq!(parts.len(), 3);
        for (i, part) in data.chunks(4096).enumerate() {
            assert_eq!(parts[i], Sha256::digest(part));
        }
    }

    #[test]
    fn exact_multiple_has_no_empty_trailing_part() {
        let mut h = PartHasher::new(10);
        h.update(&[1u8; 20]);
        assert_eq!(h.finish().2.len(), 2);
    }
}
