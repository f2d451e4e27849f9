//! Unit tests of the signing policy: what each profile puts into a certificate whatever the
//! request asks for, what is refused before anything is written, and how the CRL state moves.

use std::path::Path;

use rcgen::{CertificateParams, DnType, KeyPair};
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};

use super::*;
use crate::crl::Reason;

/// A plaintext-keyed root in `dir/name` (plaintext keeps the tests fast; the key protection has
/// tests of its own in `keys`).
fn make_root(dir: &Path, name: &str, path_len: Option<u8>) -> PathBuf {
    let out = dir.join(name);
    root(&RootOptions {
        out: out.clone(),
        subject: format!("CN={name},O=Example,C=NL"),
        key_type: KeyType::P256,
        days: 3650,
        path_len,
        protection: KeyProtection::Plaintext,
        force: false,
        shares: None,
        extensions: Extensions::default(),
    })
    .unwrap();
    out
}

/// A CSR for `cn` that asks for CA:TRUE, a keyUsage and the given SANs, as a hostile or careless
/// requester might.
fn csr_pem(key: &KeyPair, cn: &str, sans: &[&str], ask_ca: bool) -> Vec<u8> {
    let mut p =
        CertificateParams::new(sans.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    if ask_ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign];
    p.serialize_request(key)
        .unwrap()
        .pem()
        .unwrap()
        .into_bytes()
}

/// Signs `csr` under `profile` with the root in `ca` and returns the parsed facts.
fn issue(ca: &Path, csr: &[u8], profile: Profile, path_len: Option<u8>) -> Result<Vec<u8>> {
    let checked = csr::check(csr, Path::new("t.csr"), profile)?;
    let dir = CaDir::open(ca)?;
    let key = dir.load_key(None)?.key_pair()?;
    let validity = validity(30)?;
    issue_from_csr(&checked, profile, &dir.cert_der, &key, validity, path_len)
}

#[derive(Debug, Default)]
struct Facts {
    ca: Option<(bool, Option<u32>)>,
    key_usage: Vec<&'static str>,
    eku: Vec<&'static str>,
    dns: Vec<String>,
}

fn facts(der: &[u8]) -> Facts {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    let mut f = Facts::default();
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                f.ca = Some((bc.ca, bc.path_len_constraint));
            }
            ParsedExtension::KeyUsage(ku) => {
                for (on, name) in [
                    (ku.digital_signature(), "digitalSignature"),
                    (ku.key_encipherment(), "keyEncipherment"),
                    (ku.key_cert_sign(), "keyCertSign"),
                    (ku.crl_sign(), "cRLSign"),
                ] {
                    if on {
                        f.key_usage.push(name);
                    }
                }
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                if eku.server_auth {
                    f.eku.push("serverAuth");
                }
                if eku.client_auth {
                    f.eku.push("clientAuth");
                }
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                for n in &san.general_names {
                    if let GeneralName::DNSName(d) = n {
                        f.dns.push((*d).to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    f
}

#[test]
fn server_profile_decides_usages_and_keeps_names() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", None);
    let key = KeyPair::generate().unwrap();
    let der = issue(
        &ca,
        &csr_pem(&key, "svc", &["svc.example.com"], false),
        Profile::Server,
        None,
    )
    .unwrap();
    let f = facts(&der);
    assert_eq!(f.ca, Some((false, None)));
    assert_eq!(
        f.key_usage,
        ["digitalSignature"],
        "requested keyCertSign dropped"
    );
    assert_eq!(f.eku, ["serverAuth", "clientAuth"]);
    assert_eq!(f.dns, ["svc.example.com"]);
}

#[test]
fn rsa_server_gets_key_encipherment_and_client_only_client_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", None);
    let rsa = PrivateKey::generate(KeyType::Rsa2048)
        .unwrap()
        .key_pair()
        .unwrap();
    let server = issue(
        &ca,
        &csr_pem(&rsa, "svc", &["svc.example.com"], false),
        Profile::Server,
        None,
    )
    .unwrap();
    assert_eq!(
        facts(&server).key_usage,
        ["digitalSignature", "keyEncipherment"]
    );
    let client = issue(
        &ca,
        &csr_pem(&rsa, "bot", &[], false),
        Profile::Client,
        None,
    )
    .unwrap();
    let f = facts(&client);
    assert_eq!(f.key_usage, ["digitalSignature"]);
    assert_eq!(f.eku, ["clientAuth"]);
}

#[test]
fn end_entity_profiles_refuse_a_ca_request_and_server_needs_a_name() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", None);
    let key = KeyPair::generate().unwrap();
    let asks_ca = csr_pem(&key, "sneaky", &["svc.example.com"], true);
    for profile in [Profile::Server, Profile::Client] {
        let err = issue(&ca, &asks_ca, profile, None).unwrap_err();
        assert!(err.to_string().contains("requests CA:TRUE"), "{err}");
    }
    let err = issue(
        &ca,
        &csr_pem(&key, "svc", &[], false),
        Profile::Server,
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("at least one DNS or IP"), "{err}");
}

