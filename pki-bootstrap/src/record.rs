//! The ceremony record: one JSON line per command in `ceremony-log.jsonl` (UTC time, tool
//! version, command, certificates with subject/serial/fingerprint, SHA-256 of every file written)
//! and a `SHA256SUMS` that `sha256sum -c` accepts, rewritten after every command (both staged in
//! the command's [`Transaction`], so they change together with the files they describe). Also the
//! one-paragraph certificate summary witnesses read out aloud.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::fsio::MODE_PUBLIC;
use crate::journal::{self, Transaction};
use crate::{Error, Result};

/// Name of the append-only log in every directory we write.
pub const LOG_FILE: &str = "ceremony-log.jsonl";
/// Name of the checksum manifest.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// What a witness reads out for a new certificate.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CertSummary {
    /// Subject DN as OpenSSL prints it (RFC 4514 order).
    pub subject: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// SHA-256 over the DER certificate, colon-separated upper-case hex.
    pub sha256_fingerprint: String,
    /// Last instant of validity (RFC 3339).
    pub not_after: String,
}

impl CertSummary {
    /// Summarises a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| Error::Invalid(format!("cannot parse a certificate we hold: {e}")))?;
        let serial = colon_hex(cert.tbs_certificate.raw_serial(), false);
        Ok(Self {
            subject: cert.subject().to_string(),
            serial,
            sha256_fingerprint: colon_hex(&openssl::sha::sha256(der), true),
            not_after: crate::lint::date(cert.validity().not_after.to_datetime()),
        })
    }
}

impl std::fmt::Display for CertSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "  subject:     {}", self.subject)?;
        writeln!(f, "  serial:      {}", self.serial)?;
        writeln!(f, "  sha256:      {}", self.sha256_fingerprint)?;
        write!(f, "  not after:   {}", self.not_after)
    }
}

/// One line of `ceremony-log.jsonl`.
#[derive(Debug, Serialize)]
pub struct LogEntry {
    /// UTC time, RFC 3339.
    pub time: String,
    /// `pki-bootstrap <version>`.
    pub tool: String,
    /// The subcommand (`root`, `sign-csr`, ...).
    pub command: String,
    /// Certificates created by this command.
    pub certificates: Vec<CertSummary>,
    /// Every file written by this command (path as given) with its SHA-256.
    pub files: BTreeMap<String, String>,
    /// Free-form facts (profile, revoked serials, CRL number, warnings).
    pub details: BTreeMap<String, serde_json::Value>,
}

impl LogEntry {
    /// An empty entry for `command`, stamped now.
    pub fn new(command: &str) -> Self {
        Self {
            time: now_rfc3339(),
            tool: format!("pki-bootstrap {}", env!("CARGO_PKG_VERSION")),
            command: command.to_owned(),
            certificates: Vec::new(),
            files: BTreeMap::new(),
            details: BTreeMap::new(),
        }
    }

    /// Records a written file.
    pub fn file(&mut self, path: &Path, contents: &[u8]) {
        self.files.insert(
            path.display().to_string(),
            hex(&openssl::sha::sha256(contents)),
        );
    }
}

/// Stages, in `tx`, `entry` appended to `dir/ceremony-log.jsonl` and `dir/SHA256SUMS` over
/// the directory as the transaction will leave it; for a CA directory made by `ceremony`, also
/// the ceremony directory's manifest lines for it.
pub fn stage(tx: &mut Transaction, dir: &Path, entry: &LogEntry) -> Result<()> {
    stage_log(tx, dir, entry)?;
    let map = hashes_after(tx, dir, "", false)?;
    tx.replace(&dir.join(SUMS_FILE), sums_text(&map), MODE_PUBLIC);
    stage_parent_manifest(tx, dir)
}

/// Like [`stage`], but the manifest covers every file below `dir` with relative paths, so one
/// `sha256sum -c SHA256SUMS` at the top of a ceremony directory checks everything in it.
pub fn stage_tree(tx: &mut Transaction, dir: &Path, entry: &LogEntry) -> Result<()> {
    stage_log(tx, dir, entry)?;
    let map = hashes_after(tx, dir, "", true)?;
    tx.replace(&dir.join(SUMS_FILE), sums_text(&map), MODE_PUBLIC);
    Ok(())
}

fn stage_log(tx: &mut Transaction, dir: &Path, entry: &LogEntry) -> Result<()> {
    let log = dir.join(LOG_FILE);
    let mut contents = match tx.staged(&log) {
        Some(staged) => staged.to_vec(),
        None => match std::fs::read(&log) {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(Error::Io {
                    context: format!("reading {}", log.display()),
                    source: e,
                });
            }
        },
    };
    if !contents.is_empty() && !contents.ends_with(b"\n") {
        contents.push(b'\n');
    }
    let line = serde_json::to_string(entry)
        .map_err(|e| Error::Invalid(format!("serialising the log entry: {e}")))?;
    contents.extend_from_slice(line.as_bytes());
    contents.push(b'\n');
    tx.replace(&log, contents, MODE_PUBLIC);
    Ok(())
}

