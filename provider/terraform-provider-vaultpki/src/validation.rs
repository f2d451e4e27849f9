//! Plan-time checks of enumerated inputs, so that a value the server would refuse (or, worse,
//! accept and ignore) fails `terraform plan` naming the attribute and the accepted values,
//! before anything is created. Unknown values are checked when they become known.

use tfplugin::{Diagnostics, Value};

use crate::diagnostics;

/// Key types a PKI role accepts; `any` only where a CSR brings the key (roles).
const KEY_TYPES: [&str; 4] = ["rsa", "ec", "ed25519", "any"];
/// RSA modulus sizes OpenBao/Vault accept (0: the default, 2048).
const RSA_BITS: [i64; 5] = [0, 2048, 3072, 4096, 8192];
/// EC curve sizes (0: the default, P-256).
const EC_BITS: [i64; 5] = [0, 224, 256, 384, 521];
/// Signature hash sizes (0: chosen from the key).
pub(crate) const SIGNATURE_BITS: [i64; 4] = [0, 256, 384, 512];

/// Key usages by the names the server accepts (case-insensitive).
pub(crate) const KEY_USAGES: [&str; 9] = [
    "DigitalSignature",
    "ContentCommitment",
    "KeyEncipherment",
    "DataEncipherment",
    "KeyAgreement",
    "CertSign",
    "CRLSign",
    "EncipherOnly",
    "DecipherOnly",
];

/// Extended key usages by the names the server accepts (case-insensitive); any other name is
/// silently dropped by the server.
pub(crate) const EXT_KEY_USAGES: [&str; 14] = [
    "Any",
    "ServerAuth",
    "ClientAuth",
    "CodeSigning",
    "EmailProtection",
    "IPSECEndSystem",
    "IPSECTunnel",
    "IPSECUser",
    "TimeStamping",
    "OCSPSigning",
    "MicrosoftServerGatedCrypto",
    "NetscapeServerGatedCrypto",
    "MicrosoftCommercialCodeSigning",
    "MicrosoftKernelCodeSigning",
];

/// `key_type` and `key_bits` of `config`: a known type (`any` only when `allow_any`), and a
/// size that type has.
pub(crate) fn key(config: &Value, allow_any: bool) -> Diagnostics {
    let types: &[&str] = if allow_any {
        &KEY_TYPES
    } else {
        &KEY_TYPES[..3]
    };
    let key_type = config.attr("key_type").as_str();
    if let Some(t) = key_type
        && !types.contains(&t)
    {
        return diagnostics::invalid_attribute(
            "key_type",
            format!(
                "key_type = \"{t}\" is not a key type the server knows; use one of {}.",
                quoted(types)
            ),
        );
    }
    let Some(bits) = config.attr("key_bits").as_i64() else {
        return Diagnostics::new();
    };
    let sizes: &[i64] = match key_type.unwrap_or("rsa") {
        "rsa" => &RSA_BITS,
        "ec" => &EC_BITS,
        _ => &[0],
    };
    if sizes.contains(&bits) {
        return Diagnostics::new();
    }
    let shown: Vec<String> = sizes.iter().map(i64::to_string).collect();
    diagnostics::invalid_attribute(
        "key_bits",
        format!(
            "key_bits = {bits} is not a size of key_type \"{}\"; use one of {} (0: the type's default).",
            key_type.unwrap_or("rsa"),
            shown.join(", ")
        ),
    )
}

/// A number attribute that must be one of `valid`.
pub(crate) fn number_in(config: &Value, attribute: &str, valid: &[i64]) -> Diagnostics {
    match config.attr(attribute).as_i64() {
        Some(n) if !valid.contains(&n) => {
            let shown: Vec<String> = valid.iter().map(i64::to_string).collect();
            diagnostics::invalid_attribute(
                attribute,
                format!(
                    "{attribute} = {n} is not accepted; use one of {}.",
                    shown.join(", ")
                ),
            )
        }
        _ => Diagnostics::new(),
    }
}

