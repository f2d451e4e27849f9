//! Offline verification of a Raft snapshot file, in one streaming pass with bounded memory.
//!
//! The file is gzip → tar holding `meta.json` (Version, ID, Index, Term, Configuration, Size),
//! `state.bin` (varint-length-delimited protobuf records whose field 1 is the plaintext storage
//! key), `SHA256SUMS` (sha256sum lines for the first two) and `SHA256SUMS.sealed` (the same sums
//! sealed by the server's keyring, which we can only check is present). We decompress, hash both
//! members as they stream past, walk every record of `state.bin` without buffering values, read
//! the gzip stream to its end so its CRC and length trailer are checked, and only then compare the
//! hashes. A truncated, empty, re-ordered or bit-flipped file fails one of those steps.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::digest::Sha256;
use serde::{Deserialize, Serialize};

/// Names of the members of a snapshot archive.
pub const META_JSON: &str = "meta.json";
/// The FSM state.
pub const STATE_BIN: &str = "state.bin";
/// Plain checksums of `meta.json` and `state.bin`.
pub const SHA256SUMS: &str = "SHA256SUMS";
/// Checksums sealed by the server.
pub const SHA256SUMS_SEALED: &str = "SHA256SUMS.sealed";

/// Largest `meta.json` / `SHA256SUMS` we accept; real ones are a few hundred bytes.
const SMALL_MEMBER_LIMIT: u64 = 1024 * 1024;
/// Largest single record of `state.bin`; Raft itself caps entries far below this.
const RECORD_LIMIT: u64 = 1024 * 1024 * 1024;
/// Longest key we keep for prefix counting; longer keys are counted under their first bytes.
const KEY_LIMIT: u64 = 4096;

/// What a valid snapshot contains.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotReport {
    /// Raft snapshot format version from `meta.json`.
    pub version: u64,
    /// Snapshot ID from `meta.json`.
    pub id: String,
    /// Raft index the snapshot covers.
    pub index: u64,
    /// Raft term of that index.
    pub term: u64,
    /// Size of the compressed file in bytes.
    pub file_bytes: u64,
    /// Size of the uncompressed tar stream.
    pub tar_bytes: u64,
    /// Size of `meta.json`.
    pub meta_bytes: u64,
    /// Size of `state.bin` (equals `Size` in `meta.json`).
    pub state_bytes: u64,
    /// Number of storage entries in `state.bin`.
    pub entries: u64,
    /// Entry count per first key segment (`core/`, `sys/`, `logical/` ...).
    pub prefixes: BTreeMap<String, u64>,
    /// SHA-256 of `state.bin`, hex.
    pub state_sha256: String,
}

