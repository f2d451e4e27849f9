//! A CA directory: `ca.pem` (this CA), `ca.key` (its key, encrypted), `chain.pem` (the issuers
//! above it up to and including the root; absent for a root), `state.json` (CRL number,
//! revocations, issued serials), `crl.pem`, `ceremony-log.jsonl` and `SHA256SUMS`.

use std::path::{Path, PathBuf};

use openssl::x509::X509;
use rcgen::{Issuer, KeyPair, PublicKeyData, SignatureAlgorithm, SigningKey};
use serde::{Deserialize, Serialize};
use x509_parser::prelude::FromDer;

use crate::fsio::{self, MODE_SECRET};
use crate::hsm::{HsmKey, KeyUri};
use crate::keys::PrivateKey;
use crate::lint::CertInfo;
use crate::secret::Passphrase;
use crate::{Error, Result};

/// This CA's certificate.
pub const CERT_FILE: &str = "ca.pem";
/// This CA's private key.
pub const KEY_FILE: &str = "ca.key";
/// Where this CA's key lives when it is on a PKCS#11 token (instead of `ca.key`).
pub const KEY_URI_FILE: &str = "ca.key-uri";
/// The issuers above this CA, nearest first, ending with the root.
pub const CHAIN_FILE: &str = "chain.pem";
/// Revocations, CRL number and issued serials.
pub const STATE_FILE: &str = "state.json";
/// The latest CRL.
pub const CRL_FILE: &str = "crl.pem";

/// An opened CA directory (the key is loaded separately, only when signing).
#[derive(Debug)]
pub struct CaDir {
    /// The directory.
    pub dir: PathBuf,
    /// `ca.pem` as DER.
    pub cert_der: Vec<u8>,
    /// `chain.pem` as DER, nearest issuer first.
    pub chain_der: Vec<Vec<u8>>,
}