/// A CA directory made by `ceremony` is also listed in the ceremony directory's tree manifest.
/// After a later command on it (`crl`, `sign-csr`), refresh the lines for this directory's
/// files there, so `sha256sum -c SHA256SUMS` at the top still holds. A CA directory created
/// later inside a ceremony directory (`intermediate --out ceremony/new`) is added to it, so the
/// top-level manifest keeps covering every file below it. Only this directory's lines change: a
/// file changed elsewhere in the tree still fails the check, and an existing directory the
/// manifest never listed is not blessed by a command run on it.
fn stage_parent_manifest(tx: &mut Transaction, dir: &Path) -> Result<()> {
    let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
        return Ok(());
    };
    let sums = parent.join(SUMS_FILE);
    let on_disk = match tx.staged(&sums) {
        Some(staged) => Ok(String::from_utf8_lossy(staged).into_owned()),
        None => std::fs::read_to_string(&sums),
    };
    let text = match on_disk {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(Error::Io {
                context: format!("reading {}", sums.display()),
                source: e,
            });
        }
    };
    let prefix = format!("{}/", name.to_string_lossy());
    let entries: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once("  ")).collect();
    let listed = entries.iter().any(|(_, file)| file.starts_with(&prefix));
    // A tree manifest (a ceremony directory's) names files in subdirectories; a directory
    // without its own SHA256SUMS yet is the one this command creates.
    let is_tree = entries.iter().any(|(_, file)| file.contains('/'));
    let created_now = !dir.join(SUMS_FILE).exists();
    if !(listed || (is_tree && created_now)) {
        return Ok(());
    }
    let mut map: BTreeMap<String, String> = entries
        .into_iter()
        .filter(|(_, file)| !file.starts_with(&prefix))
        .map(|(file_digest, file)| (file.to_owned(), file_digest.to_owned()))
        .collect();
    map.extend(hashes_after(tx, dir, &prefix, true)?);
    tx.replace(&sums, sums_text(&map), MODE_PUBLIC);
    Ok(())
}

/// SHA-256 of the files below `dir` as they will be once `tx` commits (names prefixed with
/// `prefix`; `dir`'s own SHA256SUMS only when `prefix` is not empty).
fn hashes_after(
    tx: &Transaction,
    dir: &Path,
    prefix: &str,
    recurse: bool,
) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    if dir.is_dir() {
        hash_into(dir, prefix, recurse, &mut map)?;
    }
    for (rel, bytes) in tx.staged_under(dir) {
        if (!recurse && rel.contains('/')) || (prefix.is_empty() && rel == SUMS_FILE) {
            continue;
        }
        map.insert(format!("{prefix}{rel}"), hex(&openssl::sha::sha256(bytes)));
    }
    Ok(map)
}

fn sums_text(map: &BTreeMap<String, String>) -> Vec<u8> {
    let mut out = String::new();
    for (name, digest) in map {
        let _ = writeln!(out, "{digest}  {name}");
    }
    out.into_bytes()
}

/// SHA-256 of every regular file in `dir` (sorted by name), excluding `SHA256SUMS` and temps.
pub fn hash_dir(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    hash_into(dir, "", false, &mut map)?;
    Ok(map)
}

fn hash_into(
    dir: &Path,
    prefix: &str,
    recurse: bool,
    map: &mut BTreeMap<String, String>,
) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).map_err(Error::io(format!("listing {}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(Error::io(format!("listing {}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().ok();
        if recurse && kind.is_some_and(|t| t.is_dir()) {
            hash_into(&entry.path(), &format!("{prefix}{name}/"), true, map)?;
            continue;
        }
        let is_file = kind.is_some_and(|t| t.is_file());
        if !is_file || (prefix.is_empty() && name == SUMS_FILE) || journal::is_internal(&name) {
            continue;
        }
        let data = std::fs::read(entry.path())
            .map_err(Error::io(format!("reading {}", entry.path().display())))?;
        map.insert(format!("{prefix}{name}"), hex(&openssl::sha::sha256(&data)));
    }
    Ok(())
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Colon-separated hex, as OpenSSL prints fingerprints and serials.
pub fn colon_hex(bytes: &[u8], upper: bool) -> String {
    let parts: Vec<String> = bytes
        .iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect();
    parts.join(":")
}

/// Now in UTC, RFC 3339 with seconds.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.to_string())
}
