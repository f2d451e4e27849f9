//! Subject distinguished names written as `CN=Example Root CA,O=Example,C=NL` on the command line
//! and in the ceremony file. Only the attributes a CA subject needs are accepted, so a typo in an
//! attribute name is an error rather than a silently different certificate.
//!
//! Values are encoded as RFC 5280 asks: countryName (and serialNumber, where a CSR carries one)
//! as PrintableString, everything else as UTF8String. Strict validators (pkilint, Go's x509)
//! reject a UTF8String countryName that OpenSSL lets through.

use rcgen::{DistinguishedName, DnType, DnValue};

use crate::{Error, Result};

/// Parses `KEY=value,KEY=value` (`\,` escapes a comma inside a value) into a DN in that order.
pub fn parse(input: &str) -> Result<DistinguishedName> {
    let mut dn = DistinguishedName::new();
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => cur.push(n),
                None => return Err(invalid(input, "ends with a lone backslash")),
            },
            ',' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    let mut has_cn = false;
    for part in parts {
        let Some((key, value)) = part.split_once('=') else {
            return Err(invalid(
                input,
                &format!("`{}` is not KEY=value", part.trim()),
            ));
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(invalid(
                input,
                &format!("{} has an empty value", key.trim()),
            ));
        }
        let ty = match key.trim().to_ascii_uppercase().as_str() {
            "CN" => {
                has_cn = true;
                DnType::CommonName
            }
            "O" => DnType::OrganizationName,
            "OU" => DnType::OrganizationalUnitName,
            "C" => {
                if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
                    return Err(invalid(
                        input,
                        "C must be a two-letter upper-case ISO 3166 country code, e.g. NL",
                    ));
                }
                DnType::CountryName
            }
            "ST" => DnType::StateOrProvinceName,
            "L" => DnType::LocalityName,
            other => {
                return Err(invalid(
                    input,
                    &format!("unknown attribute `{other}` (use CN, O, OU, C, ST, L)"),
                ));
            }
        };
        let value = encode(&ty, value).map_err(|why| invalid(input, &why))?;
        dn.push(ty, value);
    }
    if !has_cn {
        return Err(invalid(input, "a CN is required"));
    }
    Ok(dn)
}

/// The value of an attribute in the ASN.1 string type RFC 5280 (appendix A) gives it:
/// PrintableString for countryName and serialNumber, UTF8String for the rest.
pub fn encode(ty: &DnType, value: &str) -> Result<DnValue, String> {
    let printable = match ty {
        DnType::CountryName => true,
        DnType::CustomDnType(oid) => oid == &SERIAL_NUMBER_OID,
        _ => false,
    };
    if !printable {
        return Ok(DnValue::Utf8String(value.to_owned()));
    }
    rcgen::string::PrintableString::try_from(value)
        .map(DnValue::PrintableString)
        .map_err(|_| {
            format!("`{value}` is not a PrintableString (letters, digits, space and '()+,-./:=?)")
        })
}

/// serialNumber (2.5.4.5), which rcgen has no named type for.
pub const SERIAL_NUMBER_OID: [u64; 4] = [2, 5, 4, 5];

fn invalid(input: &str, why: &str) -> Error {
    Error::Invalid(format!("invalid subject `{input}`: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_in_order_with_escapes() {
        let dn = parse("CN=Root\\, One,O=Example,C=NL").unwrap();
        let items: Vec<_> = dn.iter().collect();
        assert_eq!(items.len(), 3);
        assert!(matches!(items[0].0, DnType::CommonName));
    }

    #[test]
    fn rejects_unknown_and_missing_cn() {
        assert!(parse("XX=1,CN=a").is_err());
        assert!(parse("O=Example").is_err());
        assert!(parse("CN=").is_err());
        assert!(parse("CN=a,C=NLD").is_err());
        assert!(parse("CN=a,C=nl").is_err());
    }

    #[test]
    fn country_is_printable_string_and_names_utf8() {
        let dn = parse("CN=Wurzel-CA für Köln,C=DE").unwrap();
        assert!(matches!(
            dn.get(&DnType::CountryName),
            Some(DnValue::PrintableString(c)) if c.as_str() == "DE"
        ));
        assert!(matches!(
            dn.get(&DnType::CommonName),
            Some(DnValue::Utf8String(_))
        ));
    }
}