/// A list-of-strings attribute whose entries must be names from `valid` (compared without
/// regard to case, as the server does).
pub(crate) fn names_in(config: &Value, attribute: &str, valid: &[&str]) -> Diagnostics {
    let Value::List(items) = config.attr(attribute) else {
        return Diagnostics::new();
    };
    for item in items {
        if let Some(name) = item.as_str()
            && !valid.iter().any(|v| v.eq_ignore_ascii_case(name))
        {
            return diagnostics::invalid_attribute(
                attribute,
                format!(
                    "\"{name}\" in {attribute} is not a name the server knows (it would be ignored); use {}.",
                    quoted(valid)
                ),
            );
        }
    }
    Diagnostics::new()
}

/// The inputs of the CA types that shape the certificate beyond key and names: key usages,
/// signature bits, `not_after` (a UTC timestamp, not together with `ttl`), CIDR ranges, URIs
/// and other SANs, each checked when set.
pub(crate) fn ca_inputs(config: &Value) -> Diagnostics {
    let mut diags = names_in(config, "key_usage", &KEY_USAGES);
    diags.extend(number_in(config, "signature_bits", &SIGNATURE_BITS));
    diags.extend(signature_for_key(config));
    diags.extend(timestamp(config, "not_after"));
    if !config.attr("not_after").is_null() && !config.attr("ttl").is_null() {
        diags.extend(diagnostics::invalid_attribute(
            "not_after",
            "not_after and ttl both set the certificate's NotAfter; set only one of them.",
        ));
    }
    for attribute in ["permitted_ip_ranges", "excluded_ip_ranges"] {
        diags.extend(each(
            config,
            attribute,
            "a CIDR range such as \"10.0.0.0/8\" or \"fd00::/8\"",
            is_cidr,
        ));
    }
    diags.extend(each(
        config,
        "uri_sans",
        "a URI with a scheme, such as \"spiffe://example.test/web\"",
        is_uri,
    ));
    diags.extend(each(
        config,
        "other_sans",
        "`<oid>;UTF8:<value>`, such as \"1.3.6.1.4.1.311.20.2.3;UTF8:admin@example.test\"",
        is_other_san,
    ));
    diags
}

/// `signature_bits` against a configured `key_type`: OpenBao (2.7.2) honours it for RSA keys
/// only; an EC key signs with its curve's own hash and Ed25519 has none to choose, so another
/// value would be silently replaced (and never match what the certificate says).
fn signature_for_key(config: &Value) -> Diagnostics {
    let (Some(bits), Some(key_type)) = (
        config.attr("signature_bits").as_i64().filter(|b| *b != 0),
        config.attr("key_type").as_str(),
    ) else {
        return Diagnostics::new();
    };
    let curve_hash = match (key_type, config.attr("key_bits").as_i64().unwrap_or(0)) {
        ("ec", 384) => Some(384),
        ("ec", 521) => Some(512),
        ("ec", _) => Some(256),
        ("ed25519", _) => None,
        _ => return Diagnostics::new(),
    };
    if curve_hash == Some(bits) {
        return Diagnostics::new();
    }
    let fix = match curve_hash {
        Some(h) => format!("set signature_bits = {h} or leave it out"),
        None => "leave it out".to_owned(),
    };
    diagnostics::invalid_attribute(
        "signature_bits",
        format!(
            "signature_bits = {bits} cannot be honoured for key_type = \"{key_type}\": the server signs with the key's own hash (only RSA keys choose); {fix}."
        ),
    )
}

/// A string attribute that must be a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ` (the form the PKI
/// endpoints' `not_after` takes).
pub(crate) fn timestamp(config: &Value, attribute: &str) -> Diagnostics {
    let Some(text) = config.attr(attribute).as_str() else {
        return Diagnostics::new();
    };
    if is_timestamp(text) {
        return Diagnostics::new();
    }
    diagnostics::invalid_attribute(
        attribute,
        format!(
            "{attribute} = \"{text}\" is not a UTC time in the form YYYY-MM-DDTHH:MM:SSZ (e.g. \"2030-01-01T00:00:00Z\")."
        ),
    )
}

fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() == 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'Z'
        && time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

fn is_cidr(text: &str) -> bool {
    let Some((addr, prefix)) = text.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !text.contains(char::is_whitespace)
}

