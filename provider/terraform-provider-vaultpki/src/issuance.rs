//! What the certificate-issuing types share: the request fields of the PKI issuing endpoints
//! (`issue/<role>`, `sign/<role>`, `root/sign-intermediate`), reading their answer into the
//! issued certificate, the certificate's API path and revocation state, and finding the issuer
//! of a certificate in a mount. `vaultpki_pki_cert` (managed and ephemeral), `vaultpki_pki_sign`
//! and `vaultpki_pki_root_sign_intermediate` differ only in what they send besides these fields
//! and in what they keep of the answer.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Ctx, Diagnostics};
use vaultpki_client::Flavour;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use crate::api::{Api, Write, required_str};
use crate::diagnostics;
use crate::paths::cert_path;

/// The request fields every issuing endpoint takes: the subject's names and the lifetime.
pub(crate) struct Request<'a> {
    pub(crate) common_name: Option<&'a str>,
    pub(crate) alt_names: &'a Option<Vec<String>>,
    pub(crate) ip_sans: &'a Option<Vec<String>>,
    pub(crate) uri_sans: &'a Option<Vec<String>>,
    pub(crate) ttl: &'a Option<String>,
    pub(crate) exclude_cn_from_sans: Option<bool>,
}

impl Request<'_> {
    /// The body with the fields that are set (SANs as the comma-separated strings the API
    /// takes; empty lists are left out).
    pub(crate) fn body(&self) -> Map<String, Json> {
        let mut body = Map::new();
        if let Some(cn) = self.common_name {
            body.insert("common_name".to_owned(), json!(cn));
        }
        for (name, list) in [
            ("alt_names", self.alt_names),
            ("ip_sans", self.ip_sans),
            ("uri_sans", self.uri_sans),
        ] {
            if let Some(l) = list.as_ref().filter(|l| !l.is_empty()) {
                body.insert(name.to_owned(), json!(l.join(",")));
            }
        }
        if let Some(t) = self.ttl {
            body.insert("ttl".to_owned(), json!(t));
        }
        if let Some(e) = self.exclude_cn_from_sans {
            body.insert("exclude_cn_from_sans".to_owned(), json!(e));
        }
        body
    }
}

/// The issuing endpoint `<mount>/<verb>/<role>` (`verb` is `issue` or `sign`), or
/// `<mount>/issuer/<issuer_ref>/<verb>/<role>` when an issuer is named: OpenBao ignores an
/// `issuer_ref` in the body of the first form and signs with the role's (or default) issuer.
pub(crate) fn issuing_path(
    mount: &str,
    verb: &str,
    role: &str,
    issuer_ref: Option<&str>,
) -> String {
    let mount = mount.trim_matches('/');
    match issuer_ref.filter(|r| !r.is_empty()) {
        Some(issuer) => format!("{mount}/issuer/{issuer}/{verb}/{role}"),
        None => format!("{mount}/{verb}/{role}"),
    }
}

/// `issuer_ref` of the leaf types.
pub(crate) fn issuer_ref_attribute() -> tfplugin::Attribute {
    tfplugin::Attribute::string(
        "issuer_ref",
        "The issuer to sign with, by name or ID (`<mount>/issuer/<issuer_ref>/...`); left out, the role's issuer (by default the mount's default issuer). Changing it issues a new certificate.",
    )
}

/// How the PEM texts of an answer are stored.
#[derive(Clone, Copy)]
pub(crate) enum Pem {
    /// As the server sent them.
    AsSent,
    /// Without trailing whitespace, so that an import (whose issuer reads end PEMs with a
    /// newline) matches what signing answered.
    Trimmed,
}

