//! CSR intake for `sign-csr`: parse (PEM or DER), verify the self-signature with OpenSSL, refuse
//! weak keys and signature algorithms, and reduce the request to what a profile may take from it
//! (subject, public key and, for end-entity profiles, checked subjectAltNames). Everything else
//! the requester asked for (basic constraints, key usages, EKUs, other extensions) is decided by
//! the profile, never copied.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::str::FromStr;

use openssl::nid::Nid;
use openssl::pkey::Id;
use openssl::x509::X509Req;
use rcgen::{DistinguishedName, DnType, SanType};
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509CertificationRequest};

use crate::{Error, Result};

/// What `sign-csr` may issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// A subordinate CA (e.g. a PKI mount's intermediate).
    Intermediate,
    /// A TLS server (serverAuth + clientAuth, DNS/IP SANs).
    Server,
    /// A TLS client (clientAuth).
    Client,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Intermediate => "intermediate",
            Self::Server => "server",
            Self::Client => "client",
        })
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "intermediate" => Ok(Self::Intermediate),
            "server" => Ok(Self::Server),
            "client" => Ok(Self::Client),
            other => Err(format!(
                "unknown profile `{other}` (intermediate, server or client)"
            )),
        }
    }
}

/// A CSR that passed the checks, reduced to what may be signed.
#[derive(Debug)]
pub struct CheckedCsr {
    /// The requested subject, attribute by attribute.
    pub subject: DistinguishedName,
    /// The subject as OpenSSL prints it.
    pub subject_text: String,
    /// DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// Whether the key is RSA (server profile adds keyEncipherment).
    pub is_rsa: bool,
    /// Checked subjectAltNames (empty for the intermediate profile).
    pub sans: Vec<SanType>,
    /// Notes about what was requested and dropped.
    pub ignored: Vec<String>,
}

const ALLOWED_SIG_ALGS: [(&str, &str); 7] = [
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
    ("1.3.101.112", "Ed25519"),
];

const SHA1_SIG_ALGS: [&str; 4] = [
    "1.2.840.113549.1.1.5",
    "1.2.840.10045.4.1",
    "1.3.14.3.2.29",
    "1.2.840.10040.4.3",
];

/// Parses and checks a CSR under `profile`. `path` only names the file in errors.
pub fn check(bytes: &[u8], path: &Path, profile: Profile) -> Result<CheckedCsr> {
    let malformed = |reason: &str| Error::MalformedCsr {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    let refused = |reason: String| Error::CsrRefused {
        path: path.to_path_buf(),
        reason,
    };

    let looks_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let req = if looks_pem {
        X509Req::from_pem(bytes)
    } else {
        X509Req::from_der(bytes)
    }
    .map_err(|_| malformed("not a PEM or DER PKCS#10 certificate request"))?;
    let der = req
        .to_der()
        .map_err(|_| malformed("cannot re-encode the request"))?;
    let (rest, parsed) = X509CertificationRequest::from_der(&der)
        .map_err(|_| malformed("not a PEM or DER PKCS#10 certificate request"))?;
    if !rest.is_empty() {
        return Err(malformed("trailing data after the request"));
    }

    let sig_oid = parsed.signature_algorithm.algorithm.to_id_string();
    if SHA1_SIG_ALGS.contains(&sig_oid.as_str()) {
        return Err(refused("it is signed with SHA-1".into()));
    }
    if !ALLOWED_SIG_ALGS.iter().any(|(oid, _)| *oid == sig_oid) {
        return Err(refused(format!(
            "its signature algorithm {sig_oid} is not accepted"
        )));
    }

    let pkey = req
        .public_key()
        .map_err(|_| malformed("its public key cannot be read"))?;
    let sig_ok = req.verify(&pkey).unwrap_or(false);
    if !sig_ok {
        return Err(refused(
            "its signature does not verify (damaged or forged request)".into(),
        ));
    }
    let is_rsa = pkey.id() == Id::RSA;
    match pkey.id() {
        Id::RSA => {
            let bits = pkey.bits();
            if bits < 2048 {
                return Err(refused(format!(
                    "its RSA key has {bits} bits; at least 2048 are required"
                )));
            }
            if bits > 8192 {
                return Err(refused(format!(
                    "its RSA key has {bits} bits; at most 8192 are accepted"
                )));
            }
        }
        Id::EC => {
            let curve = pkey.ec_key().ok().and_then(|k| k.group().curve_name());
            match curve {
                Some(Nid::X9_62_PRIME256V1 | Nid::SECP384R1 | Nid::SECP521R1) => {}
                _ => return Err(refused("its EC key is not on P-256, P-384 or P-521".into())),
            }
        }
        Id::ED25519 => {}
        _ => return Err(refused("its key type is not RSA, EC or Ed25519".into())),
    }
    let spki_der = pkey
        .public_key_to_der()
        .map_err(|_| malformed("its public key cannot be encoded"))?;
    if rcgen::SubjectPublicKeyInfo::from_der(&spki_der).is_err() {
        return Err(refused(
            "its key type cannot be signed for by this tool".into(),
        ));
    }

    let info = &parsed.certification_request_info;
    let subject_text = info.subject.to_string();
    let subject = convert_subject(&info.subject).map_err(&refused)?;

    let mut requests_ca = false;
    let mut sans = Vec::new();
    let mut ignored = Vec::new();
    if let Some(exts) = parsed.requested_extensions() {
        for ext in exts {
            match ext {
                ParsedExtension::BasicConstraints(bc) => requests_ca |= bc.ca,
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        sans.push(convert_san(name).map_err(&refused)?);
                    }
                }
                ParsedExtension::KeyUsage(_) => {
                    ignored.push(format!(
                        "requested keyUsage ignored; the {profile} profile decides"
                    ));
                }
                ParsedExtension::ExtendedKeyUsage(_) => ignored.push(format!(
                    "requested extendedKeyUsage ignored; the {profile} profile decides"
                )),
                _ => ignored.push("a requested extension was ignored".into()),
            }
        }
    }

    match profile {
        Profile::Server | Profile::Client if requests_ca => {
            return Err(refused(format!(
                "it requests CA:TRUE but the {profile} profile issues end-entity certificates \
                 (use --profile intermediate to sign a CA)"
            )));
        }
        Profile::Server => {
            if !sans
                .iter()
                .any(|s| matches!(s, SanType::DnsName(_) | SanType::IpAddress(_)))
            {
                return Err(refused(
                    "the server profile needs at least one DNS or IP subjectAltName".into(),
                ));
            }
        }
        Profile::Client => {}
        Profile::Intermediate => {
            if !sans.is_empty() {
                ignored.push("requested subjectAltNames ignored for a CA".into());
                sans.clear();
            }
            if subject.iter().next().is_none() {
                return Err(refused(
                    "a CA needs a subject and the request's is empty".into(),
                ));
            }
        }
    }

    Ok(CheckedCsr {
        subject,
        subject_text,
        spki_der,
        is_rsa,
        sans,
        ignored,
    })
}