fn is_other_san(text: &str) -> bool {
    let Some((oid, value)) = text.split_once(';') else {
        return false;
    };
    let oid_ok = oid.split('.').count() >= 2
        && oid
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let value_ok = value.split_once(':').is_some_and(|(kind, _)| {
        kind.eq_ignore_ascii_case("UTF8") || kind.eq_ignore_ascii_case("UTF-8")
    });
    oid_ok && value_ok
}

/// Every entry of a list attribute must pass `valid`; `form` says what is expected.
fn each(config: &Value, attribute: &str, form: &str, valid: fn(&str) -> bool) -> Diagnostics {
    let Value::List(items) = config.attr(attribute) else {
        return Diagnostics::new();
    };
    match items.iter().filter_map(Value::as_str).find(|t| !valid(t)) {
        Some(bad) => diagnostics::invalid_attribute(
            attribute,
            format!("\"{bad}\" in {attribute} is not {form}."),
        ),
        None => Diagnostics::new(),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renewal::value;

    #[test]
    fn key_types_and_sizes_are_checked_together() {
        let config = |t: &str, bits: i64| {
            value(&[
                ("key_type", Value::from(t)),
                ("key_bits", Value::from(bits)),
            ])
        };
        assert!(key(&config("ecdsa", 256), true).has_errors());
        assert!(key(&config("ec", 2048), true).has_errors());
        assert!(key(&config("rsa", 256), true).has_errors());
        assert!(key(&config("any", 0), false).has_errors());
        assert!(key(&config("ec", 384), false).is_empty());
        assert!(key(&config("rsa", 4096), false).is_empty());
        assert!(key(&config("any", 0), true).is_empty());
    }

    #[test]
    fn ca_inputs_are_checked_by_form() {
        let list = |names: &[&str]| Value::List(names.iter().map(|n| Value::from(*n)).collect());
        let bad = |pairs: &[(&str, Value)]| ca_inputs(&value(pairs)).has_errors();
        assert!(bad(&[("permitted_ip_ranges", list(&["10.0.0.0"]))]));
        assert!(bad(&[("excluded_ip_ranges", list(&["10.0.0.0/33"]))]));
        assert!(!bad(&[(
            "permitted_ip_ranges",
            list(&["10.0.0.0/8", "fd00::/8"])
        )]));
        assert!(bad(&[("not_after", Value::from("2030-01-01"))]));
        assert!(bad(&[("not_after", Value::from("2030-02-30T00:00:00Z"))]));
        assert!(!bad(&[("not_after", Value::from("2030-01-01T00:00:00Z"))]));
        assert!(bad(&[
            ("not_after", Value::from("2030-01-01T00:00:00Z")),
            ("ttl", Value::from("1h"))
        ]));
        assert!(bad(&[("uri_sans", list(&["not a uri"]))]));
        assert!(!bad(&[("uri_sans", list(&["spiffe://example.test/web"]))]));
        assert!(bad(&[("other_sans", list(&["1.2.3:UTF8:x"]))]));
        assert!(!bad(&[(
            "other_sans",
            list(&["1.3.6.1.4.1.311.20.2.3;UTF8:a@b.test"])
        )]));
        assert!(bad(&[("key_usage", list(&["KeyCertSign"]))]));
        assert!(bad(&[("signature_bits", Value::from(128_i64))]));
        let key = |t: &str, b: i64, s: i64| {
            bad(&[
                ("key_type", Value::from(t)),
                ("key_bits", Value::from(b)),
                ("signature_bits", Value::from(s)),
            ])
        };
        assert!(key("ec", 256, 384));
        assert!(!key("ec", 384, 384));
        assert!(!key("ec", 521, 512));
        assert!(key("ed25519", 0, 256));
        assert!(!key("rsa", 2048, 512));
    }

    #[test]
    fn usage_names_are_the_servers_in_any_case() {
        let config = |names: &[&str]| {
            value(&[(
                "ext_key_usage",
                Value::List(names.iter().map(|n| Value::from(*n)).collect()),
            )])
        };
        let bad = names_in(
            &config(&["ServerAuthentication"]),
            "ext_key_usage",
            &EXT_KEY_USAGES,
        );
        assert!(bad.has_errors(), "{bad:?}");
        assert!(
            names_in(
                &config(&["serverauth", "ClientAuth"]),
                "ext_key_usage",
                &EXT_KEY_USAGES
            )
            .is_empty()
        );
    }
}
