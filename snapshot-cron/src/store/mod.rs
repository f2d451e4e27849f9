//! Where snapshots are kept. The commands talk to a [`Store`]: the few calls a backup job needs
//! (check before writing, a multipart upload that begins, takes parts while the snapshot still
//! arrives, and completes or aborts, list our objects, read the recorded checksums, delete,
//! download). [`S3Store`] (S3 with SSE-KMS) is the one backend; a test store or
//! another backend implements the same trait and the commands stay as they are.

mod s3;

use std::collections::HashMap;
use std::path::Path;
use std::time::SystemTime;

pub use s3::S3Store;

use crate::keys::SnapshotObject;
use crate::spool::{Downloaded, PartSpec};

/// A place that keeps snapshots under a prefix.
pub trait Store {
    /// An upload in progress (see [`Store::begin_upload`]).
    type Upload: PartUpload;

    /// The bucket (or equivalent container), for messages.
    fn bucket(&self) -> &str;

    /// The normalised prefix our objects live under.
    fn prefix(&self) -> &str;

    /// Checks, before anything is taken, that a write can succeed: the encryption key exists
    /// and is usable, the bucket exists and is reachable.
    fn preflight(&self, kms_key_id: &str) -> impl Future<Output = anyhow::Result<()>>;

    /// Starts storing an object under `key`, encrypted with `kms_key_id`, with `metadata`. The
    /// parts go through the returned handle ([`PartUpload::put_part`], several at a time, while
    /// the snapshot is still arriving); nothing is visible as an object until
    /// [`Store::complete_upload`], and [`Store::abort_upload`] discards the parts.
    fn begin_upload(
        &self,
        key: &str,
        kms_key_id: &str,
        metadata: HashMap<String, String>,
    ) -> impl Future<Output = anyhow::Result<Self::Upload>>;

    /// Makes the object out of `parts` (in any order) and checks it (`bytes` long, encrypted
    /// with `kms_key_id`); an object that fails the check is deleted. Only called once the
    /// whole snapshot verified.
    fn complete_upload(
        &self,
        upload: &Self::Upload,
        parts: Vec<PartDone>,
        bytes: u64,
        kms_key_id: &str,
    ) -> impl Future<Output = anyhow::Result<Uploaded>>;

    /// Discards an upload and its parts, trying for a while; never fails (a failure to abort
    /// is logged, for a bucket lifecycle rule to clean up).
    fn abort_upload(&self, upload: &Self::Upload) -> impl Future<Output = ()>;

    /// Our snapshot objects under the prefix (others are ignored), newest first.
    fn list(&self) -> impl Future<Output = anyhow::Result<Vec<SnapshotObject>>>;

    /// The checksums recorded with an object when it was stored.
    fn recorded_checksum(&self, key: &str) -> impl Future<Output = anyhow::Result<Recorded>>;

    /// Deletes one object.
    fn delete(&self, key: &str) -> impl Future<Output = anyhow::Result<()>>;

    /// Downloads an object into a spool file in `dir`, hashing it on the way (whole, and in
    /// parts of `part_size` when given).
    fn download(
        &self,
        key: &str,
        dir: &Path,
        part_size: Option<u64>,
    ) -> impl Future<Output = anyhow::Result<Downloaded>>;
}

/// The handle of an upload in progress, cheap to clone into the tasks that upload parts.
pub trait PartUpload: Clone + Send + Sync + 'static {
    /// Uploads one part, read from `file` at the part's offset, with the part's SHA-256 for the
    /// store to check the bytes against.
    fn put_part(
        &self,
        file: &Path,
        part: PartSpec,
    ) -> impl Future<Output = anyhow::Result<PartDone>> + Send + 'static;
}

/// A part the store accepted.
#[derive(Debug, Clone)]
pub struct PartDone {
    /// 1-based part number.
    pub number: u32,
    /// The store's tag for the part.
    pub etag: Option<String>,
    /// SHA-256 of the part, as checked by the store.
    pub sha256: [u8; 32],
}

/// The checksums an object was stored with.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// SHA-256 of the whole object, hex, from the metadata (objects written before uploads
    /// streamed).
    pub sha256: Option<String>,
    /// The composite SHA-256 of the parts the store checked at upload, with the part size it
    /// was computed for.
    pub composite: Option<Composite>,
}

/// A composite SHA-256 (see [`crate::digest::composite_sha256`]) and its part size.
#[derive(Debug, Clone)]
pub struct Composite {
    /// As the store shows it: base64, then `-` and the number of parts (AWS; some
    /// S3-compatible stores leave the count out).
    pub checksum: String,
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
}

impl Recorded {
    /// Whether anything was recorded to check a download against.
    pub fn is_empty(&self) -> bool {
        self.sha256.is_none() && self.composite.is_none()
    }

    /// For `list`: the whole-object SHA-256 if recorded, else the composite.
    pub fn display(&self) -> Option<String> {
        self.sha256
            .clone()
            .or_else(|| self.composite.as_ref().map(|c| c.checksum.clone()))
    }
}

/// Object metadata keys (stored as `x-amz-meta-<name>`).
pub mod meta {
    /// SHA-256 of the whole object, hex (objects written before uploads streamed; a streaming
    /// upload cannot know it when the upload starts, and records [`PART_SIZE`] instead).
    pub const SHA256: &str = "sha256";
    /// Bytes per upload part, to recompute the composite checksum S3 records.
    pub const PART_SIZE: &str = "part-size";
    /// Raft index of the snapshot.
    pub const RAFT_INDEX: &str = "raft-index";
    /// Raft term of the snapshot.
    pub const RAFT_TERM: &str = "raft-term";
    /// Server version that produced it.
    pub const SERVER_VERSION: &str = "server-version";
    /// OpenBao or Vault.
    pub const SERVER_FLAVOUR: &str = "server-flavour";
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
    /// Checksum the store reports (composite SHA-256 of the parts).
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
    /// SHA-256 of the whole object from the metadata, or the composite checksum of its parts.
    pub sha256: Option<String>,
}

/// Seconds since the epoch, for metrics and ages.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
