//! Subject distinguished names written as `CN=Example Root CA,O=Example,C=NL` on the command line
//! and in the ceremony file. Only the attributes a CA subject needs are accepted, so a typo in an
//! attribute name is an error rather than a silently different certificate.

use rcgen::{DistinguishedName, DnType};

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
                if value.len() != 2 {
                    return Err(invalid(input, "C must be a two-letter country code"));
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
        dn.push(ty, value);
    }
    if !has_cn {
        return Err(invalid(input, "a CN is required"));
    }
    Ok(dn)
}

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
    }
}