/// A certificate an issuing endpoint answered with. The hand-written `Debug` hides the key.
pub(crate) struct Issued {
    pub(crate) certificate: String,
    pub(crate) serial_number: String,
    /// NotAfter, read from the certificate itself, in Unix seconds.
    pub(crate) expiration: i64,
    pub(crate) issuing_ca: Option<String>,
    pub(crate) ca_chain: Vec<String>,
    /// Only `issue/<role>` answers with a private key.
    pub(crate) private_key: Option<String>,
    pub(crate) private_key_type: Option<String>,
    /// Warnings the server answered with (shown as Terraform warnings by the caller).
    pub(crate) warnings: Vec<String>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("serial_number", &self.serial_number)
            .field("expiration", &self.expiration)
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// The computed attributes every issued-certificate type carries (`vaultpki_pki_cert`, managed
/// and ephemeral, `vaultpki_pki_sign`, `vaultpki_pki_root_sign_intermediate`), flattened into
/// each state model so the attribute names are the schema's (see [`attributes::certificate`] and
/// [`attributes::serial_and_expiration`]).
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub(crate) struct Outputs {
    pub(crate) certificate: Option<String>,
    pub(crate) issuing_ca: Option<String>,
    pub(crate) ca_chain: Option<Vec<String>>,
    pub(crate) serial_number: Option<String>,
    /// NotAfter of `certificate`, in Unix seconds.
    pub(crate) expiration: Option<i64>,
}

impl Outputs {
    /// The outputs after a refresh read `data` (the server's `<mount>/cert/<serial>` answer,
    /// `path` naming it): the server may re-encode the PEM, so ours is kept when it is the same
    /// certificate, and the expiration follows the certificate.
    pub(crate) fn refreshed(self, path: &str, data: &Json) -> Result<Self, Diagnostics> {
        let theirs = data
            .get("certificate")
            .and_then(Json::as_str)
            .map(str::to_owned);
        let expiration = match &theirs {
            Some(c) => Some(not_after(c).map_err(|e| diagnostics::bad_certificate(path, &e))?),
            None => self.expiration,
        };
        let certificate = match (self.certificate, theirs) {
            (Some(ours), Some(theirs)) if ours.trim() == theirs.trim() => Some(ours),
            (ours, theirs) => theirs.or(ours),
        };
        Ok(Self {
            certificate,
            expiration,
            ..self
        })
    }
}

/// The private key an `issue/<role>` answer carries (`vaultpki_pki_cert`, managed and
/// ephemeral), flattened into the state model. The hand-written `Debug` hides the key.
#[derive(Serialize, Deserialize, Default)]
pub(crate) struct IssuedKey {
    pub(crate) private_key: Option<String>,
    pub(crate) private_key_type: Option<String>,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey")
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "[redacted]"),
            )
            .field("private_key_type", &self.private_key_type)
            .finish()
    }
}

impl Issued {
    /// Splits the answer into the outputs every issuing type keeps and the private key, which
    /// only `vaultpki_pki_cert` keeps (`sign` answers carry none).
    pub(crate) fn into_parts(self) -> (Outputs, IssuedKey) {
        let key = IssuedKey {
            private_key: self.private_key,
            private_key_type: self.private_key_type,
        };
        let outputs = Outputs {
            certificate: Some(self.certificate),
            issuing_ca: self.issuing_ca,
            ca_chain: Some(self.ca_chain),
            serial_number: Some(self.serial_number),
            expiration: Some(self.expiration),
        };
        (outputs, key)
    }
}

/// Sends `body` to the issuing endpoint `path` and reads the certificate from the answer;
/// `action` names the step in diagnostics.
pub(crate) async fn issue(
    api: &Api,
    action: &str,
    path: &str,
    body: &Json,
    pem: Pem,
) -> Result<Issued, Diagnostics> {
    let mut answer = api
        .write(action, path, body, Write::Creates)
        .await?
        .unwrap_or(Json::Null);
    let warnings = answer
        .get("warnings")
        .and_then(|w| serde_json::from_value::<Vec<String>>(w.clone()).ok())
        .unwrap_or_default();
    let data = answer
        .get_mut("data")
        .map(Json::take)
        .ok_or_else(|| diagnostics::unexpected_response(action, path, "no data"))?;
    let stored = |s: String| match pem {
        Pem::AsSent => s,
        Pem::Trimmed => trimmed(&s),
    };
    let text = |k: &str| {
        data.get(k)
            .and_then(Json::as_str)
            .map(str::to_owned)
            .map(stored)
    };
    let certificate = stored(required_str(&data, "certificate", action, path)?);
    let serial_number = stored(required_str(&data, "serial_number", action, path)?);
    let expiration = not_after(&certificate).map_err(|e| diagnostics::bad_certificate(path, &e))?;
    let ca_chain = match pem {
        Pem::AsSent => data
            .get("ca_chain")
            .and_then(|c| serde_json::from_value(c.clone()).ok())
            .unwrap_or_default(),
        Pem::Trimmed => pems(data.get("ca_chain")),
    };
    Ok(Issued {
        issuing_ca: text("issuing_ca"),
        ca_chain,
        private_key: text("private_key"),
        private_key_type: text("private_key_type"),
        certificate,
        serial_number,
        expiration,
        warnings,
    })
}

/// The attributes computed from a signed certificate, all unknown again when it is replaced.
pub(crate) const OUTPUTS: [&str; 7] = [
    "id",
    "certificate",
    "issuing_ca",
    "ca_chain",
    "serial_number",
    "expiration",
    "revoked",
];

