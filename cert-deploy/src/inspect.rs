//! The stateless decision: read what is deployed and say whether the certificate must be issued
//! again, and why. Nothing is remembered between runs; the files are the state. A certificate is
//! issued when a file is missing or unreadable, the certificate is inside its renewal window,
//! its names differ from the configuration, it was not signed by the role's issuer, the key does
//! not match it, or the files of one certificate disagree (a chain or fullchain of another
//! certificate). Owners and modes that drifted are put right without issuing.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

use openssl::asn1::Asn1Time;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde::Serialize;

use crate::config::{CertSpec, Kind, Renew};

/// Why a certificate is (re-)issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// A deployed file does not exist.
    Missing {
        /// The file.
        path: String,
    },
    /// A deployed file cannot be read or is not what it should hold.
    Unreadable {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// Less validity remains than the renewal window.
    Renewal {
        /// Seconds of validity left (negative when expired).
        remaining_seconds: i64,
    },
    /// The common name or SANs differ from the configuration.
    Names {
        /// What differs.
        detail: String,
    },
    /// The certificate was not signed by the role's issuer.
    Issuer,
    /// The private key does not belong to the certificate.
    KeyMismatch,
    /// The files of this certificate hold different certificates or an outdated chain.
    Inconsistent {
        /// Which file.
        path: String,
    },
}

/// What is deployed, when it is complete and current.
#[derive(Debug, Clone)]
pub struct Deployed {
    /// Serial number, hex, colon-separated (as the PKI engine prints it).
    pub serial: String,
    /// Expiry as a Unix timestamp.
    pub not_after: i64,
}

/// The outcome of inspecting one certificate's files.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Why it must be issued; empty when it is fine.
    pub reasons: Vec<Reason>,
    /// The deployed certificate, when one could be read.
    pub deployed: Option<Deployed>,
}

/// The role's issuer: its certificate and the chain a `chain` file should hold.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// The issuer certificate.
    pub cert: X509,
}

/// Reads the deployed files of `spec` and decides, with `now` as a Unix timestamp.
pub fn inspect(spec: &CertSpec, issuer: &Issuer, now: i64) -> Inspection {
    let mut reasons = Vec::new();
    let mut leaf: Option<X509> = None;
    let mut key: Option<PKey<Private>> = None;
    for t in &spec.targets {
        let shown = t.path.display().to_string();
        let bytes = match std::fs::read(&t.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                reasons.push(Reason::Missing { path: shown });
                continue;
            }
            Err(e) => {
                reasons.push(Reason::Unreadable {
                    path: shown,
                    detail: e.to_string(),
                });
                continue;
            }
        };
        if t.kind == Kind::PrivKey {
            match PKey::private_key_from_pem(&bytes) {
                Ok(k) => {
                    if key.as_ref().is_some_and(|prev| !prev.public_eq(&k)) {
                        reasons.push(Reason::Inconsistent { path: shown });
                    }
                    key = Some(k);
                }
                Err(_) => reasons.push(Reason::Unreadable {
                    path: shown,
                    detail: "no PEM private key".into(),
                }),
            }
            continue;
        }
        let certs = match X509::stack_from_pem(&bytes) {
            Ok(c) if !c.is_empty() => c,
            _ => {
                reasons.push(Reason::Unreadable {
                    path: shown,
                    detail: "no PEM certificate".into(),
                });
                continue;
            }
        };
        let (this_leaf, chain_head) = match t.kind {
            Kind::Chain => (None, certs.first()),
            _ => (certs.first(), certs.get(1)),
        };
        if let Some(c) = this_leaf {
            if leaf.as_ref().is_some_and(|prev| !same(prev, c)) {
                reasons.push(Reason::Inconsistent {
                    path: shown.clone(),
                });
            }
            leaf.get_or_insert_with(|| c.clone());
        }
        let wants_chain = matches!(t.kind, Kind::Chain | Kind::FullChain);
        if wants_chain && !chain_head.is_some_and(|c| same(c, &issuer.cert)) {
            reasons.push(Reason::Inconsistent { path: shown });
        }
    }
    let deployed = leaf.as_ref().map(|c| Deployed {
        serial: serial_of(c),
        not_after: unix_of(c.not_after(), now),
    });
    if let Some(cert) = &leaf {
        check_cert(spec, issuer, cert, key.as_ref(), now, &mut reasons);
    }
    Inspection { reasons, deployed }
}

