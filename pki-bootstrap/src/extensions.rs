//! The extensions a ceremony adds on request, beyond what each profile fixes: CRL distribution
//! points, authority information access (OCSP, CA issuers), certificate policies, and name
//! constraints on CA certificates. The same [`ExtensionSpec`] comes from the ceremony file
//! (`extensions = { ... }` on a `[[ca]]`, `[[server]]` or `[[csr]]`) and from the command-line
//! flags, is checked before any key is generated, and is encoded here.
//!
//! Name constraints are also enforced on what is signed: a leaf whose names fall outside the
//! constraints of any CA above it is refused before signing ([`check_names`]), instead of being
//! issued and then rejected by every relying party.

use std::net::IpAddr;
use std::str::FromStr;

use rcgen::{CertificateParams, CrlDistributionPoint, CustomExtension, SanType};
use serde::Deserialize;
use x509_parser::prelude::{FromDer, GeneralName, ParsedExtension, X509Certificate};
use yasna::Tag;

use crate::{Error, Result};

const OID_AIA: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];
const OID_OCSP: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 1];
const OID_CA_ISSUERS: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 48, 2];
const OID_POLICIES: &[u64] = &[2, 5, 29, 32];
const OID_NAME_CONSTRAINTS: &[u64] = &[2, 5, 29, 30];

/// The extensions as written (ceremony file or flags), before checking.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionSpec {
    /// CRL distribution point URLs (`http://...`).
    #[serde(default)]
    pub crl_urls: Vec<String>,
    /// OCSP responder URLs (authority information access).
    #[serde(default)]
    pub ocsp_urls: Vec<String>,
    /// URLs where the issuer's certificate can be fetched (authority information access).
    #[serde(default)]
    pub ca_issuers_urls: Vec<String>,
    /// Certificate policy OIDs (dotted; `anyPolicy` for 2.5.29.32.0).
    #[serde(default)]
    pub policies: Vec<String>,
    /// Name constraints, permitted subtrees: `dns:example.com`, `dns:.example.com`,
    /// `ip:10.0.0.0/8`, `email:example.com`, `uri:.example.com`. CA certificates only.
    #[serde(default)]
    pub permitted: Vec<String>,
    /// Name constraints, excluded subtrees (same syntax). CA certificates only.
    #[serde(default)]
    pub excluded: Vec<String>,
}

/// Checked extensions, ready to be put on a certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extensions {
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// OCSP URLs.
    pub ocsp_urls: Vec<String>,
    /// CA issuers URLs.
    pub ca_issuers_urls: Vec<String>,
    /// Policy OIDs.
    pub policies: Vec<Vec<u64>>,
    /// Name constraints (CA certificates only).
    pub constraints: Option<NameConstraints>,
}

/// Permitted and excluded subtrees.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameConstraints {
    /// Names must fall in one of these (per kind that has any).
    pub permitted: Vec<Name>,
    /// Names must fall in none of these.
    pub excluded: Vec<Name>,
}

/// One subtree base, or one name of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Name {
    /// `dns:example.com` (the domain and below) or `dns:.example.com` (below only).
    Dns(String),
    /// `ip:10.0.0.0/8`; a certificate's address has the full prefix.
    Ip(IpAddr, u8),
    /// `email:user@example.com`, `email:example.com` (that host), `email:.example.com` (below).
    Email(String),
    /// `uri:example.com` (that host), `uri:.example.com` (below); a certificate's URI.
    Uri(String),
}

impl ExtensionSpec {
    /// True when nothing is asked for.
    pub fn is_empty(&self) -> bool {
        self.crl_urls.is_empty()
            && self.ocsp_urls.is_empty()
            && self.ca_issuers_urls.is_empty()
            && self.policies.is_empty()
            && self.permitted.is_empty()
            && self.excluded.is_empty()
    }