/// Reads the certificate `serial` of `mount` (`what` names it in diagnostics, e.g. `the
/// certificate`): its API path and data, `None` when the server no longer has it.
pub(crate) async fn read_cert(
    api: &Api,
    what: &str,
    mount: &str,
    serial: &str,
) -> Result<Option<(String, Json)>, Diagnostics> {
    let path = cert_path(mount, serial);
    let data = api.read(&format!("read {what} {serial}"), &path).await?;
    Ok(data.map(|d| (path, d)))
}

/// Destroy of a certificate type: revokes `serial` on `mount` only when `revoke` is set.
pub(crate) async fn revoke_on_destroy(
    ctx: &mut Ctx<'_, Api>,
    revoke_set: Option<bool>,
    mount: &str,
    serial: Option<&str>,
) -> Result<(), Diagnostics> {
    if revoke_set != Some(true) {
        return Ok(());
    }
    let Some(serial) = serial else {
        return Ok(());
    };
    revoke(ctx.client()?, mount.trim_matches('/'), serial).await
}

/// Revokes `serial` on `mount` unless it is already revoked, expired or gone.
pub(crate) async fn revoke(api: &Api, mount: &str, serial: &str) -> Result<(), Diagnostics> {
    let action = format!("revoke the certificate {serial}");
    let Some(data) = api.read(&action, &format!("{mount}/cert/{serial}")).await? else {
        return Ok(());
    };
    if is_revoked(&data) {
        return Ok(());
    }
    let expired = data
        .get("certificate")
        .and_then(Json::as_str)
        .and_then(|c| not_after(c).ok())
        .is_some_and(|t| t <= now());
    if expired {
        return Ok(());
    }
    api.write(
        &action,
        &format!("{mount}/revoke"),
        &json!({ "serial_number": serial }),
        Write::SetsState,
    )
    .await
    .map(|_| ())
}

/// The subject fields of the CA endpoints besides the common name and organization, as lists
/// (the API takes them as lists).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Subject {
    pub(crate) ou: Option<Vec<String>>,
    pub(crate) country: Option<Vec<String>>,
    pub(crate) locality: Option<Vec<String>>,
    pub(crate) province: Option<Vec<String>>,
    pub(crate) street_address: Option<Vec<String>>,
    pub(crate) postal_code: Option<Vec<String>>,
}

