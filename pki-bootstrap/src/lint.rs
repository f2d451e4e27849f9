//! Self-lints: what the tool checks on a certificate before it signs it and again on the bytes it
//! produced, so a wrong path length, a missing key usage or a child outliving its issuer is caught
//! in the room rather than by a client months later. The RFC 5280 rules that independent linters
//! (pkilint) apply and that we can break are checked here too: the ASN.1 string type of every name
//! attribute, and the fields and extensions a CRL must carry.

use rcgen::SerialNumber;
use time::OffsetDateTime;
use x509_parser::asn1_rs::Tag;
use x509_parser::prelude::{
    CertificateRevocationList, FromDer, ParsedExtension, X509Certificate, X509Name,
};

use crate::{Error, Result};

/// Length of every serial number we draw.
pub const SERIAL_LEN: usize = 20;

/// The facts about a certificate the lints need.
#[derive(Clone, Debug)]
pub struct CertInfo {
    /// Subject as OpenSSL prints it.
    pub subject: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints present and critical.
    pub bc_critical: bool,
    /// pathLenConstraint, if any.
    pub path_len: Option<u32>,
    /// keyUsage keyCertSign.
    pub key_cert_sign: bool,
    /// keyUsage cRLSign.
    pub crl_sign: bool,
    /// Has a subjectKeyIdentifier.
    pub has_ski: bool,
    /// Has an authorityKeyIdentifier.
    pub has_aki: bool,
    /// Issuer DN equals subject DN.
    pub self_issued: bool,
    /// Raw serial bytes as encoded.
    pub serial: Vec<u8>,
    /// X.509 version field (2 means v3).
    pub version: u32,
    /// The first RFC 5280 string-type problem in the subject name, if any. (The issuer name is
    /// copied byte for byte from the issuer's subject, which was checked when it was made; a CA
    /// made by an older release keeps signing.)
    pub name_problem: Option<String>,
}

impl CertInfo {
    /// Reads the facts from a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| Error::Invalid(format!("cannot parse certificate: {e}")))?;
        let mut info = Self {
            subject: cert.subject().to_string(),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            is_ca: false,
            bc_critical: false,
            path_len: None,
            key_cert_sign: false,
            crl_sign: false,
            has_ski: false,
            has_aki: false,
            self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
            serial: cert.tbs_certificate.raw_serial().to_vec(),
            version: cert.version().0,
            name_problem: name_problem(cert.subject(), "subject"),
        };
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => {
                    info.is_ca = bc.ca;
                    info.bc_critical = ext.critical;
                    info.path_len = bc.path_len_constraint;
                }
                ParsedExtension::KeyUsage(ku) => {
                    info.key_cert_sign = ku.key_cert_sign();
                    info.crl_sign = ku.crl_sign();
                }
                ParsedExtension::SubjectKeyIdentifier(_) => info.has_ski = true,
                ParsedExtension::AuthorityKeyIdentifier(_) => info.has_aki = true,
                _ => {}
            }
        }
        Ok(info)
    }
}

/// A fresh serial: 20 random bytes with the top bit clear (positive) and a non-zero first byte
/// (so the DER encoding is exactly 20 bytes).
pub fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; SERIAL_LEN];
    openssl::rand::rand_bytes(&mut bytes).map_err(Error::ssl("drawing a serial number"))?;
    bytes[0] &= 0x7f;
    if bytes[0] == 0 {
        bytes[0] = 0x01;
    }
    Ok(SerialNumber::from_slice(&bytes))
}

/// Refuses a CA child whose place in the hierarchy the issuer's pathLenConstraint forbids, and a
/// child path length that does not fit under the issuer's.
pub fn check_path_len(issuer: &CertInfo, child: &str, child_path_len: Option<u8>) -> Result<()> {
    let Some(limit) = issuer.path_len else {
        return Ok(());
    };
    if limit == 0 {
        return Err(Error::Lint(format!(
            "issuer \"{}\" has pathLenConstraint 0 and cannot sign the CA \"{child}\"; \
             sign it with a CA higher up, or create the issuer with a larger --path-len",
            issuer.subject
        )));
    }
    let max = limit - 1;
    match child_path_len {
        Some(n) if u32::from(n) <= max => Ok(()),
        Some(n) => Err(Error::Lint(format!(
            "path length {n} of \"{child}\" does not fit under issuer \"{}\" \
             (pathLenConstraint {limit}); use --path-len {max} or less",
            issuer.subject
        ))),
        None => Err(Error::Lint(format!(
            "\"{child}\" would have no path length limit but its issuer \"{}\" has \
             pathLenConstraint {limit}; use --path-len {max} or less",
            issuer.subject
        ))),
    }
}

