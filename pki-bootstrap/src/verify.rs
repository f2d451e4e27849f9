//! Independent verification with OpenSSL: chains, key/certificate pairs, CRL signatures, the
//! checksum manifest and the extensions each kind of certificate must carry. Used after every
//! command on the files as written, and by the `verify` command.

use std::path::{Path, PathBuf};

use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509Crl, X509StoreContext};

use crate::ca::{self, CERT_FILE, CRL_FILE, KEY_FILE};
use crate::keys::PrivateKey;
use crate::lint::CertInfo;
use crate::record::{self, SUMS_FILE};
use crate::secret::Passphrase;
use crate::{Error, Result};

/// Verifies `leaf` up to `root` (the only trust anchor) through `untrusted`.
pub fn chain(leaf: &[u8], untrusted: &[Vec<u8>], root: &[u8]) -> Result<()> {
    let ssl = |what: &str| Error::ssl(format!("verifying a chain: {what}"));
    let leaf = X509::from_der(leaf).map_err(ssl("leaf"))?;
    let root = X509::from_der(root).map_err(ssl("root"))?;
    let mut store = X509StoreBuilder::new().map_err(ssl("store"))?;
    store.add_cert(root).map_err(ssl("root"))?;
    let store = store.build();
    let mut stack = Stack::new().map_err(ssl("stack"))?;
    for der in untrusted {
        stack
            .push(X509::from_der(der).map_err(ssl("intermediate"))?)
            .map_err(ssl("stack"))?;
    }
    let mut ctx = X509StoreContext::new().map_err(ssl("context"))?;
    let (ok, why) = ctx
        .init(&store, &leaf, &stack, |c| {
            let ok = c.verify_cert()?;
            Ok((ok, c.error().error_string().to_owned()))
        })
        .map_err(ssl("verify"))?;
    if ok {
        Ok(())
    } else {
        let subject = CertInfo::from_der(&leaf.to_der().unwrap_or_default())
            .map(|i| i.subject)
            .unwrap_or_default();
        Err(Error::Verify(format!(
            "OpenSSL rejects the chain of \"{subject}\": {why}"
        )))
    }
}

/// Verifies a CRL's signature against its CA certificate.
pub fn crl(crl_pem: &[u8], ca_der: &[u8]) -> Result<()> {
    let crl = X509Crl::from_pem(crl_pem).map_err(Error::ssl("parsing the CRL"))?;
    let ca = X509::from_der(ca_der).map_err(Error::ssl("parsing the CA"))?;
    let key = ca.public_key().map_err(Error::ssl("CA public key"))?;
    if crl.verify(&key).map_err(Error::ssl("verifying the CRL"))? {
        Ok(())
    } else {
        Err(Error::Verify(
            "the CRL signature does not verify with the CA key".into(),
        ))
    }
}

/// True when `key` is the private half of `cert_der`.
pub fn key_matches(key: &PrivateKey, cert_der: &[u8]) -> Result<bool> {
    let cert = X509::from_der(cert_der).map_err(Error::ssl("parsing the certificate"))?;
    let cert_pub = cert
        .public_key()
        .and_then(|k| k.public_key_to_der())
        .map_err(Error::ssl("reading the certificate's public key"))?;
    Ok(cert_pub == key.public_key_der()?)
}

/// One line of `verify` output.
#[derive(Clone, Debug)]
pub struct Check {
    /// What was checked (`chain ./int/ca.pem`).
    pub name: String,
    /// Passed?
    pub ok: bool,
    /// Why it failed, or a short note.
    pub detail: String,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = if self.ok { "PASS" } else { "FAIL" };
        if self.detail.is_empty() {
            write!(f, "{word} {}", self.name)
        } else {
            write!(f, "{word} {}: {}", self.name, self.detail)
        }
    }
}

/// Runs every check that applies to each path: a CA directory, a server-cert directory, any
/// directory with `SHA256SUMS`, or a PEM file of certificates (first = leaf, rest = chain).
pub fn paths(paths: &[PathBuf], passphrase: Option<&Passphrase>) -> Vec<Check> {
    let mut checks = Vec::new();
    for p in paths {
        if p.is_dir() {
            check_dir(p, passphrase, &mut checks);
        } else {
            check_file(p, &mut checks);
        }
    }
    checks
}