impl Subject {
    /// The fields by attribute name, in schema order.
    pub(crate) fn fields(&self) -> [(&'static str, &Option<Vec<String>>); 6] {
        [
            ("ou", &self.ou),
            ("country", &self.country),
            ("locality", &self.locality),
            ("province", &self.province),
            ("street_address", &self.street_address),
            ("postal_code", &self.postal_code),
        ]
    }

    /// The fields, mutably, by attribute name.
    pub(crate) fn fields_mut(&mut self) -> [(&'static str, &mut Option<Vec<String>>); 6] {
        [
            ("ou", &mut self.ou),
            ("country", &mut self.country),
            ("locality", &mut self.locality),
            ("province", &mut self.province),
            ("street_address", &mut self.street_address),
            ("postal_code", &mut self.postal_code),
        ]
    }
}

/// The name constraints of a CA certificate, as the CA endpoints take them. OpenBao 2.x has
/// only `permitted_dns_domains` (see [`OPENBAO_NAME_CONSTRAINTS`]).
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct NameConstraints {
    pub(crate) permitted_dns_domains: Option<Vec<String>>,
    pub(crate) excluded_dns_domains: Option<Vec<String>>,
    pub(crate) permitted_ip_ranges: Option<Vec<String>>,
    pub(crate) excluded_ip_ranges: Option<Vec<String>>,
    pub(crate) permitted_email_addresses: Option<Vec<String>>,
    pub(crate) excluded_email_addresses: Option<Vec<String>>,
    pub(crate) permitted_uri_domains: Option<Vec<String>>,
    pub(crate) excluded_uri_domains: Option<Vec<String>>,
}

/// The name constraints OpenBao's CA endpoints take (2.7.2 answers the others with "Endpoint
/// ignored these unrecognized parameters" and leaves them out of the certificate).
pub(crate) const OPENBAO_NAME_CONSTRAINTS: [&str; 1] = ["permitted_dns_domains"];

impl NameConstraints {
    /// The fields by attribute name, in schema order.
    pub(crate) fn fields(&self) -> [(&'static str, &Option<Vec<String>>); 8] {
        [
            ("permitted_dns_domains", &self.permitted_dns_domains),
            ("excluded_dns_domains", &self.excluded_dns_domains),
            ("permitted_ip_ranges", &self.permitted_ip_ranges),
            ("excluded_ip_ranges", &self.excluded_ip_ranges),
            ("permitted_email_addresses", &self.permitted_email_addresses),
            ("excluded_email_addresses", &self.excluded_email_addresses),
            ("permitted_uri_domains", &self.permitted_uri_domains),
            ("excluded_uri_domains", &self.excluded_uri_domains),
        ]
    }

    /// The fields, mutably, by attribute name.
    pub(crate) fn fields_mut(&mut self) -> [(&'static str, &mut Option<Vec<String>>); 8] {
        [
            ("permitted_dns_domains", &mut self.permitted_dns_domains),
            ("excluded_dns_domains", &mut self.excluded_dns_domains),
            ("permitted_ip_ranges", &mut self.permitted_ip_ranges),
            ("excluded_ip_ranges", &mut self.excluded_ip_ranges),
            (
                "permitted_email_addresses",
                &mut self.permitted_email_addresses,
            ),
            (
                "excluded_email_addresses",
                &mut self.excluded_email_addresses,
            ),
            ("permitted_uri_domains", &mut self.permitted_uri_domains),
            ("excluded_uri_domains", &mut self.excluded_uri_domains),
        ]
    }

    /// Refuses, before anything is sent, a constraint the server at `address` does not have:
    /// OpenBao would ignore it and the CA would lack a constraint its configuration asks for.
    pub(crate) fn check_flavour(&self, flavour: Flavour, address: &str) -> Result<(), Diagnostics> {
        if flavour == Flavour::Vault {
            return Ok(());
        }
        match self.fields().into_iter().find(|(name, v)| {
            !OPENBAO_NAME_CONSTRAINTS.contains(name) && v.as_ref().is_some_and(|l| !l.is_empty())
        }) {
            Some((name, _)) => Err(diagnostics::field_not_supported(
                name,
                "HashiCorp Vault",
                address,
            )),
            None => Ok(()),
        }
    }
}

/// The list inputs of the CA types that an import reads from the certificate and that compare
/// by their members: the subject fields of [`Subject`], the name constraints and `key_usage`.
pub(crate) const CA_LISTS: [&str; 15] = [
    "ou",
    "country",
    "locality",
    "province",
    "street_address",
    "postal_code",
    "permitted_dns_domains",
    "excluded_dns_domains",
    "permitted_ip_ranges",
    "excluded_ip_ranges",
    "permitted_email_addresses",
    "excluded_email_addresses",
    "permitted_uri_domains",
    "excluded_uri_domains",
    "key_usage",
];

/// Adds the non-empty lists of `fields` to a request body as JSON lists.
pub(crate) fn insert_lists<'a>(
    body: &mut Map<String, Json>,
    fields: impl IntoIterator<Item = (&'static str, &'a Option<Vec<String>>)>,
) {
    for (name, list) in fields {
        if let Some(l) = list.as_ref().filter(|l| !l.is_empty()) {
            body.insert(name.to_owned(), json!(l));
        }
    }
}

/// What a certificate tells of the request that made it: read back by the CA types, and by
/// imports (see `imports`).
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// The DNS and email SANs (the request's `alt_names`).
    pub(crate) alt_names: Vec<String>,
    pub(crate) ip_sans: Vec<String>,
    pub(crate) uri_sans: Vec<String>,
    /// Whether the common name is left out of the SANs.
    pub(crate) exclude_cn_from_sans: bool,
    /// The TTL derived from the lifetime ([`crate::imports::derived_ttl`]).
    pub(crate) ttl: String,
    pub(crate) common_name: String,
    pub(crate) organization: Vec<String>,
    pub(crate) subject: Subject,
    pub(crate) constraints: NameConstraints,
    /// The key usages by the names the API takes (e.g. `CertSign`).
    pub(crate) key_usage: Vec<String>,
    /// The signature's hash size (256, 384, 512), 0 when the algorithm has none to choose
    /// (Ed25519).
    pub(crate) signature_bits: i64,
    /// Whether the signature is RSASSA-PSS.
    pub(crate) use_pss: bool,
    /// NotAfter, as RFC 3339 in UTC (the form the API's `not_after` takes).
    pub(crate) not_after: String,
    /// The basic constraints' path length of a CA certificate, -1 when unlimited.
    pub(crate) max_path_length: Option<i64>,
}

impl Found {
    /// Reads them from a PEM certificate.
    pub(crate) fn of(pem: &str) -> Result<Self, String> {
        let facts = crate::functions::describe_pem(pem)?;
        let strings = |name: &str| -> Vec<String> {
            match facts.attr(name) {
                tfplugin::Value::List(items) => items
                    .iter()
                    .filter_map(tfplugin::Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            }
        };
        let mut alt_names = strings("dns_names");
        alt_names.extend(strings("email_addresses"));
        let common_name = facts.attr("common_name").as_str().unwrap_or_default();
        let exclude_cn_from_sans = !common_name.is_empty()
            && !alt_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(common_name));
        let (_, block) =
            x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
        let cert = block.parse_x509().map_err(|e| e.to_string())?;
        let attr = |oid: &x509_parser::der_parser::oid::Oid<'_>| -> Option<Vec<String>> {
            Some(
                cert.subject()
                    .iter_by_oid(oid)
                    .filter_map(|a| a.as_str().ok())
                    .map(str::to_owned)
                    .collect(),
            )
        };
        use x509_parser::oid_registry as oids;
        let subject = Subject {
            ou: attr(&oids::OID_X509_ORGANIZATIONAL_UNIT),
            country: attr(&oids::OID_X509_COUNTRY_NAME),
            locality: attr(&oids::OID_X509_LOCALITY_NAME),
            province: attr(&oids::OID_X509_STATE_OR_PROVINCE_NAME),
            street_address: attr(&oids::OID_X509_STREET_ADDRESS),
            postal_code: attr(&oids::OID_X509_POSTAL_CODE),
        };
        let max_path_length = facts
            .attr("is_ca")
            .as_bool()
            .filter(|ca| *ca)
            .map(|_| facts.attr("max_path_length").as_i64().unwrap_or(-1));
        let (signature_bits, use_pss) = signature(&cert);
        Ok(Self {
            alt_names,
            ip_sans: strings("ip_addresses"),
            uri_sans: strings("uris"),
            exclude_cn_from_sans,
            ttl: crate::imports::derived_ttl(lifetime(pem)?),
            common_name: common_name.to_owned(),
            organization: strings("organization"),
            subject,
            constraints: name_constraints(&cert)?,
            key_usage: key_usage(&cert)?,
            signature_bits,
            use_pss,
            not_after: facts
                .attr("not_after")
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            max_path_length,
        })
    }
}

fn name_constraints(cert: &X509Certificate<'_>) -> Result<NameConstraints, String> {
    let mut out = NameConstraints::default();
    for (_, v) in out.fields_mut() {
        *v = Some(Vec::new());
    }
    let Some(ext) = cert
        .name_constraints()
        .map_err(|e| format!("The name constraints cannot be parsed: {e}."))?
    else {
        return Ok(out);
    };
    let mut add = |subtrees: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>,
                   kind: &str|
     -> Result<(), String> {
        for tree in subtrees.iter().flatten() {
            let (what, value) = match &tree.base {
                GeneralName::DNSName(d) => ("dns_domains", (*d).to_owned()),
                GeneralName::RFC822Name(m) => ("email_addresses", (*m).to_owned()),
                GeneralName::URI(u) => ("uri_domains", (*u).to_owned()),
                GeneralName::IPAddress(b) => ("ip_ranges", cidr(b)?),
                _ => continue,
            };
            let name = format!("{kind}_{what}");
            if let Some((_, Some(list))) = out.fields_mut().into_iter().find(|(n, _)| *n == name) {
                list.push(value);
            }
        }
        Ok(())
    };
    add(&ext.value.permitted_subtrees, "permitted")?;
    add(&ext.value.excluded_subtrees, "excluded")?;
    Ok(out)
}

/// An IP range of a name constraint (address and mask) in CIDR notation.
fn cidr(bytes: &[u8]) -> Result<String, String> {
    let half = bytes.len() / 2;
    let (addr, mask) = bytes.split_at(half);
    let prefix: u32 = mask.iter().map(|b| b.count_ones()).sum();
    let addr = match half {
        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(addr).map_err(|_| "bad IPv4 range")?),
        16 => std::net::IpAddr::from(<[u8; 16]>::try_from(addr).map_err(|_| "bad IPv6 range")?),
        n => return Err(format!("An IP range name constraint has {} bytes.", n * 2)),
    };
    Ok(format!("{addr}/{prefix}"))
}

