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