/// Why a snapshot is not acceptable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The file could not be opened or read (a local problem, not the archive's).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The file is empty.
    #[error("the snapshot is empty (0 bytes)")]
    Empty,
    /// gzip or tar framing is broken: truncated, corrupted, or not a snapshot at all.
    #[error("the snapshot archive is damaged or truncated: {0}")]
    Corrupt(String),
    /// A required member is missing.
    #[error("the snapshot has no {0}; it is incomplete")]
    Missing(&'static str),
    /// A member appears twice.
    #[error("the snapshot contains {0} twice")]
    Duplicate(String),
    /// A member's SHA-256 does not match `SHA256SUMS`.
    #[error(
        "SHA-256 of {member} is {actual} but SHA256SUMS says {expected}; the snapshot is corrupted"
    )]
    ChecksumMismatch {
        /// Which member.
        member: &'static str,
        /// From `SHA256SUMS`.
        expected: String,
        /// Computed.
        actual: String,
    },
    /// `meta.json` or `SHA256SUMS` is malformed or inconsistent.
    #[error("invalid {member}: {reason}")]
    Invalid {
        /// Which member.
        member: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A record of `state.bin` is malformed.
    #[error("state.bin is malformed at record {record} (byte {offset}): {reason}")]
    BadRecord {
        /// 0-based record number.
        record: u64,
        /// Byte offset of the record in `state.bin`.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Verifies the snapshot file at `path`.
pub fn verify_file(path: &Path) -> Result<SnapshotReport, VerifyError> {
    let file = File::open(path).map_err(|source| VerifyError::Io {
        path: path.display().to_string(),
        source,
    })?;
    verify_reader(file)
}

/// Where a snapshot sits in the Raft log, from its `meta.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotId {
    /// Raft index.
    pub index: u64,
    /// Raft term.
    pub term: u64,
}

/// Verifies a snapshot read from `input` (a file or any byte stream).
pub fn verify_reader(input: impl Read) -> Result<SnapshotReport, VerifyError> {
    verify_reader_reporting(input, |_| {})
}

/// Verifies a snapshot read from `input`, calling `on_meta` as soon as `meta.json` (the first
/// member) has been parsed, long before the rest is verified: a streaming upload needs the
/// Raft index for the object key when its first part is ready. Nothing is vouched for until
/// this returns `Ok`.
pub fn verify_reader_reporting(
    input: impl Read,
    on_meta: impl FnOnce(SnapshotId),
) -> Result<SnapshotReport, VerifyError> {
    let mut compressed = Counting::new(BufReader::with_capacity(256 * 1024, input));
    if compressed.fill_buf_len().map_err(corrupt)? == 0 {
        return Err(VerifyError::Empty);
    }
    let gz = flate2::bufread::GzDecoder::new(&mut compressed);
    let mut tar_stream = Counting::new(gz);
    let mut found = Found {
        on_meta: Some(Box::new(on_meta)),
        ..Found::default()
    };
    {
        let mut archive = tar::Archive::new(&mut tar_stream);
        let entries = archive.entries().map_err(corrupt)?;
        for entry in entries {
            let entry = entry.map_err(corrupt)?;
            let name = entry
                .path()
                .map_err(corrupt)?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            found.member(&name, entry)?;
        }
    }
    // Read the gzip stream to its end: the CRC-32 and length trailer are only checked there.
    io::copy(&mut tar_stream, &mut io::sink()).map_err(corrupt)?;
    let tar_bytes = tar_stream.count;
    drop(tar_stream);
    let file_bytes = compressed.count;
    found.finish(file_bytes, tar_bytes)
}

#[derive(Default)]
struct Found<'a> {
    on_meta: Option<Box<dyn FnOnce(SnapshotId) + 'a>>,
    meta: Option<(Meta, u64, String)>,
    state: Option<StateScan>,
    sums: Option<BTreeMap<String, String>>,
    sealed_bytes: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Meta {
    version: u64,
    #[serde(rename = "ID")]
    id: String,
    index: u64,
    term: u64,
    size: u64,
}

struct StateScan {
    bytes: u64,
    sha256: String,
    entries: u64,
    prefixes: BTreeMap<String, u64>,
}

impl Found<'_> {
    fn member(&mut self, name: &str, entry: impl Read) -> Result<(), VerifyError> {
        match name {
            META_JSON => {
                if self.meta.is_some() {
                    return Err(VerifyError::Duplicate(name.into()));
                }
                let bytes = read_small(entry, META_JSON)?;
                let meta: Meta =
                    serde_json::from_slice(&bytes).map_err(|e| VerifyError::Invalid {
                        member: META_JSON,
                        reason: e.to_string(),
                    })?;
                if let Some(report) = self.on_meta.take() {
                    report(SnapshotId {
                        index: meta.index,
                        term: meta.term,
                    });
                }
                self.meta = Some((meta, bytes.len() as u64, sha256_hex(&bytes)));
            }
            STATE_BIN => {
                if self.state.is_some() {
                    return Err(VerifyError::Duplicate(name.into()));
                }
                self.state = Some(scan_state(entry)?);
            }
            SHA256SUMS => {
                if self.sums.is_some() {
                    return Err(VerifyError::Duplicate(name.into()));
                }
                let bytes = read_small(entry, SHA256SUMS)?;
                self.sums = Some(parse_sums(&bytes)?);
            }
            SHA256SUMS_SEALED => {
                if self.sealed_bytes.is_some() {
                    return Err(VerifyError::Duplicate(name.into()));
                }
                self.sealed_bytes = Some(read_small(entry, SHA256SUMS_SEALED)?.len() as u64);
            }
            other => {
                return Err(VerifyError::Invalid {
                    member: "archive",
                    reason: format!("unexpected member {other:?}"),
                });
            }
        }
        Ok(())
    }

    fn finish(self, file_bytes: u64, tar_bytes: u64) -> Result<SnapshotReport, VerifyError> {
        let (meta, meta_bytes, meta_sha) = self.meta.ok_or(VerifyError::Missing(META_JSON))?;
        let state = self.state.ok_or(VerifyError::Missing(STATE_BIN))?;
        let sums = self.sums.ok_or(VerifyError::Missing(SHA256SUMS))?;
        match self.sealed_bytes {
            None => return Err(VerifyError::Missing(SHA256SUMS_SEALED)),
            Some(0) => {
                return Err(VerifyError::Invalid {
                    member: SHA256SUMS_SEALED,
                    reason: "empty".into(),
                });
            }
            Some(_) => {}
        }
        for (member, actual) in [(META_JSON, &meta_sha), (STATE_BIN, &state.sha256)] {
            let expected = sums.get(member).ok_or_else(|| VerifyError::Invalid {
                member: SHA256SUMS,
                reason: format!("no line for {member}"),
            })?;
            if !expected.eq_ignore_ascii_case(actual) {
                return Err(VerifyError::ChecksumMismatch {
                    member,
                    expected: expected.clone(),
                    actual: actual.clone(),
                });
            }
        }
        if meta.size != state.bytes {
            return Err(VerifyError::Invalid {
                member: META_JSON,
                reason: format!(
                    "Size is {} but state.bin has {} bytes",
                    meta.size, state.bytes
                ),
            });
        }
        if meta.index == 0 || state.entries == 0 {
            return Err(VerifyError::Invalid {
                member: STATE_BIN,
                reason: format!("no data (index {}, {} entries)", meta.index, state.entries),
            });
        }
        Ok(SnapshotReport {
            version: meta.version,
            id: meta.id,
            index: meta.index,
            term: meta.term,
            file_bytes,
            tar_bytes,
            meta_bytes,
            state_bytes: state.bytes,
            entries: state.entries,
            prefixes: state.prefixes,
            state_sha256: state.sha256,
        })
    }
}