fn key_usage(cert: &X509Certificate<'_>) -> Result<Vec<String>, String> {
    let Some(ku) = cert
        .key_usage()
        .map_err(|e| format!("The key usage cannot be parsed: {e}."))?
    else {
        return Ok(Vec::new());
    };
    let ku = ku.value;
    Ok([
        (ku.digital_signature(), "DigitalSignature"),
        (ku.non_repudiation(), "ContentCommitment"),
        (ku.key_encipherment(), "KeyEncipherment"),
        (ku.data_encipherment(), "DataEncipherment"),
        (ku.key_agreement(), "KeyAgreement"),
        (ku.key_cert_sign(), "CertSign"),
        (ku.crl_sign(), "CRLSign"),
        (ku.encipher_only(), "EncipherOnly"),
        (ku.decipher_only(), "DecipherOnly"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| name.to_owned())
    .collect())
}

/// The signature's hash size and whether it is RSASSA-PSS (whose hash is in its parameters,
/// which OpenBao sets to match `signature_bits`).
fn signature(cert: &X509Certificate<'_>) -> (i64, bool) {
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    let bits = match oid.as_str() {
        // sha256WithRSAEncryption, ecdsa-with-SHA256
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => 256,
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => 384,
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => 512,
        _ => 0,
    };
    let pss = oid == "1.2.840.113549.1.1.10";
    let bits = if pss {
        pss_bits(
            cert.signature_algorithm
                .parameters
                .as_ref()
                .map(|p| p.as_bytes()),
        )
        .unwrap_or(0)
    } else {
        bits
    };
    (bits, pss)
}

/// The hash size named in RSASSA-PSS parameters (their first OID is the hash algorithm's).
fn pss_bits(params: Option<&[u8]>) -> Option<i64> {
    let params = params?;
    // The SHA-2 OIDs 2.16.840.1.101.3.4.2.{1,2,3} end in 0x01, 0x02, 0x03 after this prefix.
    const SHA2: [u8; 8] = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
    let at = params.windows(SHA2.len()).position(|w| w == SHA2)?;
    match params.get(at + SHA2.len())? {
        1 => Some(256),
        2 => Some(384),
        3 => Some(512),
        _ => None,
    }
}

/// NotAfter − NotBefore of a PEM certificate, in seconds.
pub(crate) fn lifetime(pem: &str) -> Result<i64, String> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
    let cert = block.parse_x509().map_err(|e| e.to_string())?;
    let validity = cert.validity();
    Ok(validity.not_after.timestamp() - validity.not_before.timestamp())
}