    /// Checks every value; `what` names the certificate in errors. Name constraints are
    /// refused unless `constrainable` (a CA certificate that is not a self-signed root).
    pub fn check(&self, what: &str, constrainable: bool) -> Result<Extensions> {
        let bad = |msg: String| Error::Invalid(format!("{what}: {msg}"));
        for url in self
            .crl_urls
            .iter()
            .chain(&self.ocsp_urls)
            .chain(&self.ca_issuers_urls)
        {
            check_url(url).map_err(bad)?;
        }
        let policies = self
            .policies
            .iter()
            .map(|p| parse_oid(p).map_err(bad))
            .collect::<Result<Vec<_>>>()?;
        let parse = |v: &Vec<String>| -> Result<Vec<Name>> {
            v.iter().map(|s| s.parse::<Name>().map_err(bad)).collect()
        };
        let (permitted, excluded) = (parse(&self.permitted)?, parse(&self.excluded)?);
        let constraints = if permitted.is_empty() && excluded.is_empty() {
            None
        } else if !constrainable {
            return Err(bad(
                "name constraints (permitted/excluded) belong on an intermediate CA certificate: \
                 a leaf cannot carry them, and RFC 5280 path validation ignores them on a \
                 self-signed root"
                    .into(),
            ));
        } else {
            Some(NameConstraints {
                permitted,
                excluded,
            })
        };
        Ok(Extensions {
            crl_urls: self.crl_urls.clone(),
            ocsp_urls: self.ocsp_urls.clone(),
            ca_issuers_urls: self.ca_issuers_urls.clone(),
            policies,
            constraints,
        })
    }
}

impl Extensions {
    /// What is added, for `--dry-run` (`, CRL http://...; policies 1.2.3`), or empty.
    pub fn summary(&self) -> String {
        let list = |v: &[String]| v.join(" ");
        let mut parts = Vec::new();
        for (label, v) in [
            ("CRL", &self.crl_urls),
            ("OCSP", &self.ocsp_urls),
            ("CA issuers", &self.ca_issuers_urls),
        ] {
            if !v.is_empty() {
                parts.push(format!("{label} {}", list(v)));
            }
        }
        if !self.policies.is_empty() {
            let oids: Vec<String> = self
                .policies
                .iter()
                .map(|o| o.iter().map(u64::to_string).collect::<Vec<_>>().join("."))
                .collect();
            parts.push(format!("policies {}", list(&oids)));
        }
        if let Some(nc) = &self.constraints {
            for (label, v) in [("permitted", &nc.permitted), ("excluded", &nc.excluded)] {
                if !v.is_empty() {
                    let names: Vec<String> = v.iter().map(ToString::to_string).collect();
                    parts.push(format!("{label} {}", list(&names)));
                }
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(", {}", parts.join("; "))
        }
    }

    /// Adds the extensions to `params`.
    pub fn apply(&self, params: &mut CertificateParams) {
        if !self.crl_urls.is_empty() {
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: self.crl_urls.clone(),
            }];
        }
        if !self.ocsp_urls.is_empty() || !self.ca_issuers_urls.is_empty() {
            let content = yasna::construct_der(|w| {
                w.write_sequence(|w| {
                    let access = self
                        .ocsp_urls
                        .iter()
                        .map(|u| (OID_OCSP, u))
                        .chain(self.ca_issuers_urls.iter().map(|u| (OID_CA_ISSUERS, u)));
                    for (method, url) in access {
                        w.next().write_sequence(|w| {
                            w.next()
                                .write_oid(&yasna::models::ObjectIdentifier::from_slice(method));
                            w.next().write_tagged_implicit(Tag::context(6), |w| {
                                w.write_ia5_string(url)
                            });
                        });
                    }
                });
            });
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(OID_AIA, content));
        }
        if !self.policies.is_empty() {
            let content = yasna::construct_der(|w| {
                w.write_sequence(|w| {
                    for oid in &self.policies {
                        w.next().write_sequence(|w| {
                            w.next()
                                .write_oid(&yasna::models::ObjectIdentifier::from_slice(oid));
                        });
                    }
                });
            });
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(OID_POLICIES, content));
        }
        if let Some(nc) = &self.constraints {
            let content = yasna::construct_der(|w| {
                w.write_sequence(|w| {
                    for (tag, names) in [(0, &nc.permitted), (1, &nc.excluded)] {
                        if names.is_empty() {
                            continue;
                        }
                        w.next().write_tagged_implicit(Tag::context(tag), |w| {
                            w.write_sequence(|w| {
                                for name in names {
                                    w.next()
                                        .write_sequence(|w| write_general_name(w.next(), name));
                                }
                            });
                        });
                    }
                });
            });
            // RFC 5280 4.2.1.10: conforming CAs mark name constraints critical.
            let mut ext = CustomExtension::from_oid_content(OID_NAME_CONSTRAINTS, content);
            ext.set_criticality(true);
            params.custom_extensions.push(ext);
        }
    }
}

