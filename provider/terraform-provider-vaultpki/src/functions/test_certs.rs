//! A small root → intermediate → leaf hierarchy built with the `openssl` crate (a second
//! implementation, so the functions' parsing is not checked against itself), for unit tests.

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectAlternativeName};
use openssl::x509::{X509, X509Name, X509NameRef};

/// PEM texts of one hierarchy.
pub(crate) struct Pki {
    pub(crate) root_pem: String,
    pub(crate) intermediate_pem: String,
    pub(crate) leaf_pem: String,
    pub(crate) expired_leaf_pem: String,
}

impl Pki {
    /// A fresh hierarchy (new keys each time, same names).
    pub(crate) fn new() -> Self {
        let root_key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let int_key = ec_key();
        let leaf_key = ec_key();
        let root_name = name("Test Root");
        let int_name = name("Test Intermediate");
        let root = cert(&Spec {
            subject: &root_name,
            issuer: &root_name,
            key: &root_key,
            signer: &root_key,
            serial: 1,
            ca: Some(None),
            dates: ("20250101000000Z", "20450101000000Z"),
        });
        let intermediate = cert(&Spec {
            subject: &int_name,
            issuer: &root_name,
            key: &int_key,
            signer: &root_key,
            serial: 2,
            ca: Some(Some(0)),
            dates: ("20250101000000Z", "20450101000000Z"),
        });
        let leaf_name = name("web.example.test");
        let leaf = |dates| {
            cert(&Spec {
                subject: &leaf_name,
                issuer: &int_name,
                key: &leaf_key,
                signer: &int_key,
                serial: 0x7b2a,
                ca: None,
                dates,
            })
        };
        let pem = |c: X509| String::from_utf8(c.to_pem().unwrap()).unwrap();
        Self {
            root_pem: pem(root),
            intermediate_pem: pem(intermediate),
            leaf_pem: pem(leaf(("20250101000000Z", "20450101000000Z"))),
            expired_leaf_pem: pem(leaf(("20200101000000Z", "20210101000000Z"))),
        }
    }
}

struct Spec<'a> {
    subject: &'a X509NameRef,
    issuer: &'a X509NameRef,
    key: &'a PKey<Private>,
    signer: &'a PKey<Private>,
    serial: u32,
    /// `None`: a leaf; `Some(path_len)`: a CA.
    ca: Option<Option<u32>>,
    dates: (&'a str, &'a str),
}

fn ec_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn name(cn: &str) -> X509Name {
    let mut b = X509Name::builder().unwrap();
    b.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    b.build()
}

fn cert(s: &Spec<'_>) -> X509 {
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let serial = Asn1Integer::from_bn(&BigNum::from_u32(s.serial).unwrap()).unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(s.subject).unwrap();
    b.set_issuer_name(s.issuer).unwrap();
    b.set_pubkey(s.key).unwrap();
    b.set_not_before(&Asn1Time::from_str(s.dates.0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_str(s.dates.1).unwrap())
        .unwrap();
    match s.ca {
        Some(path_len) => {
            let mut bc = BasicConstraints::new();
            bc.critical().ca();
            if let Some(n) = path_len {
                bc.pathlen(n);
            }
            b.append_extension(bc.build().unwrap()).unwrap();
            let ku = KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build();
            b.append_extension(ku.unwrap()).unwrap();
        }
        None => {
            let ctx = b.x509v3_context(None, None);
            let san = SubjectAlternativeName::new()
                .dns("web.example.test")
                .dns("www.example.test")
                .ip("192.0.2.7")
                .ip("2001:db8::1")
                .build(&ctx)
                .unwrap();
            b.append_extension(san).unwrap();
        }
    }
    b.sign(s.signer, MessageDigest::sha256()).unwrap();
    b.build()
}
