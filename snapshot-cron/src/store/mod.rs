//! Where snapshots are kept. The commands talk to a [`Store`]: the few calls a backup job needs
//! (check before writing, upload a verified spool file, list our objects, read the recorded
//! checksum, delete, download). [`S3Store`] (S3 with SSE-KMS) is the one backend; a test store or
//! another backend implements the same trait and the commands stay as they are.

mod s3;

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

pub use s3::S3Store;

use crate::keys::SnapshotObject;
use crate::spool::Downloaded;

/// A place that keeps snapshots under a prefix.
pub trait Store {
    /// The bucket (or equivalent container), for messages.
    fn bucket(&self) -> &str;

    /// The normalised prefix our objects live under.
    fn prefix(&self) -> &str;

    /// Checks, before anything is taken, that a write can succeed: the encryption key exists
    /// and is usable, the bucket exists and is reachable.
    fn preflight(&self, kms_key_id: &str) -> impl Future<Output = anyhow::Result<()>>;

    /// Stores a verified snapshot under `key`, encrypted with `kms_key_id`, with `metadata`;
    /// leaves nothing behind on failure.
    fn upload(
        &self,
        key: &str,
        snapshot: &Downloaded,
        kms_key_id: &str,
        metadata: HashMap<String, String>,
        concurrency: usize,
    ) -> impl Future<Output = anyhow::Result<Uploaded>>;

    /// Our snapshot objects under the prefix (others are ignored), newest first.
    fn list(&self) -> impl Future<Output = anyhow::Result<Vec<SnapshotObject>>>;

    /// The SHA-256 recorded with an object when it was stored.
    fn recorded_sha256(&self, key: &str) -> impl Future<Output = anyhow::Result<Option<String>>>;

    /// Deletes one object.
    fn delete(&self, key: &str) -> impl Future<Output = anyhow::Result<()>>;

    /// Downloads an object into a spool file in `dir`, hashing it on the way.
    fn download(&self, key: &str, dir: &Path) -> impl Future<Output = anyhow::Result<Downloaded>>;
}

/// Object metadata keys (stored as `x-amz-meta-<name>`).
pub mod meta {
    /// SHA-256 of the whole object, hex.
    pub const SHA256: &str = "sha256";
    /// Raft index of the snapshot.
    pub const RAFT_INDEX: &str = "raft-index";
    /// Raft term of the snapshot.
    pub const RAFT_TERM: &str = "raft-term";
    /// Server version that produced it.
    pub const SERVER_VERSION: &str = "server-version";
    /// OpenBao or Vault.
    pub const SERVER_FLAVOUR: &str = "server-flavour";
    /// Seconds spent taking and verifying the snapshot.
    pub const DURATION: &str = "snapshot-duration-seconds";
    /// Tool and version that wrote it.
    pub const CREATED_BY: &str = "created-by";
}

/// What the upload left in the bucket.
#[derive(Debug, Clone)]
pub struct Uploaded {
    /// Object key.
    pub key: String,
    /// ETag.
    pub etag: String,
    /// Checksum S3 reports (composite SHA-256 of the parts).
    pub checksum_sha256: Option<String>,
}

/// One listed snapshot with its metadata.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    /// Object key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Creation time from the key, ms since the epoch.
    pub created_ms: u64,
    /// Raft index (from the key).
    pub index: u64,
    /// SHA-256 from the metadata.
    pub sha256: Option<String>,
}

/// Seconds since the epoch, for metrics and ages.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