impl CaDir {
    /// Opens `dir`, which must hold `ca.pem` and `ca.key`.
    pub fn open(dir: &Path) -> Result<Self> {
        let cert_path = dir.join(CERT_FILE);
        let has_key = dir.join(KEY_FILE).is_file() || dir.join(KEY_URI_FILE).is_file();
        if !cert_path.is_file() || !has_key {
            return Err(Error::Invalid(format!(
                "{} is not a CA directory (it needs {CERT_FILE} and {KEY_FILE} or {KEY_URI_FILE})",
                dir.display()
            )));
        }
        let certs = read_certs(&cert_path)?;
        let Some(cert_der) = certs.into_iter().next() else {
            return Err(Error::Invalid(format!(
                "{} holds no certificate",
                cert_path.display()
            )));
        };
        let chain_path = dir.join(CHAIN_FILE);
        let chain_der = if chain_path.is_file() {
            read_certs(&chain_path)?
        } else {
            Vec::new()
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            cert_der,
            chain_der,
        })
    }

    /// Facts about this CA's certificate.
    pub fn info(&self) -> Result<CertInfo> {
        CertInfo::from_der(&self.cert_der)
    }

    /// The root at the top of this CA's chain (itself for a root).
    pub fn root_der(&self) -> &[u8] {
        self.chain_der.last().unwrap_or(&self.cert_der)
    }

    /// This CA followed by its chain (for a child's `chain.pem` / `tls.crt`).
    pub fn self_and_chain(&self) -> Vec<Vec<u8>> {
        let mut v = vec![self.cert_der.clone()];
        v.extend(self.chain_der.iter().cloned());
        v
    }

    /// The token key's URI when this CA's key is on a PKCS#11 token.
    pub fn key_uri(&self) -> Result<Option<KeyUri>> {
        let path = self.dir.join(KEY_URI_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(Error::io(format!("reading {}", path.display())))?;
        KeyUri::parse(&text).map(Some)
    }

    /// The key to sign with: decrypted from `ca.key`, or opened on the token named by
    /// `ca.key-uri` (`module` overrides the module path recorded there). Checked against `ca.pem`.
    pub fn signing_key(
        &self,
        passphrase: Option<&Passphrase>,
        pin: Option<&Passphrase>,
        module: Option<&Path>,
    ) -> Result<CaKey> {
        let Some(uri) = self.key_uri()? else {
            return Ok(CaKey::Soft(self.load_key(passphrase)?.key_pair()?));
        };
        let module = module
            .map(Path::to_path_buf)
            .or(uri.module.clone())
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{} records no module path; pass --ca-pkcs11-module",
                    self.dir.join(KEY_URI_FILE).display()
                ))
            })?;
        let pin = pin.ok_or_else(|| {
            Error::Passphrase(format!(
                "the key of {} is on a token and needs its PIN",
                self.dir.display()
            ))
        })?;
        let key = HsmKey::open(&uri, &module, pin)?;
        let cert = X509::from_der(&self.cert_der).map_err(Error::ssl("parsing ca.pem"))?;
        let cert_pub = cert
            .public_key()
            .and_then(|k| k.public_key_to_der())
            .map_err(Error::ssl("reading the public key of ca.pem"))?;
        if cert_pub != key.public_key_der()? {
            return Err(Error::Invalid(format!(
                "the token key {} does not belong to {}",
                uri.object,
                self.dir.join(CERT_FILE).display()
            )));
        }
        Ok(CaKey::Hsm(key))
    }

    /// Whether `ca.key` is encrypted (so a passphrase is needed).
    pub fn key_is_encrypted(&self) -> Result<bool> {
        if self.key_uri()?.is_some() {
            return Ok(false);
        }
        let pem = self.read_key_file()?;
        Ok(String::from_utf8_lossy(&pem).contains("ENCRYPTED PRIVATE KEY"))
    }

    /// Decrypts `ca.key` and checks it belongs to `ca.pem`.
    pub fn load_key(&self, passphrase: Option<&Passphrase>) -> Result<PrivateKey> {
        let path = self.dir.join(KEY_FILE);
        let pem = zeroize::Zeroizing::new(self.read_key_file()?);
        let key = PrivateKey::from_pem(&pem, passphrase, &path)?;
        let cert = X509::from_der(&self.cert_der).map_err(Error::ssl("parsing ca.pem"))?;
        let cert_pub = cert
            .public_key()
            .and_then(|k| k.public_key_to_der())
            .map_err(Error::ssl("reading the public key of ca.pem"))?;
        if cert_pub != key.public_key_der()? {
            return Err(Error::Invalid(format!(
                "{} does not belong to {}",
                path.display(),
                self.dir.join(CERT_FILE).display()
            )));
        }
        Ok(key)
    }

    /// An rcgen issuer for this CA signing with `key`.
    pub fn issuer<'a, K: SigningKey>(&self, key: &'a K) -> Result<Issuer<'static, &'a K>> {
        Issuer::from_ca_cert_der(&self.cert_der.clone().into(), key).map_err(Error::rcgen(format!(
            "reading {} as an issuer",
            self.dir.display()
        )))
    }

    /// Reads `state.json` (a missing file is the empty state).
    pub fn state(&self) -> Result<State> {
        let path = self.dir.join(STATE_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Invalid(format!("{} is not valid CA state: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(Error::Io {
                context: format!("reading {}", path.display()),
                source: e,
            }),
        }
    }

    /// Refuses a directory whose files do not match its own record, before anything is signed
    /// with it: every file must match its `SHA256SUMS` line (and none may be missing from it),
    /// the latest CRL must verify with this CA's key, and `state.json` must hold every revocation
    /// and at least the CRL number of that signed CRL. The CRL is the one record nobody can edit
    /// without the key, so a revocation deleted from `state.json` (and SHA256SUMS rewritten to
    /// match) is still caught.
    pub fn check_record(&self) -> Result<()> {
        self.check_sums()?;
        let crl_path = self.dir.join(CRL_FILE);
        let pem = match std::fs::read(&crl_path) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(Error::Io {
                    context: format!("reading {}", crl_path.display()),
                    source: e,
                });
            }
        };
        let tampered = |file: PathBuf, why: String| Error::Tampered { file, why };
        crate::verify::crl(&pem, &self.cert_der).map_err(|_| {
            tampered(
                crl_path.clone(),
                "is not a CRL signed by this CA's key".into(),
            )
        })?;
        let crl = openssl::x509::X509Crl::from_pem(&pem)
            .map_err(Error::ssl(format!("reading {}", crl_path.display())))?;
        let der = crl
            .to_der()
            .map_err(Error::ssl(format!("reading {}", crl_path.display())))?;
        let (_, parsed) = x509_parser::prelude::CertificateRevocationList::from_der(&der)
            .map_err(|e| Error::Invalid(format!("{} does not parse: {e}", crl_path.display())))?;
        let state = self.state()?;
        let state_path = self.dir.join(STATE_FILE);
        let number = parsed
            .crl_number()
            .and_then(|n| u64::try_from(n.clone()).ok())
            .unwrap_or(0);
        if state.crl_number < number {
            return Err(tampered(
                state_path,
                format!(
                    "records CRL number {} but the signed {CRL_FILE} is number {number}",
                    state.crl_number
                ),
            ));
        }
        for revoked in parsed.iter_revoked_certificates() {
            let serial = crate::record::colon_hex(revoked.raw_serial(), false);
            if !state.revoked.iter().any(|r| r.serial == serial) {
                return Err(tampered(
                    state_path,
                    format!(
                        "lacks the revocation of serial {serial} that the signed {CRL_FILE} lists"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_sums(&self) -> Result<()> {
        let sums_path = self.dir.join(crate::record::SUMS_FILE);
        let text = match std::fs::read_to_string(&sums_path) {
            Ok(t) => t,
            // A directory made by hand or by a release before SHA256SUMS: nothing to hold it to.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(Error::Io {
                    context: format!("reading {}", sums_path.display()),
                    source: e,
                });
            }
        };
        let actual = crate::record::hash_dir(&self.dir)?;
        let mut listed = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let Some((digest, name)) = line.split_once("  ") else {
                return Err(Error::Tampered {
                    file: sums_path,
                    why: format!("has a line that is not `<sha256>  <file>`: {line}"),
                });
            };
            listed += 1;
            let why = match actual.get(name) {
                Some(d) if d == digest => continue,
                Some(_) => "does not match its line in SHA256SUMS (changed after the last command)",
                None => "is listed in SHA256SUMS but missing",
            };
            return Err(Error::Tampered {
                file: self.dir.join(name),
                why: why.into(),
            });
        }
        if listed != actual.len() {
            let names: Vec<&str> = text
                .lines()
                .filter_map(|l| l.split_once("  ").map(|(_, n)| n))
                .collect();
            if let Some(extra) = actual.keys().find(|k| !names.contains(&k.as_str())) {
                return Err(Error::Tampered {
                    file: self.dir.join(extra),
                    why: "is not in SHA256SUMS (added after the last command)".into(),
                });
            }
        }
        Ok(())
    }

    /// Replaces `state.json`.
    pub fn save_state(&self, state: &State) -> Result<Vec<u8>> {
        let bytes = state_bytes(state)?;
        fsio::replace(&self.dir.join(STATE_FILE), &bytes, MODE_SECRET)?;
        Ok(bytes)
    }

    fn read_key_file(&self) -> Result<Vec<u8>> {
        let path = self.dir.join(KEY_FILE);
        std::fs::read(&path).map_err(Error::io(format!("reading {}", path.display())))
    }
}