/// Makes sure the child does not outlive its issuer: refuses, or with `truncate` moves the end of
/// validity to the issuer's and returns a warning to print.
pub fn fit_validity(
    issuer: &CertInfo,
    child: &str,
    not_after: &mut OffsetDateTime,
    truncate: bool,
) -> Result<Option<String>> {
    if *not_after <= issuer.not_after {
        return Ok(None);
    }
    if !truncate {
        return Err(Error::Lint(format!(
            "\"{child}\" would be valid until {} but its issuer \"{}\" expires {}; \
             shorten --days or pass --truncate-validity",
            date(*not_after),
            issuer.subject,
            date(issuer.not_after)
        )));
    }
    let warning = format!(
        "validity of \"{child}\" truncated from {} to {}, the end of its issuer \"{}\"",
        date(*not_after),
        date(issuer.not_after),
        issuer.subject
    );
    *not_after = issuer.not_after;
    Ok(Some(warning))
}

/// What a produced certificate must look like.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// A CA with this pathLenConstraint.
    Ca(Option<u8>),
    /// An end-entity certificate.
    Leaf,
}

/// Lints the DER we just built, before it is written anywhere.
pub fn check_built(der: &[u8], expect: Expect) -> Result<CertInfo> {
    let info = CertInfo::from_der(der)?;
    let fail = |why: String| {
        Err(Error::Lint(format!(
            "certificate \"{}\" {why}",
            info.subject
        )))
    };
    if info.version != 2 {
        return fail("is not X.509 v3".into());
    }
    if let Some(problem) = &info.name_problem {
        return fail(problem.clone());
    }
    if info.serial.len() != SERIAL_LEN || info.serial[0] & 0x80 != 0 || info.serial[0] == 0 {
        return fail("does not have a positive 20-byte serial".into());
    }
    if !info.has_ski {
        return fail("lacks a subjectKeyIdentifier".into());
    }
    if !info.self_issued && !info.has_aki {
        return fail("lacks an authorityKeyIdentifier".into());
    }
    if !info.bc_critical {
        return fail("lacks critical basicConstraints".into());
    }
    match expect {
        Expect::Ca(path_len) => {
            if !info.is_ca || !info.key_cert_sign || !info.crl_sign {
                return fail("is a CA without CA:TRUE, keyCertSign and cRLSign".into());
            }
            if info.path_len != path_len.map(u32::from) {
                return fail("has the wrong pathLenConstraint".into());
            }
        }
        Expect::Leaf => {
            if info.is_ca || info.key_cert_sign || info.crl_sign {
                return fail("is an end-entity certificate that could sign certificates".into());
            }
        }
    }
    Ok(info)
}

/// The first attribute of `name` whose string type RFC 5280 (section 4.1.2.4 and appendix A)
/// does not allow: countryName is a two-letter PrintableString, serialNumber a PrintableString,
/// the other attributes we write a PrintableString or UTF8String; no value is empty.
pub fn name_problem(name: &X509Name<'_>, role: &str) -> Option<String> {
    for attr in name.iter_attributes() {
        let oid = attr.attr_type().to_id_string();
        let value = attr.attr_value();
        let tag = value.tag();
        let problem = match oid.as_str() {
            _ if value.data.is_empty() => "is empty",
            "2.5.4.6" if tag != Tag::PrintableString => "(countryName) is not a PrintableString",
            "2.5.4.6" if value.data.len() != 2 => "(countryName) is not two letters",
            "2.5.4.5" if tag != Tag::PrintableString => "(serialNumber) is not a PrintableString",
            _ if tag != Tag::PrintableString && tag != Tag::Utf8String => {
                "is neither a PrintableString nor a UTF8String"
            }
            _ => continue,
        };
        return Some(format!("has a {role} attribute: {oid} {problem}"));
    }
    None
}

