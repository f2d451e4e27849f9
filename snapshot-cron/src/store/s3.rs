//! The S3 store ([`S3Store`]): the checks before an upload (credentials resolve, the KMS key
//! exists and is enabled, the bucket exists), the multipart upload with SSE-KMS and per-part
//! SHA-256 checksums the server verifies (begun, fed part by part while the snapshot arrives,
//! completed or aborted), the check after it (HEAD shows aws:kms with our key and
//! the full size), listing our objects with pagination, deleting, and downloading for a restore.
//! Every S3 and KMS call has an attempt timeout, so a frozen endpoint is a bounded failure. Any
//! failure after the multipart upload was created aborts it, retrying the abort for a while, and
//! the open upload is remembered so a signal handler can abort it too: no parts are left behind
//! to be billed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use aws_sdk_s3::config::ProvideCredentials as _;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart, ServerSideEncryption,
};
use base64::Engine as _;
use tracing::{info, warn};

use super::{Composite, PartDone, PartUpload, Recorded, Store, Uploaded, meta};
use crate::cli::StoreArgs;
use crate::keys::{self, SnapshotObject};
use crate::progress::Progress;
use crate::spool::{Downloaded, PartSpec, TempSink};

/// S3 + KMS clients for one bucket and prefix.
pub struct S3Store {
    s3: aws_sdk_s3::Client,
    kms: aws_sdk_kms::Client,
    bucket: String,
    prefix: String,
    /// How long one body chunk of a download may take.
    stall: Duration,
    /// The multipart upload in progress (key, upload id), for [`S3Store::abort_open_upload`].
    open_upload: Mutex<Option<(String, String)>>,
}

/// How long aborting a failed multipart upload keeps retrying.
const ABORT_BUDGET: Duration = Duration::from_secs(120);

impl S3Store {
    /// Builds clients from the standard AWS chain plus the endpoint / path-style / timeout flags,
    /// and resolves the credentials once, so that having none is reported as such (and not as an
    /// unreachable endpoint at the first request).
    pub async fn connect(args: &StoreArgs) -> anyhow::Result<Self> {
        let attempt = Duration::from_secs(args.s3_timeout.max(1));
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(attempt.min(Duration::from_secs(10)))
            .operation_attempt_timeout(attempt)
            .build();
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .timeout_config(timeouts)
            .load()
            .await;
        let Some(credentials) = shared.credentials_provider() else {
            bail!(NO_CREDENTIALS);
        };
        if let Err(e) = credentials.provide_credentials().await {
            // The chain's error embeds raw HTTP responses; the per-provider reasons are in the
            // log already (warnings of aws_config).
            tracing::debug!(error = %DisplayErrorContext(&e), "no AWS credentials");
            bail!(NO_CREDENTIALS);
        }
        let mut s3 =
            aws_sdk_s3::config::Builder::from(&shared).force_path_style(args.s3_force_path_style);
        if let Some(ep) = &args.s3_endpoint {
            s3 = s3.endpoint_url(ep);
        }
        let mut kms = aws_sdk_kms::config::Builder::from(&shared);
        if let Some(ep) = &args.kms_endpoint {
            kms = kms.endpoint_url(ep);
        }
        Ok(Self {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            kms: aws_sdk_kms::Client::from_conf(kms.build()),
            bucket: args.bucket.clone(),
            prefix: keys::normalize_prefix(&args.prefix),
            stall: attempt,
            open_upload: Mutex::new(None),
        })
    }

    /// Aborts the multipart upload in progress, if any, trying for at most `budget`; returns its
    /// key. For a signal handler: the task that was uploading has been cancelled.
    pub async fn abort_open_upload(&self, budget: Duration) -> Option<String> {
        let (key, upload_id) = self
            .open_upload
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        self.abort(&key, &upload_id, budget).await;
        Some(key)
    }

    fn set_open_upload(&self, open: Option<(String, String)>) {
        *self
            .open_upload
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = open;
    }