fn push(checks: &mut Vec<Check>, name: String, r: Result<()>) {
    let (ok, detail) = match r {
        Ok(()) => (true, String::new()),
        Err(e) => (false, e.to_string()),
    };
    checks.push(Check { name, ok, detail });
}

fn check_dir(dir: &Path, passphrase: Option<&Passphrase>, checks: &mut Vec<Check>) {
    let d = dir.display();
    // Only a failure is a line: an interrupted command's journal or temporaries.
    if let Some(what) = crate::journal::pending(dir) {
        checks.push(Check {
            name: format!("record {d}"),
            ok: false,
            detail: format!(
                "{what}; run `pki-bootstrap recover {d}` (or the next command on it), which \
                 completes or undoes it and says which"
            ),
        });
    }
    let sums = dir.join(SUMS_FILE);
    if sums.is_file() {
        push(
            checks,
            format!("manifest {}", sums.display()),
            check_sums(dir),
        );
    }
    if dir.join(CERT_FILE).is_file() {
        check_ca_dir(dir, passphrase, checks);
    }
    let tls = dir.join("tls.crt");
    if tls.is_file() {
        push(
            checks,
            format!("server certificate {d}/tls.crt"),
            check_server_dir(dir),
        );
    }
    // A ceremony directory: check every CA and server directory in it too.
    if dir.join("ceremony.toml").is_file() {
        let mut subdirs: Vec<_> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        subdirs.sort();
        for sub in subdirs {
            check_dir(&sub, passphrase, checks);
        }
    }
    if !sums.is_file() && !dir.join(CERT_FILE).is_file() && !tls.is_file() {
        push(
            checks,
            format!("directory {d}"),
            Err(Error::Invalid(
                "no SHA256SUMS, ca.pem or tls.crt to check".into(),
            )),
        );
    }
}

fn check_ca_dir(dir: &Path, passphrase: Option<&Passphrase>, checks: &mut Vec<Check>) {
    let d = dir.display();
    let ca = match ca::CaDir::open(dir) {
        Ok(ca) => ca,
        Err(e) => return push(checks, format!("CA directory {d}"), Err(e)),
    };
    let root = ca.root_der().to_vec();
    let chain_above: Vec<Vec<u8>> = ca.chain_der.clone();
    push(
        checks,
        format!("chain {d}/{CERT_FILE}"),
        chain(&ca.cert_der, &chain_above, &root),
    );
    push(
        checks,
        format!("CA extensions {d}/{CERT_FILE}"),
        ca_extensions(&ca.cert_der),
    );
    if let Ok(Some(uri)) = ca.key_uri() {
        checks.push(Check {
            name: format!("key {d}/{}", ca::KEY_URI_FILE),
            ok: true,
            detail: format!(
                "on PKCS#11 token \"{}\" as \"{}\"; not opened",
                uri.token, uri.object
            ),
        });
    } else {
        check_key_pair(&ca, d.to_string(), passphrase, checks);
    }
    let crl_path = dir.join(CRL_FILE);
    if crl_path.is_file() {
        let r = std::fs::read(&crl_path)
            .map_err(Error::io(format!("reading {}", crl_path.display())))
            .and_then(|pem| crl(&pem, &ca.cert_der));
        push(checks, format!("CRL signature {}", crl_path.display()), r);
    }
}

fn check_key_pair(
    ca: &ca::CaDir,
    d: String,
    passphrase: Option<&Passphrase>,
    checks: &mut Vec<Check>,
) {
    match ca.key_is_encrypted() {
        Ok(true) if passphrase.is_none() => checks.push(Check {
            name: format!("key pair {d}/{KEY_FILE}"),
            ok: true,
            detail: "encrypted; not opened (pass --passphrase-file to check the pair)".into(),
        }),
        Ok(_) => push(
            checks,
            format!("key pair {d}/{KEY_FILE}"),
            ca.load_key(passphrase).map(|_| ()),
        ),
        Err(e) => push(checks, format!("key pair {d}/{KEY_FILE}"), Err(e)),
    }
}

