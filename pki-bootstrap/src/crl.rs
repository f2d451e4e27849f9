//! CRLs: revocation reasons and serials as typed on the command line, the `--next-update`
//! duration syntax, and building the signed CRL from the CA's persistent state.

use std::fmt;
use std::str::FromStr;

use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevocationReason, RevokedCertParams};
use time::OffsetDateTime;

use crate::ca::State;
use crate::{Error, Result};

/// RFC 5280 reason codes, by their hyphenated names; RFC 5280's (and openssl's) camelCase
/// spelling (`keyCompromise`, `cACompromise`, ...) is accepted too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reason(pub RevocationReason);

const REASONS: [(&str, RevocationReason); 9] = [
    ("unspecified", RevocationReason::Unspecified),
    ("key-compromise", RevocationReason::KeyCompromise),
    ("ca-compromise", RevocationReason::CaCompromise),
    ("affiliation-changed", RevocationReason::AffiliationChanged),
    ("superseded", RevocationReason::Superseded),
    (
        "cessation-of-operation",
        RevocationReason::CessationOfOperation,
    ),
    ("certificate-hold", RevocationReason::CertificateHold),
    ("privilege-withdrawn", RevocationReason::PrivilegeWithdrawn),
    ("aa-compromise", RevocationReason::AaCompromise),
];

impl FromStr for Reason {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        // "key-compromise", "keyCompromise" and "KEY_COMPROMISE" all fold to "keycompromise".
        let fold = |name: &str| -> String {
            name.chars()
                .filter(|c| *c != '-' && *c != '_')
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        let wanted = fold(s);
        REASONS
            .iter()
            .find(|(n, _)| fold(n) == wanted)
            .map(|(_, r)| Self(*r))
            .ok_or_else(|| {
                let names: Vec<_> = REASONS.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown revocation reason `{s}` (one of {}; RFC 5280's camelCase \
                     spelling such as keyCompromise works too)",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = REASONS
            .iter()
            .find(|(_, r)| *r == self.0)
            .map_or("unspecified", |(n, _)| n);
        f.write_str(name)
    }
}

/// Normalises a serial typed as hex (colons, spaces and a `0x` prefix allowed) to the DER integer
/// bytes shown as colon-separated lower-case hex, the form the state and summaries use.
pub fn normalise_serial(input: &str) -> Result<String> {
    let cleaned: String = input
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    let bad = || Error::Invalid(format!("`{input}` is not a hexadecimal serial number"));
    if cleaned.is_empty() || cleaned.len() > 42 || !cleaned.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let padded = if cleaned.len() % 2 == 1 {
        format!("0{cleaned}")
    } else {
        cleaned
    };
    let mut bytes = Vec::new();
    for i in (0..padded.len()).step_by(2) {
        bytes.push(u8::from_str_radix(&padded[i..i + 2], 16).map_err(|_| bad())?);
    }
    while bytes.len() > 1 && bytes[0] == 0 && bytes[1] & 0x80 == 0 {
        bytes.remove(0);
    }
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    Ok(crate::record::colon_hex(&bytes, false))
}

/// `30d`, `12h`, `2w`, `90m` (a bare number is days).
pub fn parse_duration(s: &str) -> Result<time::Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "d"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 30d or 12h"))?;
    let d = match unit {
        "m" => time::Duration::minutes(n),
        "h" => time::Duration::hours(n),
        "d" => time::Duration::days(n),
        "w" => time::Duration::weeks(n),
        _ => return Err(format!("`{s}` has an unknown unit (m, h, d or w)")),
    };
    if d <= time::Duration::ZERO {
        return Err(format!("`{s}` must be positive"));
    }
    Ok(d)
}

/// The CRL parameters for `state` (whose `crl_number` must already be the new number).
pub fn params(
    state: &State,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
    issuer_ski: Vec<u8>,
) -> Result<CertificateRevocationListParams> {
    let mut revoked = Vec::new();
    for r in &state.revoked {
        let bytes = hex_bytes(&r.serial)?;
        let reason: Reason = r.reason.parse().map_err(Error::Invalid)?;
        let when = OffsetDateTime::parse(&r.time, &time::format_description::well_known::Rfc3339)
            .map_err(|e| Error::Invalid(format!("bad revocation time in state: {e}")))?;
        revoked.push(RevokedCertParams {
            serial_number: rcgen::SerialNumber::from_slice(&bytes),
            revocation_time: when,
            reason_code: Some(reason.0),
            invalidity_date: None,
        });
    }
    Ok(CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: rcgen::SerialNumber::from_slice(&state.crl_number.to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs: revoked,
        key_identifier_method: KeyIdMethod::PreSpecified(issuer_ski),
    })
}

fn hex_bytes(colon_hex: &str) -> Result<Vec<u8>> {
    colon_hex
        .split(':')
        .map(|h| {
            u8::from_str_radix(h, 16)
                .map_err(|_| Error::Invalid(format!("bad serial `{colon_hex}` in CA state")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_forms_agree() {
        assert_eq!(normalise_serial("0x0A:bc").unwrap(), "0a:bc");
        assert_eq!(normalise_serial("00000abc").unwrap(), "0a:bc");
        assert_eq!(normalise_serial("ff").unwrap(), "00:ff");
        assert!(normalise_serial("xyz").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30d").unwrap(), time::Duration::days(30));
        assert_eq!(parse_duration("12h").unwrap(), time::Duration::hours(12));
        assert_eq!(parse_duration("7").unwrap(), time::Duration::days(7));
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("3y").is_err());
    }

    #[test]
    fn reasons_round_trip() {
        let r: Reason = "key-compromise".parse().unwrap();
        assert_eq!(r.to_string(), "key-compromise");
        for (camel, hyphen) in [
            ("keyCompromise", "key-compromise"),
            ("cACompromise", "ca-compromise"),
            ("cessationOfOperation", "cessation-of-operation"),
            ("aACompromise", "aa-compromise"),
            ("privilegeWithdrawn", "privilege-withdrawn"),
        ] {
            assert_eq!(camel.parse::<Reason>().unwrap().to_string(), hyphen);
        }
        assert!("nope".parse::<Reason>().is_err());
    }
}
