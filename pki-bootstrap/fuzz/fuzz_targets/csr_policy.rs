//! Fuzz target: CSR parsing and `sign-csr`'s policy. The first input byte picks the profile
//! (`% 3`) and the mode: raw (the rest is a CSR, PEM or DER) or, with the top bit set,
//! structured (the rest describes a CSR that is built and correctly signed here, so mutations
//! reach the policy instead of dying at the signature check: a flags byte, then NUL-separated
//! fields: the CN, then SAN entries). Whatever the input: no panic; and anything the policy accepts
//! becomes a certificate that passes the self-lints for its profile (a server/client profile never
//! yields a CA, an intermediate always has the requested path length) and that OpenSSL verifies
//! against the issuing CA.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pki_bootstrap::csr::{self, Profile};
use pki_bootstrap::keys::{KeyType, PrivateKey};


struct Ca {
    cert_der: Vec<u8>,
    key: rcgen::KeyPair,
}

/// A root made once per process through the real `root` operation (plaintext key, temp dir).
fn ca() -> &'static Ca {
    static CA: OnceLock<Ca> = OnceLock::new();
    CA.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pki-bootstrap-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        pki_bootstrap::ops::root(&pki_bootstrap::ops::RootOptions {
            out: dir.clone(),
            subject: "CN=Fuzz Root".into(),
            key_type: KeyType::P256,
            days: 30,
            path_len: Some(1),
            protection: pki_bootstrap::ops::KeyProtection::Plaintext,
            force: true,
            shares: None,
            extensions: Default::default(),
        })
        .expect("fuzz root");
        let ca = pki_bootstrap::ca::CaDir::open(&dir).expect("open fuzz root");
        let key = ca.load_key(None).and_then(|k| k.key_pair()).expect("fuzz root key");
        let _ = std::fs::remove_dir_all(&dir);
        Ca { cert_der: ca.cert_der, key }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, csr_bytes)) = data.split_first() else {
        return;
    };
    let profile = match selector % 3 {
        0 => Profile::Intermediate,
        1 => Profile::Server,
        _ => Profile::Client,
    };
    let built;
    let csr_bytes = if selector & 0x80 != 0 {
        let Some(der) = structured_csr(csr_bytes) else {
            return;
        };
        built = der;
        &built[..]
    } else {
        csr_bytes
    };
    let Ok(checked) = csr::check(csr_bytes, Path::new("fuzz.csr"), profile) else {
        return;
    };
    if profile != Profile::Intermediate {
        for san in &checked.sans {
            if let rcgen::SanType::DnsName(d) = san {
                assert!(csr::check_dns_name(d.as_str()).is_ok(), "accepted a bad DNS name");
            }
        }
    }
    let ca = ca();
    let validity = pki_bootstrap::ops::validity(1).expect("clock");
    let path_len = (profile == Profile::Intermediate).then_some(0);
    match pki_bootstrap::ops::issue_from_csr(&checked, profile, &ca.cert_der, &ca.key, validity, path_len) {
        Ok(der) => {
            let info = pki_bootstrap::lint::CertInfo::from_der(&der).expect("our own output parses");
            assert_eq!(info.is_ca, profile == Profile::Intermediate, "profile decides CA-ness");
            if info.is_ca {
                assert_eq!(info.path_len, Some(0));
            }
            pki_bootstrap::verify::chain(&der, &[], &ca.cert_der).expect("OpenSSL verifies what we signed");
        }
        // rcgen may refuse odd but accepted subjects (e.g. strings it cannot encode); that is a
        // clean refusal, not a finding.
        Err(pki_bootstrap::Error::Rcgen { .. } | pki_bootstrap::Error::Invalid(_)) => {}
        Err(e) => panic!("policy accepted a CSR the signer then failed on: {e}"),
    }
});

/// Builds a correctly signed CSR from the structured input (None when rcgen cannot encode it).
fn structured_csr(data: &[u8]) -> Option<Vec<u8>> {
    static KEYS: OnceLock<(rcgen::KeyPair, rcgen::KeyPair)> = OnceLock::new();
    let (ec, ed) = KEYS.get_or_init(|| {
        let ec = PrivateKey::generate(KeyType::P256).and_then(|k| k.key_pair());
        let ed = PrivateKey::generate(KeyType::Ed25519).and_then(|k| k.key_pair());
        (ec.expect("p256"), ed.expect("ed25519"))
    });
    let (&flags, rest) = data.split_first()?;
    let mut fields = rest.split(|b| *b == 0).map(|f| String::from_utf8_lossy(f).into_owned());
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    if let Some(cn) = fields.next().filter(|c| !c.is_empty()) {
        params.distinguished_name.push(rcgen::DnType::CommonName, cn);
    }
    for f in fields.take(8) {
        let san = if let Ok(ip) = f.parse::<std::net::IpAddr>() {
            rcgen::SanType::IpAddress(ip)
        } else if f.contains('@') {
            rcgen::SanType::Rfc822Name(f.try_into().ok()?)
        } else if f.contains(':') {
            rcgen::SanType::URI(f.try_into().ok()?)
        } else {
            rcgen::SanType::DnsName(f.try_into().ok()?)
        };
        params.subject_alt_names.push(san);
    }
    if flags & 1 != 0 {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    }
    if flags & 2 != 0 {
        params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::DigitalSignature];
    }
    if flags & 4 != 0 {
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::CodeSigning];
    }
    let key = if flags & 8 != 0 { ed } else { ec };
    let csr = params.serialize_request(key).ok()?;
    Some(csr.der().to_vec())
}