fn convert_subject(name: &x509_parser::x509::X509Name<'_>) -> Result<DistinguishedName, String> {
    let mut dn = DistinguishedName::new();
    for attr in name.iter_attributes() {
        let oid = attr.attr_type().to_id_string();
        let value = attr
            .as_str()
            .map_err(|_| format!("subject attribute {oid} is not a readable string"))?;
        let ty = match oid.as_str() {
            "2.5.4.3" => DnType::CommonName,
            "2.5.4.10" => DnType::OrganizationName,
            "2.5.4.11" => DnType::OrganizationalUnitName,
            "2.5.4.6" => DnType::CountryName,
            "2.5.4.8" => DnType::StateOrProvinceName,
            "2.5.4.7" => DnType::LocalityName,
            "2.5.4.5" => DnType::CustomDnType(crate::dn::SERIAL_NUMBER_OID.to_vec()),
            other => {
                return Err(format!(
                    "its subject has an attribute ({other}) this tool does not sign"
                ));
            }
        };
        let value = crate::dn::encode(&ty, value)
            .map_err(|why| format!("its subject attribute {oid}: {why}"))?;
        dn.push(ty, value);
    }
    Ok(dn)
}

fn convert_san(name: &GeneralName<'_>) -> Result<SanType, String> {
    match name {
        GeneralName::DNSName(d) => {
            check_dns_name(d)?;
            let ia5 = (*d)
                .to_owned()
                .try_into()
                .map_err(|_| format!("DNS name `{d}` is not ASCII"))?;
            Ok(SanType::DnsName(ia5))
        }
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => {
                let b: [u8; 4] = [bytes[0], bytes[1], bytes[2], bytes[3]];
                Ok(SanType::IpAddress(IpAddr::from(b)))
            }
            16 => {
                let mut b = [0u8; 16];
                b.copy_from_slice(bytes);
                Ok(SanType::IpAddress(IpAddr::from(b)))
            }
            _ => Err("an IP subjectAltName has the wrong length".into()),
        },
        GeneralName::RFC822Name(m) => {
            let ia5 = (*m)
                .to_owned()
                .try_into()
                .map_err(|_| format!("email `{m}` is not ASCII"))?;
            Ok(SanType::Rfc822Name(ia5))
        }
        GeneralName::URI(u) => {
            let ia5 = (*u)
                .to_owned()
                .try_into()
                .map_err(|_| format!("URI `{u}` is not ASCII"))?;
            Ok(SanType::URI(ia5))
        }
        _ => Err("it requests a subjectAltName type other than DNS, IP, email or URI".into()),
    }
}

/// A DNS name: LDH labels of 1..=63 characters, at most 253 in total, `*` only as a whole leftmost
/// label.
pub fn check_dns_name(name: &str) -> Result<(), String> {
    let bad = || format!("`{name}` is not a valid DNS name");
    if name.is_empty() || name.len() > 253 {
        return Err(bad());
    }
    for (i, label) in name.split('.').enumerate() {
        if label == "*" && i == 0 {
            continue;
        }
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return Err(bad());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert!(check_dns_name("vault.example.com").is_ok());
        assert!(check_dns_name("*.example.com").is_ok());
        assert!(check_dns_name("a.*.com").is_err());
        assert!(check_dns_name("-a.com").is_err());
        assert!(check_dns_name("a..com").is_err());
        assert!(check_dns_name("a b.com").is_err());
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for input in [
            &b""[..],
            b"hello",
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            &[0x30, 0x03, 0x02, 0x01, 0x00],
        ] {
            let err = check(input, Path::new("x.csr"), Profile::Server).unwrap_err();
            assert!(matches!(err, Error::MalformedCsr { .. }), "{err}");
        }
    }
}