    /// Checks through the KMS API that `key_id` exists and is enabled for encryption. S3 (and
    /// S3-compatible stores in particular) may accept any key id in the upload headers.
    pub async fn check_kms_key(&self, key_id: &str) -> anyhow::Result<String> {
        let out = self
            .kms
            .describe_key()
            .key_id(key_id)
            .send()
            .await
            .map_err(|e| {
                let code = e.code().unwrap_or_default().to_owned();
                let detail = describe(&e);
                if code == "NotFoundException" {
                    anyhow!("KMS key {key_id:?} does not exist ({detail}); set SNAPSHOT_CRON_KMS_KEY_ID to an existing key in this account and region")
                } else {
                    anyhow!("cannot check KMS key {key_id:?}: {detail}")
                }
            })?;
        let meta = out
            .key_metadata
            .ok_or_else(|| anyhow!("KMS DescribeKey for {key_id:?} returned no key metadata"))?;
        let state = meta
            .key_state
            .as_ref()
            .map_or("unknown", |s| s.as_str())
            .to_owned();
        if !meta.enabled || state != "Enabled" {
            bail!(
                "KMS key {key_id:?} is not enabled (state {state}); enable it or configure another key"
            );
        }
        if let Some(usage) = &meta.key_usage
            && usage.as_str() != "ENCRYPT_DECRYPT"
        {
            bail!(
                "KMS key {key_id:?} has usage {}; SSE-KMS needs an ENCRYPT_DECRYPT key",
                usage.as_str()
            );
        }
        Ok(meta.arn.unwrap_or(meta.key_id))
    }

