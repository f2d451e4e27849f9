//! Table-driven attributes for resources that mirror a wide API object field by field (PKI roles,
//! AppRole roles): one line per API field gives its schema attribute, how it is sent, and how the
//! server's answer is stored. Every such field is optional + computed: left out of the
//! configuration it takes the server's default and never shows a diff; set, it is sent and read
//! back. Reading back keeps the configured spelling when the server's answer means the same
//! (same list members in another order or case), which is what makes defaulted lists such as
//! `key_usage` free of perpetual diffs.

use serde_json::{Map, Value as Json};
use tfplugin::{Attribute, Diagnostics, Type};
use vaultpki_client::Flavour;

use crate::diagnostics;

/// The value type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Number,
    String,
    StringList,
}

/// One API field mirrored as an attribute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) description: &'static str,
    /// Only OpenBao has this field (HashiCorp Vault would ignore or refuse it).
    pub(crate) openbao_only: bool,
}

/// Shorthand for table rows.
pub(crate) const fn field(name: &'static str, kind: Kind, description: &'static str) -> Field {
    Field {
        name,
        kind,
        description,
        openbao_only: false,
    }
}

/// Shorthand for table rows of fields only OpenBao has.
pub(crate) const fn openbao_field(
    name: &'static str,
    kind: Kind,
    description: &'static str,
) -> Field {
    Field {
        openbao_only: true,
        ..field(name, kind, description)
    }
}

/// Refuses, before anything is sent, a configured field the server's flavour does not have:
/// sending it would be ignored or refused, and the plan could never be met.
pub(crate) fn check_flavour(
    fields: &[Field],
    values: &Map<String, Json>,
    flavour: Flavour,
    address: &str,
) -> Result<(), Diagnostics> {
    if flavour != Flavour::Vault {
        return Ok(());
    }
    match fields
        .iter()
        .find(|f| f.openbao_only && values.get(f.name).is_some_and(|v| !v.is_null()))
    {
        Some(f) => Err(diagnostics::field_not_supported(f.name, "OpenBao", address)),
        None => Ok(()),
    }
}

/// The schema attributes of `fields`.
pub(crate) fn attributes(fields: &[Field]) -> Vec<Attribute> {
    fields
        .iter()
        .map(|f| {
            let ty = match f.kind {
                Kind::Bool => Type::Bool,
                Kind::Number => Type::Number,
                Kind::String => Type::String,
                Kind::StringList => Type::list(Type::String),
            };
            // Left out of the configuration, a field keeps the value the server has: every
            // write sends the whole planned object, so nothing is reset behind the user's back.
            Attribute::new(f.name, ty, f.description)
                .optional_computed()
                .use_state_for_unknown()
        })
        .collect()
}

/// The request body: every field the configuration sets (null fields are left to the server).
pub(crate) fn body(fields: &[Field], values: &Map<String, Json>) -> Map<String, Json> {
    fields
        .iter()
        .filter_map(|f| {
            let v = values.get(f.name)?;
            (!v.is_null()).then(|| (f.name.to_owned(), v.clone()))
        })
        .collect()
}

/// The stored values from the server's answer `data`, keeping `prior` where it means the same.
/// Fields the server does not know (another flavour or version) stay null.
pub(crate) fn from_server(
    fields: &[Field],
    data: &Json,
    prior: &Map<String, Json>,
) -> Map<String, Json> {
    fields
        .iter()
        .map(|f| {
            let server = normalise(f.kind, data.get(f.name));
            let kept = match prior.get(f.name) {
                Some(p) if same_meaning(f.kind, p, &server) => p.clone(),
                _ => server,
            };
            (f.name.to_owned(), kept)
        })
        .collect()
}

/// Every field null (imports, or a fresh state).
pub(crate) fn nulls(fields: &[Field]) -> Map<String, Json> {
    fields
        .iter()
        .map(|f| (f.name.to_owned(), Json::Null))
        .collect()
}