fn scan_state(entry: impl Read) -> Result<StateScan, VerifyError> {
    let mut hashed = Hashing::new(entry);
    let mut prefixes = BTreeMap::new();
    let mut entries = 0u64;
    let outcome = scan_records(&mut hashed, &mut prefixes, &mut entries);
    // A failure below us (gzip or tar) is damage to the archive, not a malformed record.
    if let Some(reason) = hashed.failure.take() {
        return Err(VerifyError::Corrupt(reason));
    }
    outcome?;
    Ok(StateScan {
        bytes: hashed.count,
        sha256: hex::encode(hashed.hasher.finalize()),
        entries,
        prefixes,
    })
}

/// Reads records until a clean EOF, so that every byte passes through the caller's hasher.
fn scan_records(
    input: impl Read,
    prefixes: &mut BTreeMap<String, u64>,
    entries: &mut u64,
) -> Result<(), VerifyError> {
    let mut r = Counting::new(BufReader::with_capacity(256 * 1024, input));
    let mut key = Vec::new();
    loop {
        let offset = r.count;
        let record = *entries;
        let bad = |reason: String| VerifyError::BadRecord {
            record,
            offset,
            reason,
        };
        let Some(len) = read_varint(&mut r).map_err(|e| bad(e.to_string()))? else {
            return Ok(());
        };
        if len > RECORD_LIMIT {
            return Err(bad(format!("record length {len} is implausible")));
        }
        let mut body = (&mut r).take(len);
        key.clear();
        scan_record(&mut body, &mut key).map_err(|e| bad(e.to_string()))?;
        if body.limit() != 0 {
            return Err(bad("record is cut off".into()));
        }
        if key.is_empty() {
            return Err(bad("record has no key".into()));
        }
        *prefixes.entry(prefix_of(&key)).or_insert(0) += 1;
        *entries += 1;
    }
}

