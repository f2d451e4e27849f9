//! The spool: the temporary file a snapshot passes through on its way between the server and the
//! bucket ([`SpoolWriter`]: parts hashed as they arrive, uploaded from the file while the rest
//! still arrives, then freed), or the bucket and the server for a restore ([`TempSink`]: hashed
//! whole and per part in one pass, fsynced before it is read). Either file is deleted when
//! dropped, so a failed run leaves nothing behind.

use std::io::{BufWriter, Write as _};
use std::path::Path;

use anyhow::Context as _;

use crate::digest::Sha256;

/// Checks that the spool directory exists, before anything is contacted: discovered only when
/// the snapshot arrives, a missing directory would look like a server failure.
pub fn check_dir(dir: &Path) -> anyhow::Result<()> {
    const HINT: &str = "create it or set SNAPSHOT_CRON_TEMP_DIR (or --temp-dir) to a directory with room for one snapshot";
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => anyhow::bail!(
            "temporary directory {} is not a directory; {HINT}",
            dir.display()
        ),
        Err(e) => anyhow::bail!("temporary directory {}: {e}; {HINT}", dir.display()),
    }
}

/// One upload part of a spooled snapshot: where it lies in the spool file and its SHA-256,
/// computed from the bytes as they arrived (the same bytes the verifier read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartSpec {
    /// 1-based part number.
    pub number: u32,
    /// Offset in the spool file.
    pub offset: u64,
    /// Length in bytes.
    pub length: u64,
    /// SHA-256 of the part.
    pub sha256: [u8; 32],
}

/// The spool of a snapshot being taken: every chunk is appended to the file and hashed per
/// upload part, and each part is handed out ([`SpoolWriter::take_ready`]) as soon as it is
/// complete and readable from the file, so it can be uploaded while the rest still arrives. A
/// part is hashed once, from the bytes as they arrived; there is no whole-file hash (S3 records
/// the composite of the part hashes, see [`crate::digest::composite_sha256`]). Uploaded parts
/// are punched out of the file ([`SpoolWriter::release`]), so the disk holds about the parts in
/// flight rather than the whole snapshot. The file is deleted when dropped.
pub struct SpoolWriter {
    writer: BufWriter<tempfile::NamedTempFile>,
    part_size: u64,
    part: Sha256,
    part_fill: u64,
    total: u64,
    next_number: u32,
    ready: Vec<PartSpec>,
}

impl SpoolWriter {
    /// Creates the spool file in `dir`, for parts of `part_size` bytes.
    pub fn create(dir: &Path, part_size: u64) -> anyhow::Result<Self> {
        let file = tempfile::Builder::new()
            .prefix(".snapshot-")
            .suffix(".snap")
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        Ok(Self {
            writer: BufWriter::with_capacity(1024 * 1024, file),
            part_size: part_size.max(1),
            part: Sha256::new(),
            part_fill: 0,
            total: 0,
            next_number: 1,
            ready: Vec::new(),
        })
    }

    /// The file's path, for the part uploads to read from.
    pub fn path(&self) -> &Path {
        self.writer.get_ref().path()
    }

    /// Appends and hashes a chunk; parts it completes become ready.
    pub fn write(&mut self, mut chunk: &[u8]) -> anyhow::Result<()> {
        while !chunk.is_empty() {
            let room = usize::try_from(self.part_size - self.part_fill).unwrap_or(usize::MAX);
            let (now, rest) = chunk.split_at(room.min(chunk.len()));
            self.part.update(now);
            self.writer
                .write_all(now)
                .context("writing the temporary snapshot file (is the disk full?)")?;
            self.part_fill += now.len() as u64;
            self.total += now.len() as u64;
            chunk = rest;
            if self.part_fill == self.part_size {
                self.close_part()?;
            }
        }
        Ok(())
    }

    /// Ends the current part: flushed to the file (readable by the upload), and ready.
    fn close_part(&mut self) -> anyhow::Result<()> {
        self.writer
            .flush()
            .context("writing the temporary snapshot file (is the disk full?)")?;
        self.ready.push(PartSpec {
            number: self.next_number,
            offset: self.total - self.part_fill,
            length: self.part_fill,
            sha256: std::mem::take(&mut self.part).finalize(),
        });
        self.next_number += 1;
        self.part_fill = 0;
        Ok(())
    }

    /// The parts completed since the last call, in order.
    pub fn take_ready(&mut self) -> Vec<PartSpec> {
        std::mem::take(&mut self.ready)
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.total
    }

    /// Frees the disk space of an uploaded part (the file keeps its size; reads of the range
    /// return zeros). Best effort: a file system without hole punching keeps the data until
    /// the file is deleted.
    pub fn release(&self, part: &PartSpec) {
        let punched = rustix::fs::fallocate(
            self.writer.get_ref().as_file(),
            rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE,
            part.offset,
            part.length,
        );
        if let Err(e) = punched {
            tracing::debug!(error = %e, "cannot free uploaded parts of the temporary file");
        }
    }

    /// Ends the stream: the last, partial part (if any) becomes ready; returns the total size.
    /// Nothing is fsynced: the file is only read back by this process, through the page cache.
    pub fn finish(&mut self) -> anyhow::Result<u64> {
        if self.part_fill > 0 {
            self.close_part()?;
        } else {
            self.writer
                .flush()
                .context("writing the temporary snapshot file (is the disk full?)")?;
        }
        Ok(self.total)
    }
}

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
    fn spool_parts_cover_the_stream_and_hash_their_slices() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut spool = SpoolWriter::create(dir.path(), 4096).unwrap();
        let mut parts = Vec::new();
        for chunk in data.chunks(777) {
            spool.write(chunk).unwrap();
            for part in spool.take_ready() {
                // A ready part is readable from the file.
                let on_disk = std::fs::read(spool.path()).unwrap();
                let range = part.offset as usize..(part.offset + part.length) as usize;
                assert_eq!(Sha256::digest(&on_disk[range]), part.sha256);
                parts.push(part);
            }
        }
        assert_eq!(spool.finish().unwrap(), 10_000);
        parts.extend(spool.take_ready());
        let expected: Vec<PartSpec> = data
            .chunks(4096)
            .enumerate()
            .map(|(i, c)| PartSpec {
                number: i as u32 + 1,
                offset: i as u64 * 4096,
                length: c.len() as u64,
                sha256: Sha256::digest(c),
            })
            .collect();
        assert_eq!(parts, expected);
        assert_eq!(std::fs::read(spool.path()).unwrap(), data);
    }

    #[test]
    fn spool_exact_multiple_has_no_empty_trailing_part() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = SpoolWriter::create(dir.path(), 10).unwrap();
        spool.write(&[1u8; 20]).unwrap();
        assert_eq!(spool.take_ready().len(), 2);
        spool.finish().unwrap();
        assert!(spool.take_ready().is_empty());
    }

    #[test]
    fn exact_multiple_has_no_empty_trailing_part() {
        let mut h = PartHasher::new(10);
        h.update(&[1u8; 20]);
        assert_eq!(h.finish().2.len(), 2);
    }
}
