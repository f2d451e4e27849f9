//! The spool: the temporary file a snapshot is written to on its way between the server and the
//! bucket (or the bucket and the server, for a restore). Writing hashes in the same pass (the
//! whole file and every upload part), so the upload needs no second read for checksums; the file
//! is fsynced before anyone reads it, and deleted when the [`Downloaded`] value is dropped, so a
//! failed run leaves nothing behind.

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
    fn exact_multiple_has_no_empty_trailing_part() {
        let mut h = PartHasher::new(10);
        h.update(&[1u8; 20]);
        assert_eq!(h.finish().2.len(), 2);
    }
}