/// Walks one protobuf message, keeping field 1 (the key) and skipping everything else.
fn scan_record(r: &mut impl Read, key: &mut Vec<u8>) -> io::Result<()> {
    loop {
        let Some(tag) = read_varint(r)? else {
            return Ok(());
        };
        let field = tag >> 3;
        match tag & 7 {
            0 => {
                read_varint(r)?.ok_or_else(eof)?;
            }
            1 => skip(r, 8)?,
            2 => {
                let len = read_varint(r)?.ok_or_else(eof)?;
                if field == 1 && key.is_empty() {
                    let keep = len.min(KEY_LIMIT);
                    r.take(keep).read_to_end(key)?;
                    if (key.len() as u64) < keep {
                        return Err(eof());
                    }
                    skip(r, len - keep)?;
                } else {
                    skip(r, len)?;
                }
            }
            5 => skip(r, 4)?,
            wt => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("unknown protobuf wire type {wt} in field {field}"),
                ));
            }
        }
    }
}

/// The first key segment including its slash (`core/`), or the whole key if it has none.
fn prefix_of(key: &[u8]) -> String {
    let end = key
        .iter()
        .position(|&b| b == b'/')
        .map_or(key.len(), |i| i + 1);
    String::from_utf8_lossy(&key[..end]).into_owned()
}

/// Reads a protobuf varint; `None` on a clean EOF before its first byte.
fn read_varint(r: &mut impl Read) -> io::Result<Option<u64>> {
    let mut value = 0u64;
    let mut byte = [0u8; 1];
    for i in 0..10 {
        if r.read(&mut byte)? == 0 {
            return if i == 0 { Ok(None) } else { Err(eof()) };
        }
        value |= u64::from(byte[0] & 0x7f) << (7 * i);
        if byte[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidData,
        "varint longer than 10 bytes",
    ))
}

fn skip(r: &mut impl Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), &mut io::sink())?;
    if copied < n { Err(eof()) } else { Ok(()) }
}

fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "unexpected end of data")
}

fn read_small(entry: impl Read, member: &'static str) -> Result<Vec<u8>, VerifyError> {
    let mut buf = Vec::new();
    entry
        .take(SMALL_MEMBER_LIMIT + 1)
        .read_to_end(&mut buf)
        .map_err(corrupt)?;
    if buf.len() as u64 > SMALL_MEMBER_LIMIT {
        return Err(VerifyError::Invalid {
            member,
            reason: "larger than 1 MiB".into(),
        });
    }
    Ok(buf)
}

fn parse_sums(bytes: &[u8]) -> Result<BTreeMap<String, String>, VerifyError> {
    let text = std::str::from_utf8(bytes).map_err(|_| VerifyError::Invalid {
        member: SHA256SUMS,
        reason: "not UTF-8".into(),
    })?;
    let mut sums = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, name) =
            line.split_once(char::is_whitespace)
                .ok_or_else(|| VerifyError::Invalid {
                    member: SHA256SUMS,
                    reason: format!("malformed line {line:?}"),
                })?;
        let name = name.trim_start().trim_start_matches('*');
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(VerifyError::Invalid {
                member: SHA256SUMS,
                reason: format!("malformed hash for {name}"),
            });
        }
        sums.insert(name.to_owned(), hash.to_owned());
    }
    Ok(sums)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn corrupt(e: io::Error) -> VerifyError {
    VerifyError::Corrupt(e.to_string())
}

/// Counts the bytes read through it.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R> Counting<R> {
    fn new(inner: R) -> Self {
        Self { inner, count: 0 }
    }
}

impl<R: BufRead> Counting<R> {
    fn fill_buf_len(&mut self) -> io::Result<usize> {
        Ok(self.inner.fill_buf()?.len())
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        self.count += amt as u64;
        self.inner.consume(amt);
    }
}

/// Hashes and counts the bytes read through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
    /// The first error of the underlying reader, kept to tell damage apart from bad records.
    failure: Option<String>,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            count: 0,
            failure: None,
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).inspect_err(|e| {
            self.failure.get_or_insert_with(|| e.to_string());
        })?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
pub(crate) mod tests;
