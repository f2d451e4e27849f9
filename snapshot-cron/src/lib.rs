//! The nightly backup job as a library: find the active node, stream a Raft snapshot to a
//! temporary file while hashing it, verify the archive, upload it to S3 with SSE-KMS as a
//! multipart upload, apply retention, and report the outcome as a JSON line and metrics.
