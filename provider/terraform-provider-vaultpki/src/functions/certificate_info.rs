//! `provider::vaultpki::certificate_info(pem)`: the facts of one certificate as an object, so a
//! configuration can use or check them (an output, a `precondition`) without a server.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use tfplugin::{Function, FunctionError, Parameter, Signature, Type, Value};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use super::pem;

/// The function.
pub(crate) struct CertificateInfo;

/// The attributes of the returned object and their types.
fn fields() -> Vec<(&'static str, Type)> {
    vec![
        ("subject", Type::String),
        ("common_name", Type::String),
        ("organization", Type::list(Type::String)),
        ("issuer", Type::String),
        ("serial_number", Type::String),
        ("not_before", Type::String),
        ("not_after", Type::String),
        ("dns_names", Type::list(Type::String)),
        ("ip_addresses", Type::list(Type::String)),
        ("uris", Type::list(Type::String)),
        ("email_addresses", Type::list(Type::String)),
        ("is_ca", Type::Bool),
        ("max_path_length", Type::Number),
        ("key_algorithm", Type::String),
        ("key_bits", Type::Number),
    ]
}

impl Function for CertificateInfo {
    fn name(&self) -> &str {
        "certificate_info"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter::new(
                "pem",
                Type::String,
                "A PEM-encoded X.509 certificate (when several are given, the first is described).",
            )],
            variadic: None,
            returns: Type::object(fields()),
            summary: "Describes a PEM certificate.".to_owned(),
            description: "Returns an object with `subject` and `issuer` (RFC 4514 strings), the subject's `common_name` (null when absent) and `organization` values, `serial_number` (colon-separated hex, as OpenBao/Vault show it), `not_before` and `not_after` (RFC 3339, UTC), the `dns_names`, `ip_addresses`, `uris` and `email_addresses` of the subject alternative names, `is_ca`, `max_path_length` (null when unconstrained or not a CA), `key_algorithm` (`rsa`, `ec`, `ed25519`, `ed448`, or the key's OID) and `key_bits`. Works in plans with no server.".to_owned(),
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let text = pem::string_arg(&args, 0)?;
        let ders = pem::certificates(text, 0)?;
        let Some(der) = ders.first() else {
            return Err(FunctionError::argument(0, "No certificate found."));
        };
        describe(der).map_err(|e| FunctionError::argument(0, e))
    }
}

/// The object for the first certificate of a PEM text (used by resources that store facts of
/// the certificates the server returns), or why it cannot be read.
pub(crate) fn describe_pem(text: &str) -> Result<Value, String> {
    let ders = pem::certificates(text, 0).map_err(|e| e.text)?;
    let der = ders.first().ok_or("No certificate found.")?;
    describe(der)
}

/// The object for one DER certificate, or why it cannot be read.
fn describe(der: &[u8]) -> Result<Value, String> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| format!("The certificate cannot be parsed: {e}."))?;
    let time = |t: x509_parser::time::ASN1Time| -> Result<Value, String> {
        let at = time::OffsetDateTime::from_unix_timestamp(t.timestamp())
            .map_err(|e| format!("A validity date is out of range: {e}."))?;
        at.format(&time::format_description::well_known::Rfc3339)
            .map(Value::from)
            .map_err(|e| format!("A validity date cannot be formatted: {e}."))
    };
    let (mut dns, mut ips, mut uris, mut emails) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let san = cert
        .subject_alternative_name()
        .map_err(|e| format!("The subject alternative names cannot be parsed: {e}."))?;
    for name in san.iter().flat_map(|s| s.value.general_names.iter()) {
        match name {
            GeneralName::DNSName(n) => dns.push(Value::from(*n)),
            GeneralName::IPAddress(bytes) => ips.push(Value::from(ip(bytes)?)),
            GeneralName::URI(u) => uris.push(Value::from(*u)),
            GeneralName::RFC822Name(m) => emails.push(Value::from(*m)),
            _ => {}
        }
    }
    let constraints = cert
        .basic_constraints()
        .map_err(|e| format!("The basic constraints cannot be parsed: {e}."))?
        .map(|b| (b.value.ca, b.value.path_len_constraint));
    let is_ca = constraints.is_some_and(|(ca, _)| ca);
    let path_len = constraints
        .filter(|(ca, _)| *ca)
        .and_then(|(_, n)| n)
        .map_or(Value::Null, |n| Value::from(i64::from(n)));
    let spki = cert.public_key();
    let algorithm = match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => "rsa".to_owned(),
        "1.2.840.10045.2.1" => "ec".to_owned(),
        "1.3.101.112" => "ed25519".to_owned(),
        "1.3.101.113" => "ed448".to_owned(),
        other => other.to_owned(),
    };
    let bits = match (algorithm.as_str(), spki.parsed()) {
        ("ed25519", _) => 256,
        ("ed448", _) => 456,
        (_, Ok(key @ (PublicKey::RSA(_) | PublicKey::EC(_)))) => key.key_size(),
        _ => 0,
    };
    let mut out = BTreeMap::new();
    out.insert(
        "subject".to_owned(),
        Value::from(cert.subject().to_string()),
    );
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .map_or(Value::Null, Value::from);
    out.insert("common_name".to_owned(), common_name);
    let organization = cert
        .subject()
        .iter_organization()
        .filter_map(|a| a.as_str().ok())
        .map(Value::from)
        .collect();
    out.insert("organization".to_owned(), Value::List(organization));
    out.insert("issuer".to_owned(), Value::from(cert.issuer().to_string()));
    out.insert(
        "serial_number".to_owned(),
        Value::from(cert.raw_serial_as_string()),
    );
    out.insert("not_before".to_owned(), time(cert.validity().not_before)?);
    out.insert("not_after".to_owned(), time(cert.validity().not_after)?);
    out.insert("dns_names".to_owned(), Value::List(dns));
    out.insert("ip_addresses".to_owned(), Value::List(ips));
    out.insert("uris".to_owned(), Value::List(uris));
    out.insert("email_addresses".to_owned(), Value::List(emails));
    out.insert("is_ca".to_owned(), Value::from(is_ca));
    out.insert("max_path_length".to_owned(), path_len);
    out.insert("key_algorithm".to_owned(), Value::from(algorithm));
    out.insert(
        "key_bits".to_owned(),
        Value::from(i64::try_from(bits).unwrap_or(0)),
    );
    Ok(Value::Map(out))
}