#[test]
fn intermediate_profile_is_a_ca_with_the_given_path_length_and_no_names() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", Some(1));
    let key = KeyPair::generate().unwrap();
    let der = issue(
        &ca,
        &csr_pem(&key, "mount", &["ignored.example.com"], true),
        Profile::Intermediate,
        Some(0),
    )
    .unwrap();
    let f = facts(&der);
    assert_eq!(f.ca, Some((true, Some(0))));
    assert_eq!(f.key_usage, ["digitalSignature", "keyCertSign", "cRLSign"]);
    assert!(f.eku.is_empty() && f.dns.is_empty(), "{f:?}");
}

#[test]
fn leaf_without_subject_or_names_is_refused() {
    let now = OffsetDateTime::now_utc();
    let err = leaf_params(
        DistinguishedName::new(),
        Vec::new(),
        Profile::Client,
        false,
        now,
        now,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("needs a subject or a subjectAltName")
    );
}

#[test]
fn validity_is_backdated_and_zero_days_refused() {
    assert!(validity(0).is_err());
    let before = OffsetDateTime::now_utc();
    let (nb, na) = validity(397).unwrap();
    assert!(nb <= before - BACKDATE + time::Duration::seconds(1));
    assert_eq!(na - nb, time::Duration::days(397) + BACKDATE);
}

#[test]
fn intermediate_under_pathlen_zero_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", Some(0));
    let out = tmp.path().join("int");
    let err = intermediate(&IntermediateOptions {
        signer: Signer::with_passphrase(ca, None),
        out: out.clone(),
        subject: "CN=Int".into(),
        key_type: KeyType::P256,
        days: 100,
        path_len: Some(0),
        protection: KeyProtection::Plaintext,
        force: false,
        truncate_validity: false,
        extensions: Extensions::default(),
    })
    .unwrap_err();
    assert!(matches!(err, Error::Lint(_)), "{err}");
    assert!(!out.exists(), "nothing written for a refused intermediate");
}

#[test]
fn intermediate_outliving_its_issuer_is_refused_or_truncated() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", None);
    let opts = |out: &str, truncate| IntermediateOptions {
        signer: Signer::with_passphrase(ca.clone(), None),
        out: tmp.path().join(out),
        subject: "CN=Int".into(),
        key_type: KeyType::P256,
        days: 4000,
        path_len: Some(0),
        protection: KeyProtection::Plaintext,
        force: false,
        truncate_validity: truncate,
        extensions: Extensions::default(),
    };
    assert!(matches!(
        intermediate(&opts("a", false)).unwrap_err(),
        Error::Lint(_)
    ));
    let outcome = intermediate(&opts("b", true)).unwrap();
    assert_eq!(outcome.warnings.len(), 2, "{:?}", outcome.warnings);
    assert!(outcome.warnings[0].contains("truncated"));
    let state = CaDir::open(&ca).unwrap().state().unwrap();
    assert_eq!(state.issued.len(), 1, "the issuer records what it signed");
}

#[test]
fn crl_numbers_advance_and_repeat_or_unknown_serials_warn() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", None);
    let opts = |revoke: Vec<(String, Reason)>| CrlOptions {
        signer: Signer::with_passphrase(ca.clone(), None),
        revoke,
        next_update: time::Duration::days(30),
    };
    let (first, n1) = crl(&opts(vec![("0a:bc".into(), "superseded".parse().unwrap())])).unwrap();
    assert_eq!(n1, 1);
    assert!(
        first.warnings[0].contains("not in this CA's record"),
        "{:?}",
        first.warnings
    );
    let (second, n2) = crl(&opts(vec![(
        "0x0abc".into(),
        "superseded".parse().unwrap(),
    )]))
    .unwrap();
    assert_eq!(n2, 2);
    assert!(
        second.warnings[0].contains("already revoked"),
        "{:?}",
        second.warnings
    );
    let state = CaDir::open(&ca).unwrap().state().unwrap();
    assert_eq!(state.revoked.len(), 1);
    assert!(ca.join("crl-0001.pem").is_file() && ca.join("crl-0002.pem").is_file());
}

#[test]
fn crl_next_update_stops_at_the_end_of_the_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", None);
    let (outcome, _) = crl(&CrlOptions {
        signer: Signer::with_passphrase(ca, None),
        revoke: Vec::new(),
        next_update: time::Duration::days(5000),
    })
    .unwrap();
    assert!(
        outcome.warnings[0].contains("moved to the end of the CA's validity"),
        "{:?}",
        outcome.warnings
    );
}

#[test]
fn signing_removes_the_temporaries_an_interrupted_command_left() {
    let tmp = tempfile::tempdir().unwrap();
    let ca = make_root(tmp.path(), "root", None);
    let leftover = ca.join(".state.json.pki-bootstrap-tmp.0a0b0c");
    std::fs::write(&leftover, "half").unwrap();
    crl(&CrlOptions {
        signer: Signer::with_passphrase(ca, None),
        revoke: Vec::new(),
        next_update: time::Duration::days(30),
    })
    .unwrap();
    assert!(!leftover.exists());
}