fn normalise(kind: Kind, v: Option<&Json>) -> Json {
    let Some(v) = v else { return Json::Null };
    match (kind, v) {
        (_, Json::Null) if kind == Kind::StringList => Json::Array(Vec::new()),
        (_, Json::Null) => Json::Null,
        (Kind::Bool, Json::Bool(_)) | (Kind::Number, Json::Number(_)) => v.clone(),
        (Kind::Number, Json::String(s)) => s
            .parse::<i64>()
            .map_or(Json::Null, |n| Json::Number(n.into())),
        (Kind::String, Json::String(_)) => v.clone(),
        (Kind::String, Json::Number(n)) => Json::String(n.to_string()),
        (Kind::String, Json::Bool(b)) => Json::String(b.to_string()),
        (Kind::StringList, Json::Array(items)) => Json::Array(
            items
                .iter()
                .map(|i| match i {
                    Json::String(s) => Json::String(s.clone()),
                    other => Json::String(other.to_string()),
                })
                .collect(),
        ),
        // Vault answers some list fields with one comma-separated string.
        (Kind::StringList, Json::String(s)) => Json::Array(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Json::String(p.to_owned()))
                .collect(),
        ),
        _ => Json::Null,
    }
}

fn same_meaning(kind: Kind, prior: &Json, server: &Json) -> bool {
    if prior == server {
        return true;
    }
    match (kind, prior, server) {
        (Kind::StringList, Json::Array(a), Json::Array(b)) => {
            let canon = |items: &Vec<Json>| {
                let mut v: Vec<String> = items
                    .iter()
                    .filter_map(Json::as_str)
                    .map(str::to_ascii_lowercase)
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            canon(a) == canon(b)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const F: &[Field] = &[
        field("key_usage", Kind::StringList, "k"),
        field("ttl", Kind::Number, "t"),
        field("allow_any_name", Kind::Bool, "a"),
        field("newer_field", Kind::String, "n"),
    ];

    #[test]
    fn lists_with_the_same_members_keep_the_configured_spelling() {
        let prior: Map<String, Json> =
            serde_json::from_value(json!({"key_usage": ["digitalsignature", "KeyEncipherment"]}))
                .unwrap();
        let data = json!({"key_usage": ["KeyEncipherment", "DigitalSignature"], "ttl": 3600});
        let out = from_server(F, &data, &prior);
        assert_eq!(
            out["key_usage"],
            json!(["digitalsignature", "KeyEncipherment"])
        );
        assert_eq!(out["ttl"], json!(3600));
        assert_eq!(out["newer_field"], Json::Null);
    }

    #[test]
    fn a_real_change_on_the_server_shows() {
        let prior: Map<String, Json> =
            serde_json::from_value(json!({"key_usage": ["DigitalSignature"]})).unwrap();
        let out = from_server(F, &json!({"key_usage": ["CertSign"]}), &prior);
        assert_eq!(out["key_usage"], json!(["CertSign"]));
    }

    #[test]
    fn openbao_only_fields_are_refused_on_vault_only_when_configured() {
        let fields = [openbao_field("only_bao", Kind::Bool, "o")];
        let set: Map<String, Json> = serde_json::from_value(json!({"only_bao": true})).unwrap();
        let unset: Map<String, Json> = serde_json::from_value(json!({"only_bao": null})).unwrap();
        assert!(check_flavour(&fields, &set, Flavour::Vault, "http://v").is_err());
        assert!(check_flavour(&fields, &unset, Flavour::Vault, "http://v").is_ok());
        assert!(check_flavour(&fields, &set, Flavour::OpenBao, "http://b").is_ok());
    }

    #[test]
    fn body_sends_only_configured_fields() {
        let values: Map<String, Json> =
            serde_json::from_value(json!({"ttl": 60, "key_usage": null})).unwrap();
        assert_eq!(Json::Object(body(F, &values)), json!({"ttl": 60}));
    }
}