/// NotAfter of a PEM certificate, in Unix seconds.
pub(crate) fn not_after(pem: &str) -> Result<i64, String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
    let cert = pem.parse_x509().map_err(|e| e.to_string())?;
    Ok(cert.validity().not_after.timestamp())
}

/// The current time in Unix seconds.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Whether a certificate read (`<mount>/cert/<serial>`) reports it revoked.
pub(crate) fn is_revoked(data: &Json) -> bool {
    data.get("revocation_time")
        .and_then(Json::as_i64)
        .unwrap_or(0)
        > 0
}

/// A list of PEM strings (or other strings), each without trailing whitespace.
pub(crate) fn pems(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(trimmed)
        .collect()
}

/// One PEM text without trailing whitespace (see [`Pem::Trimmed`]).
pub(crate) fn trimmed(s: &str) -> String {
    s.trim_end().to_owned()
}

/// The issuer of `mount` that signed `certificate` (its subject is the certificate's issuer
/// name, and its key identifier the certificate's authority key identifier where both have
/// one), as its `<mount>/issuer/<id>` data: OpenBao's certificate read does not name it.
pub(crate) async fn find_issuer(
    api: &Api,
    action: &str,
    mount: &str,
    certificate: &str,
) -> Result<Option<Json>, Diagnostics> {
    let Some(child) = Identity::of(certificate) else {
        return Ok(None);
    };
    let Some(list) = api
        .read(action, &format!("{mount}/issuers?list=true"))
        .await?
    else {
        return Ok(None);
    };
    for id in pems(list.get("keys")) {
        let Some(issuer) = api.read(action, &format!("{mount}/issuer/{id}")).await? else {
            continue;
        };
        let parent = issuer
            .get("certificate")
            .and_then(Json::as_str)
            .and_then(Identity::of);
        if parent.is_some_and(|p| child.is_signed_by(&p)) {
            return Ok(Some(issuer));
        }
    }
    Ok(None)
}

/// The names and key identifiers that link a certificate to its issuer.
struct Identity {
    subject: Vec<u8>,
    issuer: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
}

impl Identity {
    fn of(pem: &str) -> Option<Self> {
        let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).ok()?;
        let cert: X509Certificate<'_> = pem.parse_x509().ok()?;
        let mut id = Self {
            subject: cert.subject().as_raw().to_vec(),
            issuer: cert.issuer().as_raw().to_vec(),
            subject_key_id: None,
            authority_key_id: None,
        };
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => id.subject_key_id = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    id.authority_key_id = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                _ => {}
            }
        }
        Some(id)
    }

    fn is_signed_by(&self, parent: &Self) -> bool {
        if self.issuer != parent.subject {
            return false;
        }
        match (&self.authority_key_id, &parent.subject_key_id) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
    }
}