fn write_general_name(w: yasna::DERWriter<'_>, name: &Name) {
    match name {
        Name::Email(s) => w.write_tagged_implicit(Tag::context(1), |w| w.write_ia5_string(s)),
        Name::Dns(s) => w.write_tagged_implicit(Tag::context(2), |w| w.write_ia5_string(s)),
        Name::Uri(s) => w.write_tagged_implicit(Tag::context(6), |w| w.write_ia5_string(s)),
        Name::Ip(addr, prefix) => {
            let (mut bytes, mask) = match addr {
                IpAddr::V4(a) => (a.octets().to_vec(), mask_bytes(4, *prefix)),
                IpAddr::V6(a) => (a.octets().to_vec(), mask_bytes(16, *prefix)),
            };
            bytes.extend(mask);
            w.write_tagged_implicit(Tag::context(7), |w| w.write_bytes(&bytes));
        }
    }
}

fn mask_bytes(len: usize, prefix: u8) -> Vec<u8> {
    (0..len)
        .map(|i| {
            let bits = i32::from(prefix) - 8 * i32::try_from(i).unwrap_or(0);
            match bits {
                b if b >= 8 => 0xff,
                b if b <= 0 => 0,
                b => 0xffu8 << (8 - b),
            }
        })
        .collect()
}

impl FromStr for Name {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let usage = "write KIND:VALUE with KIND dns, ip, email or uri (e.g. dns:.example.com, \
                     ip:10.0.0.0/8)";
        let Some((kind, value)) = s.split_once(':') else {
            return Err(format!("name constraint `{s}`: {usage}"));
        };
        let value = value.trim().to_ascii_lowercase();
        let host_ok = |h: &str| {
            let h = h.strip_prefix('.').unwrap_or(h);
            !h.is_empty()
                && h.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        };
        match kind {
            "dns" | "uri" if host_ok(&value) => Ok(if kind == "dns" {
                Self::Dns(value)
            } else {
                Self::Uri(value)
            }),
            "email" => {
                let host = value.rsplit_once('@').map_or(value.as_str(), |(_, h)| h);
                if host_ok(host) {
                    Ok(Self::Email(value))
                } else {
                    Err(format!("name constraint `{s}`: not a mailbox or host"))
                }
            }
            "ip" => {
                let (addr, prefix) = value.split_once('/').ok_or_else(|| {
                    format!("name constraint `{s}`: give a network with its prefix, ip:10.0.0.0/8")
                })?;
                let addr: IpAddr = addr
                    .parse()
                    .map_err(|_| format!("name constraint `{s}`: `{addr}` is not an IP address"))?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                match prefix.parse::<u8>() {
                    Ok(p) if p <= max => Ok(Self::Ip(addr, p)),
                    _ => Err(format!(
                        "name constraint `{s}`: the prefix must be 0 to {max}"
                    )),
                }
            }
            "dns" | "uri" => Err(format!(
                "name constraint `{s}`: `{value}` is not a host name"
            )),
            _ => Err(format!(
                "name constraint `{s}`: unknown kind `{kind}`; {usage}"
            )),
        }
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dns(s) => write!(f, "dns:{s}"),
            Self::Ip(a, p) => write!(f, "ip:{a}/{p}"),
            Self::Email(s) => write!(f, "email:{s}"),
            Self::Uri(s) => write!(f, "uri:{s}"),
        }
    }
}

fn check_url(url: &str) -> std::result::Result<(), String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        format!(
            "URL `{url}` must start with http:// (relying parties fetch CRLs and issuer \
             certificates without TLS, so they need not validate a chain first)"
        )
    })?;
    let host = rest.split(['/', ':', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !url.is_ascii() || url.contains(char::is_whitespace) {
        return Err(format!("URL `{url}` has no host or is not plain ASCII"));
    }
    Ok(())
}

fn parse_oid(s: &str) -> std::result::Result<Vec<u64>, String> {
    if s == "anyPolicy" {
        return Ok(vec![2, 5, 29, 32, 0]);
    }
    let arcs: Vec<u64> = s
        .split('.')
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| format!("policy `{s}` is not a dotted OID such as 1.3.6.1.4.1.99999.1"))?;
    match arcs.as_slice() {
        [first, second, ..] if *first <= 2 && (*first == 2 || *second < 40) => Ok(arcs),
        _ => Err(format!(
            "policy `{s}` is not a valid OID (at least two arcs, the first 0, 1 or 2)"
        )),
    }
}