fn ip(bytes: &[u8]) -> Result<String, String> {
    let addr = match bytes.len() {
        4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).map_err(|_| "")?)),
        16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).map_err(|_| "")?)),
        n => {
            return Err(format!(
                "An IP address SAN has {n} bytes (4 or 16 expected)."
            ));
        }
    };
    Ok(addr.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::test_certs;

    fn info(pem: &str) -> Value {
        CertificateInfo.call(vec![Value::from(pem)]).unwrap()
    }

    #[test]
    fn describes_a_leaf() {
        let pki = test_certs::Pki::new();
        let v = info(&pki.leaf_pem);
        assert_eq!(v.attr("subject").as_str(), Some("CN=web.example.test"));
        assert_eq!(v.attr("common_name").as_str(), Some("web.example.test"));
        assert_eq!(v.attr("organization"), &Value::List(Vec::new()));
        assert_eq!(v.attr("issuer").as_str(), Some("CN=Test Intermediate"));
        assert_eq!(
            v.attr("dns_names"),
            &Value::List(vec![
                Value::from("web.example.test"),
                Value::from("www.example.test")
            ])
        );
        assert_eq!(
            v.attr("ip_addresses"),
            &Value::List(vec![Value::from("192.0.2.7"), Value::from("2001:db8::1")])
        );
        assert_eq!(v.attr("is_ca").as_bool(), Some(false));
        assert!(v.attr("max_path_length").is_null());
        assert_eq!(v.attr("key_algorithm").as_str(), Some("ec"));
        assert_eq!(v.attr("key_bits").as_i64(), Some(256));
        assert_eq!(v.attr("serial_number").as_str(), Some("7b:2a"));
        assert_eq!(v.attr("not_before").as_str(), Some("2025-01-01T00:00:00Z"));
        assert_eq!(v.attr("not_after").as_str(), Some("2045-01-01T00:00:00Z"));
    }

    #[test]
    fn describes_a_ca_with_a_path_length() {
        let pki = test_certs::Pki::new();
        let v = info(&pki.intermediate_pem);
        assert_eq!(v.attr("is_ca").as_bool(), Some(true));
        assert_eq!(v.attr("max_path_length").as_i64(), Some(0));
        let root = info(&pki.root_pem);
        assert_eq!(root.attr("is_ca").as_bool(), Some(true));
        assert!(root.attr("max_path_length").is_null());
        assert_eq!(root.attr("subject"), root.attr("issuer"));
    }

    #[test]
    fn the_result_matches_the_declared_type() {
        let pki = test_certs::Pki::new();
        let v = info(&pki.leaf_pem);
        let ty = CertificateInfo.signature().returns;
        let bytes = tfplugin::msgpack::encode(&v, &ty).unwrap();
        assert_eq!(tfplugin::msgpack::decode(&bytes, &ty).unwrap(), v);
    }

    #[test]
    fn rejects_what_is_not_a_certificate() {
        let err = CertificateInfo
            .call(vec![Value::from("hello")])
            .unwrap_err();
        assert_eq!(err.argument, Some(0));
        assert!(err.text.contains("Not a PEM certificate"), "{}", err.text);
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let err = CertificateInfo.call(vec![Value::from(key)]).unwrap_err();
        assert!(err.text.contains("`PRIVATE KEY`"), "{}", err.text);
        // The message never echoes the argument (it could be a key).
        assert!(!err.text.contains("AAAA"));
    }
}