/// The schema attributes the leaf-certificate types describe alike, in their schema order.
pub(crate) mod attributes {
    use tfplugin::{Attribute, Schema};

    /// Adds `attributes` to `schema`, each shaped by `shape` (required, replacing, computed …).
    pub(crate) fn add<const N: usize>(
        schema: Schema,
        shape: impl Fn(Attribute) -> Attribute,
        attributes: [Attribute; N],
    ) -> Schema {
        attributes
            .into_iter()
            .fold(schema, |schema, a| schema.attribute(shape(a)))
    }

    /// `alt_names`, `ip_sans`, `uri_sans`.
    pub(crate) fn sans() -> [Attribute; 3] {
        [
            Attribute::string_list("alt_names", "DNS or email subject alternative names."),
            Attribute::string_list("ip_sans", "IP subject alternative names."),
            Attribute::string_list("uri_sans", "URI subject alternative names."),
        ]
    }

    /// The subject fields of [`super::Subject`].
    pub(crate) fn subject() -> [Attribute; 6] {
        [
            Attribute::string_list("ou", "Subject OU (organizational unit) values."),
            Attribute::string_list("country", "Subject C (country) values."),
            Attribute::string_list("locality", "Subject L (locality) values."),
            Attribute::string_list("province", "Subject ST (state or province) values."),
            Attribute::string_list("street_address", "Subject street address values."),
            Attribute::string_list("postal_code", "Subject postal code values."),
        ]
    }

    /// The name constraints of [`super::NameConstraints`], described by what OpenBao does.
    pub(crate) fn name_constraints() -> [Attribute; 8] {
        let vault_only = |name: &str, what: &str| {
            Attribute::string_list(
                name,
                format!(
                    "{what} (X.509 name constraints). HashiCorp Vault only: OpenBao 2.x has no such field and would leave it out of the certificate, so setting it against OpenBao fails before anything is created."
                ),
            )
        };
        [
            Attribute::string_list(
                "permitted_dns_domains",
                "DNS domains certificates under this CA may name (X.509 name constraints, permitted subtrees), written into the CA certificate. Relying parties (OpenSSL, browsers, Go) reject a certificate under this CA for another name; OpenBao 2.7.2 itself still issues one, so restrict the roles' `allowed_domains` as well.",
            ),
            vault_only(
                "excluded_dns_domains",
                "DNS domains certificates under this CA may not name",
            ),
            vault_only(
                "permitted_ip_ranges",
                "IP ranges (CIDR) certificates under this CA may name",
            ),
            vault_only(
                "excluded_ip_ranges",
                "IP ranges (CIDR) certificates under this CA may not name",
            ),
            vault_only(
                "permitted_email_addresses",
                "Email addresses or domains certificates under this CA may name",
            ),
            vault_only(
                "excluded_email_addresses",
                "Email addresses or domains certificates under this CA may not name",
            ),
            vault_only(
                "permitted_uri_domains",
                "URI domains certificates under this CA may name",
            ),
            vault_only(
                "excluded_uri_domains",
                "URI domains certificates under this CA may not name",
            ),
        ]
    }

    /// `other_sans`.
    pub(crate) fn other_sans() -> Attribute {
        Attribute::string_list(
            "other_sans",
            "Other SANs, each `<oid>;UTF8:<value>` (e.g. `1.3.6.1.4.1.311.20.2.3;UTF8:admin@example.test`).",
        )
    }

    /// `key_usage` of a CA certificate.
    pub(crate) fn ca_key_usage() -> Attribute {
        Attribute::string_list(
            "key_usage",
            "Key usages of the CA certificate by the server's names (`CertSign`, `CRLSign`, `DigitalSignature`, …, any case); left out, the server's default (`CertSign`, `CRLSign`).",
        )
    }

    /// `not_after` as a request input.
    pub(crate) fn not_after() -> Attribute {
        Attribute::string(
            "not_after",
            "NotAfter of the certificate as `YYYY-MM-DDTHH:MM:SSZ` (UTC), instead of `ttl`.",
        )
    }

    /// `signature_bits` and `use_pss`.
    pub(crate) fn signature() -> [Attribute; 2] {
        [
            Attribute::number(
                "signature_bits",
                "Hash size of the signature: 256, 384 or 512 (0 or left out: chosen from the signing key). OpenBao 2.7.2 honours it for RSA signing keys only: an EC key signs with its curve's hash (P-256: 256, P-384: 384, P-521: 512) and Ed25519 has none to choose.",
            ),
            Attribute::bool(
                "use_pss",
                "Sign with RSASSA-PSS instead of PKCS#1 v1.5 (RSA signing keys only).",
            ),
        ]
    }