    /// Checks that the bucket exists and is reachable with our credentials.
    pub async fn check_bucket(&self) -> anyhow::Result<()> {
        match self.s3.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                match status {
                    Some(404) => bail!(
                        "bucket {:?} does not exist; create it or set SNAPSHOT_CRON_BUCKET",
                        self.bucket
                    ),
                    Some(403) => bail!(
                        "access to bucket {:?} is denied; check the credentials and the IAM policy",
                        self.bucket
                    ),
                    _ => bail!("cannot reach bucket {:?}: {}", self.bucket, describe(&e)),
                }
            }
        }
    }

    async fn check_uploaded(&self, key: &str, bytes: u64, kms_key_id: &str) -> anyhow::Result<()> {
        let head = self
            .s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .map_err(|e| anyhow!("checking the uploaded object {key}: {}", describe(&e)))?;
        let size = head.content_length.unwrap_or(-1);
        if u64::try_from(size).ok() != Some(bytes) {
            bail!("the uploaded object {key} has {size} bytes, expected {bytes}; deleted it");
        }
        if head.server_side_encryption != Some(ServerSideEncryption::AwsKms) {
            bail!("the uploaded object {key} is not encrypted with aws:kms; deleted it");
        }
        let reported = head.ssekms_key_id.unwrap_or_default();
        if !(reported == kms_key_id || reported.ends_with(&format!("/{kms_key_id}"))) {
            warn!(%reported, configured = %kms_key_id, "S3 reports a different KMS key id form (alias or ARN)");
        }
        Ok(())
    }

    /// Aborts a multipart upload, retrying for up to `budget`: when S3 is unreachable the parts
    /// would otherwise stay behind (and be billed) until a lifecycle rule cleans them.
    async fn abort(&self, key: &str, upload_id: &str, budget: Duration) {
        let attempts = self.abort_attempts(key, upload_id, Instant::now() + budget);
        if tokio::time::timeout(budget, attempts).await.is_err() {
            warn!(
                key,
                "could not abort the multipart upload in time; a bucket lifecycle rule (AbortIncompleteMultipartUpload) must clean it up"
            );
        }
    }

    async fn abort_attempts(&self, key: &str, upload_id: &str, deadline: Instant) {
        let mut delay = Duration::from_millis(500);
        loop {
            match self
                .s3
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .send()
                .await
            {
                Ok(_) => {
                    info!(key, "aborted the multipart upload");
                    return;
                }
                // An earlier attempt that timed out on our side may have gone through.
                Err(e) if e.code() == Some("NoSuchUpload") => {
                    info!(key, "aborted the multipart upload (S3 no longer knows it)");
                    return;
                }
                Err(e) => {
                    if Instant::now() + delay > deadline {
                        warn!(key, error = %describe(&e), "could not abort the multipart upload; a bucket lifecycle rule (AbortIncompleteMultipartUpload) must clean it up");
                        return;
                    }
                    warn!(key, error = %describe(&e), "aborting the multipart upload failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    }
}

impl Store for S3Store {
    type Upload = S3Upload;

    /// The bucket.
    fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The normalised prefix.
    fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The KMS key through the KMS API, then the bucket.
    async fn preflight(&self, kms_key_id: &str) -> anyhow::Result<()> {
        self.check_kms_key(kms_key_id).await?;
        self.check_bucket().await
    }

    /// Creates the multipart upload with SSE-KMS, the key id, SHA-256 part checksums and the
    /// metadata, and remembers it for [`S3Store::abort_open_upload`].
    async fn begin_upload(
        &self,
        key: &str,
        kms_key_id: &str,
        metadata: HashMap<String, String>,
    ) -> anyhow::Result<S3Upload> {
        let created = self
            .s3
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(kms_key_id)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .content_type("application/gzip")
            .set_metadata(Some(metadata))
            .send()
            .await
            .map_err(|e| anyhow!("starting the multipart upload of {key}: {}", describe(&e)))?;
        let upload_id = created
            .upload_id
            .ok_or_else(|| anyhow!("S3 returned no upload id for {key}"))?;
        self.set_open_upload(Some((key.to_owned(), upload_id.clone())));
        info!(key, "started the multipart upload");
        Ok(S3Upload {
            s3: self.s3.clone(),
            bucket: self.bucket.clone(),
            key: key.to_owned(),
            upload_id,
        })
    }

    /// Completes the upload, then checks the object with HEAD; an object that is not what we
    /// meant to store is deleted, and a failed completion aborts the upload.
    async fn complete_upload(
        &self,
        upload: &S3Upload,
        mut parts: Vec<PartDone>,
        bytes: u64,
        kms_key_id: &str,
    ) -> anyhow::Result<Uploaded> {
        let key = upload.key.as_str();
        parts.sort_by_key(|p| p.number);
        let completed = parts
            .iter()
            .map(|p| {
                Ok(CompletedPart::builder()
                    .part_number(i32::try_from(p.number).context("too many parts")?)
                    .set_e_tag(p.etag.clone())
                    .checksum_sha256(base64::engine::general_purpose::STANDARD.encode(p.sha256))
                    .build())
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let done = self
            .s3
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(&upload.upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed))
                    .build(),
            )
            .send()
            .await;
        let done = match done {
            Ok(done) => done,
            Err(e) => {
                let error = anyhow!("completing the multipart upload of {key}: {}", describe(&e));
                self.abort_upload(upload).await;
                return Err(error);
            }
        };
        self.set_open_upload(None);
        if let Err(e) = self.check_uploaded(key, bytes, kms_key_id).await {
            // An object that is not what we meant to store must not count as a backup.
            let _ = self
                .s3
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await;
            return Err(e);
        }
        Ok(Uploaded {
            key: key.to_owned(),
            etag: done.e_tag.unwrap_or_default(),
            checksum_sha256: done.checksum_sha256,
        })
    }

    /// Aborts the upload, retrying for a while.
    async fn abort_upload(&self, upload: &S3Upload) {
        self.set_open_upload(None);
        self.abort(&upload.key, &upload.upload_id, ABORT_BUDGET)
            .await;
    }

    /// Our snapshot objects under the prefix (others are ignored), newest first.
    async fn list(&self) -> anyhow::Result<Vec<SnapshotObject>> {
        let list_prefix = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut out = Vec::new();
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(list_prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                anyhow!(
                    "listing s3://{}/{}: {}",
                    self.bucket,
                    self.prefix,
                    describe(&e)
                )
            })?;
            for obj in page.contents.unwrap_or_default() {
                let Some(key) = obj.key else { continue };
                let Some((created_ms, index)) = keys::parse_key(&self.prefix, &key) else {
                    continue;
                };
                out.push(SnapshotObject {
                    key,
                    created_ms,
                    index,
                    size: obj.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                });
            }
        }
        out.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.key.cmp(&a.key)));
        Ok(out)
    }

    /// The SHA-256 in an object's metadata, and the composite checksum S3 keeps for it with
    /// the part size from the metadata.
    async fn recorded_checksum(&self, key: &str) -> anyhow::Result<Recorded> {
        let head = self
            .s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .map_err(|e| anyhow!("reading the metadata of {key}: {}", describe(&e)))?;
        let metadata = head.metadata.unwrap_or_default();
        let part_size = metadata
            .get(meta::PART_SIZE)
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|&n| n > 0);
        let composite = match (head.checksum_sha256, part_size) {
            (Some(checksum), Some(part_size)) => Some(Composite {
                checksum,
                part_size,
            }),
            _ => None,
        };
        Ok(Recorded {
            sha256: metadata.get(meta::SHA256).cloned(),
            composite,
        })
    }

    /// Deletes one object.
    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| anyhow!("deleting {key}: {}", describe(&e)))?;
        Ok(())
    }

    /// Downloads an object into a temporary file in `dir`, hashing it on the way.
    async fn download(
        &self,
        key: &str,
        dir: &Path,
        part_size: Option<u64>,
    ) -> anyhow::Result<Downloaded> {
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                if e.code() == Some("NoSuchKey") {
                    anyhow!(
                        "s3://{}/{key} does not exist; see `snapshot-cron list`",
                        self.bucket
                    )
                } else {
                    anyhow!("downloading s3://{}/{key}: {}", self.bucket, describe(&e))
                }
            })?;
        let mut body = out.body;
        let mut sink = TempSink::create(dir, ".restore-", part_size.unwrap_or(u64::MAX))?;
        let mut progress = Progress::new("downloading snapshot");
        loop {
            let next = tokio::time::timeout(self.stall, body.try_next())
                .await
                .map_err(|_| {
                    anyhow!(
                        "downloading s3://{}/{key}: no data for {}s (SNAPSHOT_CRON_S3_TIMEOUT)",
                        self.bucket,
                        self.stall.as_secs()
                    )
                })?
                .with_context(|| format!("downloading s3://{}/{key}", self.bucket))?;
            let Some(chunk) = next else { break };
            sink.write(&chunk)?;
            progress.update(sink.written());
        }
        progress.done(sink.written());
        sink.finish()
    }
}