/// Serialises a state as written to disk.
pub fn state_bytes(state: &State) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(state)
        .map_err(|e| Error::Invalid(format!("serialising CA state: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// What a CA remembers between commands.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// Number of the last CRL issued (0: none yet).
    pub crl_number: u64,
    /// Revoked certificates, in the order they were revoked.
    pub revoked: Vec<Revoked>,
    /// Certificates this CA signed.
    pub issued: Vec<Issued>,
}

/// One revocation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Revoked {
    /// Serial, colon-separated lower-case hex as encoded.
    pub serial: String,
    /// RFC 5280 reason name.
    pub reason: String,
    /// When it was revoked (RFC 3339).
    pub time: String,
}

/// One certificate this CA signed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Issued {
    /// Serial, colon-separated lower-case hex.
    pub serial: String,
    /// Subject.
    pub subject: String,
    /// End of validity.
    pub not_after: String,
    /// The command that signed it.
    pub command: String,
}

/// All certificates in a PEM (or DER) file, as DER.
pub fn read_certs(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path).map_err(Error::io(format!("reading {}", path.display())))?;
    parse_certs(&bytes).map_err(|_| {
        Error::Invalid(format!(
            "{} does not hold PEM or DER certificates",
            path.display()
        ))
    })
}

/// Parses PEM (one or more) or a single DER certificate.
pub fn parse_certs(bytes: &[u8]) -> Result<Vec<Vec<u8>>, openssl::error::ErrorStack> {
    let certs = if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        X509::stack_from_pem(bytes)?
    } else {
        vec![X509::from_der(bytes)?]
    };
    certs.iter().map(|c| c.to_der()).collect()
}

/// PEM of a list of DER certificates.
pub fn pem_of(ders: &[Vec<u8>]) -> String {
    ders.iter()
        .map(|d| pem_block("CERTIFICATE", d))
        .collect::<Vec<_>>()
        .concat()
}

/// One PEM block with 64-column base64.
pub fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = openssl::base64::encode_block(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A CA signing key: in memory (decrypted from `ca.key`) or on a PKCS#11 token.
#[derive(Debug)]
pub enum CaKey {
    /// A software key (rcgen's `KeyPair` prints redacted).
    Soft(KeyPair),
    /// A token key.
    Hsm(HsmKey),
}

impl PublicKeyData for CaKey {
    fn der_bytes(&self) -> &[u8] {
        match self {
            Self::Soft(k) => k.der_bytes(),
            Self::Hsm(k) => k.der_bytes(),
        }
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        match self {
            Self::Soft(k) => PublicKeyData::algorithm(k),
            Self::Hsm(k) => k.algorithm(),
        }
    }
}

impl SigningKey for CaKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match self {
            Self::Soft(k) => k.sign(msg),
            Self::Hsm(k) => k.sign(msg),
        }
    }
}