    /// `exclude_cn_from_sans`.
    pub(crate) fn exclude_cn_from_sans() -> Attribute {
        Attribute::bool(
            "exclude_cn_from_sans",
            "Leave the common name out of the SANs.",
        )
    }

    /// The requested lifetime of the managed leaf types.
    pub(crate) fn ttl() -> Attribute {
        Attribute::string(
            "ttl",
            "Requested lifetime, e.g. `720h` or seconds; at most the role's `max_ttl`.",
        )
    }

    /// `auto_renew`, `min_seconds_remaining` and `revoke` of the managed leaf types.
    pub(crate) fn renewal() -> [Attribute; 3] {
        [
            Attribute::bool(
                "auto_renew",
                "Replace the certificate when a plan finds fewer than `min_seconds_remaining` seconds of validity left.",
            ),
            Attribute::number(
                "min_seconds_remaining",
                "The renewal window in seconds (default 604800, seven days; for a certificate whose lifetime is not longer than that, a third of its lifetime, with a plan-time warning). Must be smaller than `ttl`: a window as long as the TTL would replace the certificate on every plan, so it is refused at plan time.",
            ),
            Attribute::bool(
                "revoke",
                "Revoke the certificate when it is destroyed or replaced.",
            ),
        ]
    }

    /// `certificate`, `issuing_ca` and `ca_chain` of an issued leaf.
    pub(crate) fn certificate() -> [Attribute; 3] {
        [
            Attribute::string("certificate", "The certificate (PEM)."),
            Attribute::string("issuing_ca", "The issuing CA certificate (PEM)."),
            Attribute::string_list("ca_chain", "The CA chain (PEM certificates)."),
        ]
    }

    /// `private_key_type`.
    pub(crate) fn private_key_type() -> Attribute {
        Attribute::string(
            "private_key_type",
            "The private key's type (`rsa`, `ec`, `ed25519`).",
        )
    }

    /// `serial_number` and `expiration` of an issued leaf.
    pub(crate) fn serial_and_expiration() -> [Attribute; 2] {
        [
            Attribute::string("serial_number", "The serial number, colon-separated hex."),
            Attribute::number(
                "expiration",
                "NotAfter of the certificate, in seconds since the Unix epoch (read from the certificate itself).",
            ),
        ]
    }

    /// `revoked` of the managed leaf types.
    pub(crate) fn revoked() -> Attribute {
        Attribute::bool(
            "revoked",
            "Whether the server reports the certificate revoked (a revoked certificate is replaced by the next apply).",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_only_what_is_set() {
        let sans = Some(vec!["a.example".to_owned(), "b.example".to_owned()]);
        let empty = Some(Vec::new());
        let request = Request {
            common_name: Some("a.example"),
            alt_names: &sans,
            ip_sans: &empty,
            uri_sans: &None,
            ttl: &Some("1h".to_owned()),
            exclude_cn_from_sans: None,
        };
        assert_eq!(
            Json::Object(request.body()),
            json!({"common_name": "a.example", "alt_names": "a.example,b.example", "ttl": "1h"})
        );
    }

    #[test]
    fn revocation_is_a_positive_time() {
        assert!(is_revoked(&json!({"revocation_time": 1})));
        assert!(!is_revoked(&json!({"revocation_time": 0})));
        assert!(!is_revoked(&json!({})));
    }

    #[test]
    fn a_certificate_is_matched_to_its_issuer_by_name_and_key_id() {
        let parent = Identity {
            subject: b"root".to_vec(),
            issuer: b"root".to_vec(),
            subject_key_id: Some(vec![1]),
            authority_key_id: None,
        };
        let child = |issuer: &[u8], aki: Option<Vec<u8>>| Identity {
            subject: b"int".to_vec(),
            issuer: issuer.to_vec(),
            subject_key_id: None,
            authority_key_id: aki,
        };
        assert!(child(b"root", Some(vec![1])).is_signed_by(&parent));
        assert!(child(b"root", None).is_signed_by(&parent));
        assert!(!child(b"root", Some(vec![2])).is_signed_by(&parent));
        assert!(!child(b"other", Some(vec![1])).is_signed_by(&parent));
    }

    #[test]
    fn the_key_never_shows_in_debug() {
        let issued = Issued {
            certificate: String::new(),
            serial_number: "01".to_owned(),
            expiration: 0,
            issuing_ca: None,
            ca_chain: Vec::new(),
            private_key: Some("-----BEGIN PRIVATE KEY-----".to_owned()),
            private_key_type: None,
            warnings: Vec::new(),
        };
        let shown = format!("{issued:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("BEGIN"),
            "{shown}"
        );
    }
}