/// The name constraints of every CA certificate in `cas` (DER).
pub fn constraints_of(cas: &[&[u8]]) -> Result<Vec<NameConstraints>> {
    let mut out = Vec::new();
    for der in cas {
        let (_, cert) = X509Certificate::from_der(der)
            .map_err(|e| Error::Invalid(format!("cannot parse a CA certificate: {e}")))?;
        for ext in cert.extensions() {
            if let ParsedExtension::NameConstraints(nc) = ext.parsed_extension() {
                let conv = |subtrees: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                    subtrees
                        .iter()
                        .flatten()
                        .filter_map(|s| from_general_name(&s.base))
                        .collect::<Vec<_>>()
                };
                out.push(NameConstraints {
                    permitted: conv(&nc.permitted_subtrees),
                    excluded: conv(&nc.excluded_subtrees),
                });
            }
        }
    }
    Ok(out)
}

fn from_general_name(g: &GeneralName<'_>) -> Option<Name> {
    match g {
        GeneralName::DNSName(s) => Some(Name::Dns(s.to_ascii_lowercase())),
        GeneralName::RFC822Name(s) => Some(Name::Email(s.to_ascii_lowercase())),
        GeneralName::URI(s) => Some(Name::Uri(s.to_ascii_lowercase())),
        GeneralName::IPAddress(b) => match b.len() {
            8 => {
                let addr: [u8; 4] = b[..4].try_into().ok()?;
                let prefix = b[4..].iter().map(|m| m.count_ones()).sum::<u32>();
                Some(Name::Ip(IpAddr::from(addr), u8::try_from(prefix).ok()?))
            }
            32 => {
                let addr: [u8; 16] = b[..16].try_into().ok()?;
                let prefix = b[16..].iter().map(|m| m.count_ones()).sum::<u32>();
                Some(Name::Ip(IpAddr::from(addr), u8::try_from(prefix).ok()?))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The names a leaf certificate will carry, for [`check_names`]: its subjectAltNames, and a
/// common name that is a DNS name (OpenSSL checks such a CN against DNS constraints too).
pub fn leaf_names(sans: &[SanType], common_name: Option<&str>) -> Vec<Name> {
    let mut names: Vec<Name> = sans
        .iter()
        .filter_map(|s| match s {
            SanType::DnsName(d) => Some(Name::Dns(d.as_str().to_ascii_lowercase())),
            SanType::IpAddress(ip) => Some(Name::Ip(*ip, if ip.is_ipv4() { 32 } else { 128 })),
            SanType::Rfc822Name(e) => Some(Name::Email(e.as_str().to_ascii_lowercase())),
            SanType::URI(u) => Some(Name::Uri(u.as_str().to_ascii_lowercase())),
            _ => None,
        })
        .collect();
    if let Some(cn) = common_name {
        let cn = cn.to_ascii_lowercase();
        if cn.contains('.') && crate::csr::check_dns_name(&cn).is_ok() {
            let dns = Name::Dns(cn);
            if !names.contains(&dns) {
                names.push(dns);
            }
        }
    }
    names
}

/// The names of a listener certificate made from DNS names and IP addresses.
pub fn server_names(dns: &[String], ip: &[IpAddr]) -> Vec<Name> {
    let mut names: Vec<Name> = dns
        .iter()
        .map(|d| Name::Dns(d.to_ascii_lowercase()))
        .collect();
    names.extend(
        ip.iter()
            .map(|ip| Name::Ip(*ip, if ip.is_ipv4() { 32 } else { 128 })),
    );
    names
}

/// Refuses names outside any of `constraints` (those of every CA above the certificate).
pub fn check_names(names: &[Name], constraints: &[NameConstraints]) -> Result<(), String> {
    for nc in constraints {
        for name in names {
            if let Some(ex) = nc.excluded.iter().find(|c| within(name, c)) {
                return Err(format!(
                    "{name} falls in the excluded subtree {ex} of an issuing CA's name constraints"
                ));
            }
            let same_kind: Vec<&Name> = nc
                .permitted
                .iter()
                .filter(|c| std::mem::discriminant(*c) == std::mem::discriminant(name))
                .collect();
            if !same_kind.is_empty() && !same_kind.iter().any(|c| within(name, c)) {
                let allowed: Vec<String> = same_kind.iter().map(ToString::to_string).collect();
                return Err(format!(
                    "{name} is outside the issuing CA's permitted names ({})",
                    allowed.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// RFC 5280 4.2.1.10 matching of one name against one subtree base of the same kind.
fn within(name: &Name, base: &Name) -> bool {
    match (name, base) {
        (Name::Dns(n), Name::Dns(b)) => host_within(n, b, true),
        (Name::Uri(n), Name::Uri(b)) => host_within(&uri_host(n), b, false),
        (Name::Email(n), Name::Email(b)) => {
            if b.contains('@') {
                n == b
            } else {
                let host = n.rsplit_once('@').map_or(n.as_str(), |(_, h)| h);
                host_within(host, b, false)
            }
        }
        (Name::Ip(n, _), Name::Ip(net, prefix)) => match (n, net) {
            (IpAddr::V4(a), IpAddr::V4(b)) => masked(&a.octets(), &b.octets(), *prefix),
            (IpAddr::V6(a), IpAddr::V6(b)) => masked(&a.octets(), &b.octets(), *prefix),
            _ => false,
        },
        _ => false,
    }
}

/// `base` `.example.com` matches hosts below it; `example.com` matches itself and, for DNS
/// names (`dns_below`), the hosts below it too.
fn host_within(host: &str, base: &str, dns_below: bool) -> bool {
    let host = host.trim_end_matches('.');
    let base = base.trim_end_matches('.');
    if base.is_empty() {
        return true;
    }
    if let Some(suffix) = base.strip_prefix('.') {
        return host.len() > suffix.len() && host.ends_with(&format!(".{suffix}"));
    }
    host == base || (dns_below && host.ends_with(&format!(".{base}")))
}

fn uri_host(uri: &str) -> String {
    let rest = uri.split_once("://").map_or(uri, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.split(':').next().unwrap_or("").to_owned()
}

fn masked(a: &[u8], net: &[u8], prefix: u8) -> bool {
    let mask = mask_bytes(a.len(), prefix);
    a.iter()
        .zip(net)
        .zip(&mask)
        .all(|((x, y), m)| x & m == y & m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nc(permitted: &[&str], excluded: &[&str]) -> NameConstraints {
        NameConstraints {
            permitted: permitted.iter().map(|s| s.parse().unwrap()).collect(),
            excluded: excluded.iter().map(|s| s.parse().unwrap()).collect(),
        }
    }

    fn names(list: &[&str]) -> Vec<Name> {
        list.iter()
            .map(|s| match s.split_once(':').unwrap() {
                ("ip", a) => {
                    let ip: IpAddr = a.parse().unwrap();
                    Name::Ip(ip, if ip.is_ipv4() { 32 } else { 128 })
                }
                ("dns", d) => Name::Dns(d.into()),
                ("email", e) => Name::Email(e.into()),
                (_, u) => Name::Uri(u.into()),
            })
            .collect()
    }

    #[test]
    fn names_inside_and_outside_constraints() {
        let c = [nc(
            &[
                "dns:example.com",
                "ip:10.0.0.0/8",
                "email:.example.com",
                "uri:.example.com",
            ],
            &["dns:secret.example.com"],
        )];
        let ok = names(&[
            "dns:example.com",
            "dns:a.b.example.com",
            "ip:10.1.2.3",
            "email:x@mail.example.com",
            "uri:https://www.example.com:8443/x",
        ]);
        assert_eq!(check_names(&ok, &c), Ok(()));
        for bad in [
            "dns:example.org",
            "dns:badexample.com",
            "dns:x.secret.example.com",
            "ip:192.168.0.1",
            "email:x@example.com",
            "uri:https://example.com/",
        ] {
            assert!(check_names(&names(&[bad]), &c).is_err(), "{bad}");
        }
        // As OpenSSL does, an IPv6 address is outside IPv4-only permitted subtrees.
        assert!(check_names(&names(&["ip:2001:db8::1"]), &c).is_err());
        // A kind without permitted subtrees is not limited by the others.
        let dns_only = [nc(&["dns:example.com"], &[])];
        assert_eq!(
            check_names(&names(&["ip:192.168.0.1", "email:a@b.org"]), &dns_only),
            Ok(())
        );
    }

    #[test]
    fn spec_values_are_checked() {
        let spec = ExtensionSpec {
            crl_urls: vec!["ldap://x".into()],
            ..ExtensionSpec::default()
        };
        assert!(
            spec.check("CA x", true)
                .unwrap_err()
                .to_string()
                .contains("http://")
        );
        let spec = ExtensionSpec {
            policies: vec!["1.3.six".into()],
            ..ExtensionSpec::default()
        };
        assert!(spec.check("CA x", true).is_err());
        let spec = ExtensionSpec {
            permitted: vec!["dns:example.com".into()],
            ..ExtensionSpec::default()
        };
        let err = spec.check("server x", false).unwrap_err().to_string();
        assert!(err.contains("belong on an intermediate"), "{err}");
        assert!("ip:10.0.0.0".parse::<Name>().is_err());
        assert!("host:x".parse::<Name>().is_err());
        assert_eq!(mask_bytes(4, 12), vec![0xff, 0xf0, 0, 0]);
    }
}