/// A multipart upload in progress: what a part upload needs, cloned into its task.
#[derive(Clone)]
pub struct S3Upload {
    s3: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    upload_id: String,
}

impl PartUpload for S3Upload {
    fn put_part(
        &self,
        file: &Path,
        part: PartSpec,
    ) -> impl Future<Output = anyhow::Result<PartDone>> + Send + 'static {
        let (upload, file) = (self.clone(), file.to_path_buf());
        async move { upload.upload_part(&file, part).await }
    }
}

impl S3Upload {
    async fn upload_part(&self, file: &Path, part: PartSpec) -> anyhow::Result<PartDone> {
        let PartSpec {
            number,
            offset,
            length,
            sha256,
        } = part;
        let key = &self.key;
        // The body streams from the file (no part-sized buffer) and can be re-read for retries.
        let body = ByteStream::read_from()
            .path(file)
            .buffer_size(256 * 1024)
            .offset(offset)
            .length(Length::Exact(length))
            .build()
            .await
            .with_context(|| format!("reading part {number} of the snapshot file"))?;
        let out = self
            .s3
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(&self.upload_id)
            .part_number(i32::try_from(number).context("too many parts")?)
            .content_length(i64::try_from(length).context("part too large")?)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(base64::engine::general_purpose::STANDARD.encode(sha256))
            .body(body)
            .customize()
            // The part's SHA-256 travels in x-amz-checksum-sha256 and S3 verifies it; signing the
            // payload as well would hash every byte a second time for no added integrity.
            .disable_payload_signing()
            .send()
            .await
            .map_err(|e| anyhow!("uploading part {number} of {key}: {}", describe(&e)))?;
        Ok(PartDone {
            number,
            etag: out.e_tag,
            sha256,
        })
    }
}

const NO_CREDENTIALS: &str = "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the job a role (IRSA / EKS Pod Identity / instance profile)";

/// One line for an SDK error: the service's code and message, or why it could not be reached.
fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            match (e.code(), e.message()) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.to_owned(),
                _ => DisplayErrorContext(err).to_string(),
            }
        }
        SdkError::DispatchFailure(_) => format!(
            "cannot reach the endpoint ({}); check AWS_ENDPOINT_URL / the network",
            DisplayErrorContext(err)
        ),
        SdkError::TimeoutError(_) => format!(
            "no answer within SNAPSHOT_CRON_S3_TIMEOUT ({}); check the endpoint and the network",
            DisplayErrorContext(err)
        ),
        _ => DisplayErrorContext(err).to_string(),
    }
}