/// Lints a CRL we just signed, before it is written: v2, a nextUpdate after thisUpdate, a CRL
/// number and an authorityKeyIdentifier (RFC 5280 section 5.1.2 and 5.2). Its issuer name is the
/// CA's subject byte for byte, checked when the CA was made.
pub fn check_crl(der: &[u8]) -> Result<()> {
    let (_, crl) = CertificateRevocationList::from_der(der)
        .map_err(|e| Error::Lint(format!("the new CRL does not parse: {e}")))?;
    let fail = |why: &str| Err(Error::Lint(format!("the new CRL {why}")));
    if crl.version().map(|v| v.0) != Some(1) {
        return fail("is not a version 2 CRL");
    }
    match crl.next_update() {
        Some(next) if next > crl.last_update() => {}
        _ => return fail("lacks a nextUpdate after its thisUpdate"),
    }
    if crl.crl_number().is_none() {
        return fail("lacks a cRLNumber");
    }
    let has_aki = crl.extensions().iter().any(|e| {
        matches!(
            e.parsed_extension(),
            ParsedExtension::AuthorityKeyIdentifier(_)
        )
    });
    if !has_aki {
        return fail("lacks an authorityKeyIdentifier");
    }
    Ok(())
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn date(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(path_len: Option<u32>) -> CertInfo {
        CertInfo {
            subject: "CN=Root".into(),
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after: OffsetDateTime::UNIX_EPOCH + time::Duration::days(10),
            is_ca: true,
            bc_critical: true,
            path_len,
            key_cert_sign: true,
            crl_sign: true,
            has_ski: true,
            has_aki: false,
            self_issued: true,
            serial: vec![1; 20],
            version: 2,
            name_problem: None,
        }
    }

    #[test]
    fn path_len_rules() {
        assert!(check_path_len(&issuer(None), "CN=I", None).is_ok());
        let e = check_path_len(&issuer(Some(0)), "CN=I", Some(0)).unwrap_err();
        assert!(
            e.to_string()
                .contains("\"CN=Root\" has pathLenConstraint 0")
        );
        assert!(e.to_string().contains("\"CN=I\""));
        assert!(check_path_len(&issuer(Some(1)), "CN=I", Some(0)).is_ok());
        assert!(check_path_len(&issuer(Some(1)), "CN=I", Some(1)).is_err());
        assert!(check_path_len(&issuer(Some(1)), "CN=I", None).is_err());
    }

    #[test]
    fn validity_refused_or_truncated() {
        let i = issuer(None);
        let mut end = i.not_after + time::Duration::days(1);
        assert!(fit_validity(&i, "CN=c", &mut end, false).is_err());
        let w = fit_validity(&i, "CN=c", &mut end, true).unwrap();
        assert!(w.is_some());
        assert_eq!(end, i.not_after);
    }

    #[test]
    fn a_utf8_country_name_is_caught_and_printable_passes() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert_with = |country: rcgen::DnValue| {
            let mut p = rcgen::CertificateParams::default();
            p.distinguished_name.push(rcgen::DnType::CommonName, "x");
            p.distinguished_name
                .push(rcgen::DnType::CountryName, country);
            p.self_signed(&key).unwrap().der().to_vec()
        };
        let bad = CertInfo::from_der(&cert_with(rcgen::DnValue::Utf8String("NL".into()))).unwrap();
        assert_eq!(
            bad.name_problem.as_deref(),
            Some("has a subject attribute: 2.5.4.6 (countryName) is not a PrintableString")
        );
        let good = crate::dn::encode(&rcgen::DnType::CountryName, "NL").unwrap();
        assert!(
            CertInfo::from_der(&cert_with(good))
                .unwrap()
                .name_problem
                .is_none()
        );
    }

    #[test]
    fn serials_are_positive_and_twenty_bytes() {
        for _ in 0..200 {
            let s = random_serial().unwrap().to_bytes();
            assert_eq!(s.len(), 20);
            assert!(s[0] != 0 && s[0] & 0x80 == 0);
        }
    }
}