fn check_server_dir(dir: &Path) -> Result<()> {
    let certs = ca::read_certs(&dir.join("tls.crt"))?;
    let roots = ca::read_certs(&dir.join("ca.crt"))?;
    let (Some(leaf), Some(root)) = (certs.first(), roots.first()) else {
        return Err(Error::Invalid("tls.crt or ca.crt is empty".into()));
    };
    chain(leaf, &certs[1..], root)?;
    let key_path = dir.join("tls.key");
    let pem =
        std::fs::read(&key_path).map_err(Error::io(format!("reading {}", key_path.display())))?;
    let key = PrivateKey::from_pem(&pem, None, &key_path)?;
    if !key_matches(&key, leaf)? {
        return Err(Error::Invalid("tls.key does not belong to tls.crt".into()));
    }
    server_extensions(leaf)
}

fn check_file(path: &Path, checks: &mut Vec<Check>) {
    let name = format!("chain {}", path.display());
    let certs = match ca::read_certs(path) {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => return push(checks, name, Err(Error::Invalid("no certificate".into()))),
        Err(e) => return push(checks, name, Err(e)),
    };
    let Some(root) = certs.last() else { return };
    let root_info = CertInfo::from_der(root);
    let r = match root_info {
        Ok(i) if i.self_issued => chain(&certs[0], &certs[1..certs.len() - 1], root),
        Ok(_) => Err(Error::Verify(
            "the file does not end with a self-signed root to anchor the chain".into(),
        )),
        Err(e) => Err(e),
    };
    push(checks, name, r);
}

fn check_sums(dir: &Path) -> Result<()> {
    let listed = std::fs::read_to_string(dir.join(SUMS_FILE))
        .map_err(Error::io(format!("reading {}/{SUMS_FILE}", dir.display())))?;
    let mut names = std::collections::BTreeSet::new();
    for line in listed.lines() {
        let Some((digest, name)) = line.split_once("  ") else {
            return Err(Error::Invalid(format!("malformed manifest line `{line}`")));
        };
        if name.starts_with('/') || name.split('/').any(|c| c == "..") {
            return Err(Error::Invalid(format!(
                "manifest names a path outside the directory: {name}"
            )));
        }
        let Ok(data) = std::fs::read(dir.join(name)) else {
            return Err(Error::Verify(format!("{name} is listed but missing")));
        };
        if record::hex(&openssl::sha::sha256(&data)) != digest {
            return Err(Error::Verify(format!("{name} does not match its checksum")));
        }
        names.insert(name.to_owned());
    }
    if let Some(extra) = record::hash_dir(dir)?.keys().find(|n| !names.contains(*n)) {
        return Err(Error::Verify(format!(
            "{extra} is in the directory but not in the manifest"
        )));
    }
    Ok(())
}

/// A CA certificate: critical CA:TRUE with keyCertSign and cRLSign, SKI present.
pub fn ca_extensions(der: &[u8]) -> Result<()> {
    let i = CertInfo::from_der(der)?;
    if !(i.is_ca && i.bc_critical && i.key_cert_sign && i.crl_sign && i.has_ski) {
        return Err(Error::Verify(format!(
            "\"{}\" lacks critical CA:TRUE, keyCertSign, cRLSign or a subjectKeyIdentifier",
            i.subject
        )));
    }
    if !i.self_issued && !i.has_aki {
        return Err(Error::Verify(format!(
            "\"{}\" lacks an authorityKeyIdentifier",
            i.subject
        )));
    }
    Ok(())
}

/// A listener certificate: not a CA, serverAuth and clientAuth.
pub fn server_extensions(der: &[u8]) -> Result<()> {
    use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};
    let i = CertInfo::from_der(der)?;
    if i.is_ca || i.key_cert_sign {
        return Err(Error::Verify(format!("\"{}\" is a CA", i.subject)));
    }
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| Error::Invalid(format!("cannot parse certificate: {e}")))?;
    let eku_ok = cert.extensions().iter().any(|e| {
        matches!(e.parsed_extension(), ParsedExtension::ExtendedKeyUsage(k) if k.server_auth && k.client_auth)
    });
    if !eku_ok {
        return Err(Error::Verify(format!(
            "\"{}\" lacks serverAuth + clientAuth",
            i.subject
        )));
    }
    Ok(())
}