fn check_cert(
    spec: &CertSpec,
    issuer: &Issuer,
    cert: &X509,
    key: Option<&PKey<Private>>,
    now: i64,
    reasons: &mut Vec<Reason>,
) {
    let not_after = unix_of(cert.not_after(), now);
    let not_before = unix_of(cert.not_before(), now);
    let remaining = not_after - now;
    let window = match spec.renew {
        Renew::Before(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Renew::LastThird => (not_after - not_before) / 3,
    };
    if remaining <= window {
        reasons.push(Reason::Renewal {
            remaining_seconds: remaining,
        });
    }
    if let Some(detail) = names_differ(spec, cert) {
        reasons.push(Reason::Names { detail });
    }
    let signed_by_issuer = issuer
        .cert
        .public_key()
        .and_then(|k| cert.verify(&k))
        .unwrap_or(false);
    if !signed_by_issuer {
        reasons.push(Reason::Issuer);
    }
    if let Some(k) = key {
        let matches = cert.public_key().is_ok_and(|p| p.public_eq(k));
        if !matches {
            reasons.push(Reason::KeyMismatch);
        }
    }
}

/// The common name and SANs the configuration asks for, against the certificate's.
fn names_differ(spec: &CertSpec, cert: &X509) -> Option<String> {
    let cn: Option<String> = cert
        .subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .and_then(|e| e.data().to_string().ok());
    if cn.as_deref() != Some(spec.name.as_str()) {
        return Some(format!(
            "common name {:?}, configured {:?}",
            cn.unwrap_or_default(),
            spec.name
        ));
    }
    let mut dns = BTreeSet::new();
    let mut ips = BTreeSet::new();
    for gn in cert.subject_alt_names().into_iter().flatten() {
        if let Some(d) = gn.dnsname() {
            dns.insert(d.to_ascii_lowercase());
        } else if let Some(ip) = gn.ipaddress().and_then(ip_from_bytes) {
            ips.insert(ip);
        }
    }
    // The PKI engine puts the common name into the DNS SANs too (unless the role excludes it):
    // either way is what was asked for.
    dns.remove(&spec.name.to_ascii_lowercase());
    let want_dns: BTreeSet<String> = spec
        .dns_sans
        .iter()
        .map(|d| d.to_ascii_lowercase())
        .filter(|d| *d != spec.name.to_ascii_lowercase())
        .collect();
    let want_ips: BTreeSet<IpAddr> = spec.ip_sans.iter().copied().collect();
    if dns != want_dns {
        return Some(format!("DNS SANs {dns:?}, configured {want_dns:?}"));
    }
    if ips != want_ips {
        return Some(format!("IP SANs {ips:?}, configured {want_ips:?}"));
    }
    None
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => <[u8; 4]>::try_from(b).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(b).ok().map(IpAddr::from),
        _ => None,
    }
}

fn same(a: &X509, b: &X509) -> bool {
    match (a.to_der(), b.to_der()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// The serial number as the PKI engine prints it (`1f:0a:...`).
pub fn serial_of(cert: &X509) -> String {
    let hex = cert
        .serial_number()
        .to_bn()
        .and_then(|bn| bn.to_hex_str().map(|s| s.to_ascii_lowercase()))
        .unwrap_or_default();
    let padded = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex
    };
    padded
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

/// A certificate time as a Unix timestamp, measured from `now`.
pub fn unix_of(t: &openssl::asn1::Asn1TimeRef, now: i64) -> i64 {
    Asn1Time::from_unix(now)
        .and_then(|n| n.diff(t))
        .map(|d| now + i64::from(d.days) * 86_400 + i64::from(d.secs))
        .unwrap_or(0)
}

/// True when `path` exists with another owner, group or mode than configured.
pub fn metadata_drift(path: &Path, uid: Option<u32>, gid: Option<u32>, mode: u32) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match std::fs::symlink_metadata(path) {
        Ok(m) => {
            m.mode() & 0o7777 != mode
                || uid.is_some_and(|u| u != m.uid())
                || gid.is_some_and(|g| g != m.gid())
        }
        Err(_) => false,
    }
}
