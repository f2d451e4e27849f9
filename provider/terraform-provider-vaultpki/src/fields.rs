//! Table-driven attributes for resources that mirror a wide API object field by field (PKI roles,
//! AppRole roles, config singletons): one line per API field gives its schema attribute, how it
//! is sent, and how the server's answer is stored.
//!
//! A field whose server default is known (and the same on OpenBao and Vault) names it: left out
//! of the configuration, the default is sent, so deleting a line puts the default back on the
//! server and the plan shows that change (`true -> false`). While the field has never been set
//! it stays null in plan and state, so creating a resource prints only what was configured.
//! A field whose default the server decides (it depends on the flavour, the version or another
//! field) keeps whatever the server has when left out, and its description says why.
//!
//! Durations are one kind: a string attribute (Terraform turns a configured number into its
//! string) holding seconds or Go-style units, compared by meaning, so `"72h"` and `259200` are
//! the same value and the configured spelling is kept. Reading back keeps the configured
//! spelling of lists too when the server's answer means the same (same members in another order
//! or case), which is what makes defaulted lists such as `key_usage` free of perpetual diffs.

use serde_json::{Map, Value as Json};
use tfplugin::{Attribute, AttributePath, Diagnostics, Plan, Type, Value};
use vaultpki_client::Flavour;

use crate::diagnostics;
use crate::duration;

/// The value type of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Number,
    String,
    StringList,
    /// A TTL, period, expiry or interval: a string of seconds or Go-style units (see
    /// [`duration`]); configured numbers arrive as strings.
    Duration,
}

/// What the server holds for a field nobody set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unset {
    /// The server decides (the value differs by flavour, version or another field): left out,
    /// the field keeps the server's value.
    ServerDecides,
    Bool(bool),
    Number(i64),
    /// A string, or a duration in the server's spelling.
    Text(&'static str),
    List(&'static [&'static str]),
}

impl Unset {
    /// The default as JSON, `None` when the server decides.
    fn json(self) -> Option<Json> {
        Some(match self {
            Self::ServerDecides => return None,
            Self::Bool(b) => Json::Bool(b),
            Self::Number(n) => Json::from(n),
            Self::Text(s) => Json::from(s),
            Self::List(items) => Json::Array(items.iter().map(|i| Json::from(*i)).collect()),
        })
    }

    /// How the description shows it.
    fn shown(self) -> Option<String> {
        let quoted = |s: &str| format!("`{s}`");
        Some(match self {
            Self::ServerDecides => return None,
            Self::Bool(b) => quoted(&b.to_string()),
            Self::Number(n) => quoted(&n.to_string()),
            Self::Text("") => "empty".to_owned(),
            Self::Text(s) => quoted(&format!("\"{s}\"")),
            Self::List([]) => "empty".to_owned(),
            Self::List(items) => quoted(&format!(
                "[{}]",
                items
                    .iter()
                    .map(|i| format!("\"{i}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        })
    }
}

/// One API field mirrored as an attribute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) description: &'static str,
    /// Only OpenBao has this field (HashiCorp Vault would ignore or refuse it).
    pub(crate) openbao_only: bool,
    /// What the server holds when the field is not set.
    pub(crate) unset: Unset,
    /// Whether a write sends the default of the field while it is null. Not for fields only
    /// some servers take: there the default is sent only once a deleted line plans it.
    pub(crate) sends_unset: bool,
}

impl Field {
    /// The same field with the server default `unset`, planned when the field is left out.
    pub(crate) const fn or(self, unset: Unset) -> Self {
        Self { unset, ..self }
    }

    /// Like [`Field::or`], for a field some servers ignore with a warning: its default is not
    /// sent while the field is null.
    pub(crate) const fn or_unsent(self, unset: Unset) -> Self {
        Self {
            unset,
            sends_unset: false,
            ..self
        }
    }
}

/// Shorthand for table rows.
pub(crate) const fn field(name: &'static str, kind: Kind, description: &'static str) -> Field {
    Field {
        name,
        kind,
        description,
        openbao_only: false,
        unset: Unset::ServerDecides,
        sends_unset: true,
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
        sends_unset: false,
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
    match fields.iter().find(|f| {
        f.openbao_only
            && values.get(f.name).is_some_and(|v| {
                !v.is_null() && !f.unset.json().is_some_and(|d| same_meaning(f.kind, v, &d))
            })
    }) {
        Some(f) => Err(diagnostics::field_not_supported(f.name, "OpenBao", address)),
        None => Ok(()),
    }
}

/// The schema attributes of `fields`.
pub(crate) fn attributes(fields: &[Field]) -> Vec<Attribute> {
    fields
        .iter()
        .map(|f| {
            let ty = value_type(f.kind);
            let mut description = f.description.to_owned();
            if f.kind == Kind::Duration {
                description.push_str(DURATION_FORMS);
            }
            // Computed either way: a field left out is null until it was changed, and then
            // planned as its default (see `plan`).
            match f.unset.shown() {
                Some(d) if f.openbao_only => {
                    description.push_str(&format!(" Left out: {d}, OpenBao's default (HashiCorp Vault does not have this field and is never sent it)."));
                    Attribute::new(f.name, ty, description).optional_computed()
                }
                Some(d) => {
                    description.push_str(&format!(" Left out: {d}, the server's default."));
                    Attribute::new(f.name, ty, description).optional_computed()
                }
                None => {
                    if f.openbao_only {
                        description.push_str(" Left out: the server's value is kept (HashiCorp Vault does not have this field, so no default is planned).");
                    }
                    Attribute::new(f.name, ty, description)
                        .optional_computed()
                        .use_state_for_unknown()
                }
            }
        })
        .collect()
}

/// How every duration attribute's description ends.
const DURATION_FORMS: &str = " A duration: seconds (`3600` or `\"3600\"`) or units (`\"72h\"`, `\"30m\"`, `\"2h30m\"`, `\"7d\"`); compared by meaning, so `\"72h\"` and `259200` are the same value.";

/// Plans the table's fields after the default plan: a field left out of the configuration is
/// planned as its server default once it holds something else (a deleted line goes back to the
/// default), and a configured duration that means what the state holds keeps the state's
/// spelling (no diff for `"72h"` against `259200`).
pub(crate) fn plan(fields: &[Field], plan: &mut Plan) {
    if plan.planned.is_null() {
        return;
    }
    for f in fields {
        let config = plan.config.attr(f.name);
        let prior = plan.prior.attr(f.name).to_json();
        if config.is_null() {
            let Some(default) = f.unset.json() else {
                continue;
            };
            let planned = if prior.is_null() || same_meaning(f.kind, &prior, &default) {
                prior
            } else {
                default
            };
            if let Ok(v) = Value::from_json(&planned, &value_type(f.kind)) {
                plan.planned.set_attr(f.name, v);
            }
        } else if f.kind == Kind::Duration
            && !prior.is_null()
            && same_meaning(f.kind, &prior, &config.to_json())
        {
            plan.planned
                .set_attr(f.name, plan.prior.attr(f.name).clone());
        }
    }
}

/// For a duration attribute outside the tables (a certificate's `ttl`): a configured value
/// that means what the state holds keeps the state's spelling and replaces nothing.
pub(crate) fn keep_duration_spelling(plan: &mut Plan, attribute: &str) {
    let prior = plan.prior.attr(attribute);
    let config = plan.config.attr(attribute);
    if prior.is_null()
        || config.is_null()
        || !same_meaning(Kind::Duration, &prior.to_json(), &config.to_json())
    {
        return;
    }
    let prior = prior.clone();
    plan.planned.set_attr(attribute, prior);
    plan.requires_replace
        .retain(|p| *p != AttributePath::root(attribute));
}

/// Plan-time checks of the table's fields: every configured duration parses.
pub(crate) fn validate(fields: &[Field], config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for f in fields.iter().filter(|f| f.kind == Kind::Duration) {
        diags.extend(validate_duration(config, f.name));
    }
    diags
}

/// A duration attribute of `config` that must parse (unknown and null values pass).
pub(crate) fn validate_duration(config: &Value, attribute: &str) -> Diagnostics {
    match config.attr(attribute).as_str() {
        Some(s) if duration::parse_seconds(s.trim()).is_none() => diagnostics::invalid_attribute(
            attribute,
            format!(
                "{attribute} = \"{s}\" is not a duration; use a number of seconds (3600 or \"3600\") or Go-style units without spaces (\"72h\", \"30m\", \"90s\", \"2h30m\", \"7d\")."
            ),
        ),
        _ => Diagnostics::new(),
    }
}

fn value_type(kind: Kind) -> Type {
    match kind {
        Kind::Bool => Type::Bool,
        Kind::Number => Type::Number,
        Kind::String | Kind::Duration => Type::String,
        Kind::StringList => Type::list(Type::String),
    }
}

/// The request body: every field the plan sets, and the default of every other field whose
/// default is known (so a write leaves nothing behind from before); fields the server decides
/// are left to it when null.
pub(crate) fn body(fields: &[Field], values: &Map<String, Json>) -> Map<String, Json> {
    fields
        .iter()
        .filter_map(|f| {
            let v = values
                .get(f.name)
                .filter(|v| !v.is_null())
                .cloned()
                .or_else(|| f.unset.json().filter(|_| f.sends_unset))?;
            let v = match (f.kind, v) {
                (Kind::Duration, Json::String(s)) => Json::String(s.trim().to_owned()),
                (_, v) => v,
            };
            Some((f.name.to_owned(), v))
        })
        .collect()
}

/// [`body`] for a server of `flavour`: HashiCorp Vault is not sent the OpenBao-only fields
/// (after [`check_flavour`], they can only hold their default there).
pub(crate) fn body_for(
    fields: &[Field],
    values: &Map<String, Json>,
    flavour: Flavour,
) -> Map<String, Json> {
    let mut body = body(fields, values);
    if flavour == Flavour::Vault {
        for f in fields.iter().filter(|f| f.openbao_only) {
            body.remove(f.name);
        }
    }
    body
}

/// The stored values from the server's answer `data`, keeping `prior` where it means the same
/// (a null `prior` stays null while the server holds the field's default). Fields the server
/// does not know (another flavour or version) stay null.
pub(crate) fn from_server(
    fields: &[Field],
    data: &Json,
    prior: &Map<String, Json>,
) -> Map<String, Json> {
    fields
        .iter()
        .map(|f| {
            let Some(answered) = data.get(f.name) else {
                // A field this server does not have: what the plan said stands.
                let kept = prior.get(f.name).cloned().unwrap_or(Json::Null);
                return (f.name.to_owned(), kept);
            };
            let server = normalise(f.kind, Some(answered));
            let kept = match prior.get(f.name).filter(|p| !p.is_null()) {
                Some(p) if same_meaning(f.kind, p, &server) => p.clone(),
                None if f
                    .unset
                    .json()
                    .is_some_and(|d| same_meaning(f.kind, &d, &server)) =>
                {
                    Json::Null
                }
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
        (Kind::String | Kind::Duration, Json::String(_)) => v.clone(),
        (Kind::Duration, Json::Number(n)) => Json::String(n.to_string()),
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
        (Kind::Duration, a, b) => {
            let seconds = |v: &Json| match v {
                Json::String(s) => duration::parse_seconds(s.trim()),
                Json::Number(n) => n.as_i64(),
                _ => None,
            };
            seconds(a).is_some() && seconds(a) == seconds(b)
        }
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
    fn openbao_only_defaults_are_sent_only_once_planned_and_never_to_vault() {
        let fields =
            [openbao_field("not_before_bound", Kind::String, "n").or(Unset::Text("permit"))];
        let unset: Map<String, Json> = serde_json::from_value(json!({})).unwrap();
        assert!(body_for(&fields, &unset, Flavour::OpenBao).is_empty());
        let reset: Map<String, Json> =
            serde_json::from_value(json!({"not_before_bound": "permit"})).unwrap();
        assert_eq!(
            Json::Object(body_for(&fields, &reset, Flavour::OpenBao)),
            json!({"not_before_bound": "permit"})
        );
        // The default planned back is no reason to refuse Vault, and Vault is not sent it.
        assert!(check_flavour(&fields, &reset, Flavour::Vault, "http://v").is_ok());
        assert!(body_for(&fields, &reset, Flavour::Vault).is_empty());
        let set: Map<String, Json> =
            serde_json::from_value(json!({"not_before_bound": "forbid"})).unwrap();
        assert!(check_flavour(&fields, &set, Flavour::Vault, "http://v").is_err());
        // A server without the field leaves the planned value standing.
        let out = from_server(&fields, &json!({}), &reset);
        assert_eq!(out["not_before_bound"], json!("permit"));
    }

    #[test]
    fn body_sends_configured_fields_and_known_defaults() {
        let values: Map<String, Json> =
            serde_json::from_value(json!({"ttl": 60, "key_usage": null})).unwrap();
        assert_eq!(Json::Object(body(F, &values)), json!({"ttl": 60}));
        let fields = [
            field("allow_any_name", Kind::Bool, "a").or(Unset::Bool(false)),
            field("allowed_domains", Kind::StringList, "d").or(Unset::List(&[])),
            field("key_bits", Kind::Number, "k"),
            field("max_ttl", Kind::Duration, "m").or(Unset::Text("0")),
        ];
        let values: Map<String, Json> =
            serde_json::from_value(json!({"max_ttl": " 72h", "key_bits": null})).unwrap();
        assert_eq!(
            Json::Object(body(&fields, &values)),
            json!({"allow_any_name": false, "allowed_domains": [], "max_ttl": "72h"})
        );
    }

    const D: &[Field] = &[
        field("allow_subdomains", Kind::Bool, "s").or(Unset::Bool(false)),
        field("allowed_domains", Kind::StringList, "d").or(Unset::List(&[])),
        field("max_ttl", Kind::Duration, "m").or(Unset::Text("0")),
        field("key_bits", Kind::Number, "k"),
    ];

    fn object(j: Json) -> Value {
        let ty = Type::Object(
            D.iter()
                .map(|f| (f.name.to_owned(), value_type(f.kind)))
                .collect(),
        );
        Value::from_json(&j, &ty).unwrap()
    }

    fn planned(config: Json, prior: Json) -> Json {
        let config = object(config);
        let prior = if prior.is_null() {
            Value::Null
        } else {
            object(prior)
        };
        let mut p = Plan {
            planned: config.clone(),
            config,
            prior,
            requires_replace: Vec::new(),
            private: tfplugin::Private::default(),
        };
        plan(D, &mut p);
        p.planned.to_json()
    }

    #[test]
    fn a_deleted_line_plans_the_default_and_a_new_resource_plans_nothing() {
        let removed = planned(
            json!({}),
            json!({"allow_subdomains": true, "allowed_domains": ["a.test"], "max_ttl": "3600", "key_bits": 4096}),
        );
        assert_eq!(removed["allow_subdomains"], json!(false));
        assert_eq!(removed["allowed_domains"], json!([]));
        assert_eq!(removed["max_ttl"], json!("0"));
        // What the server decides is not planned here (the default plan keeps or unknowns it).
        assert_eq!(removed["key_bits"], Json::Null);
        let created = planned(json!({"allow_subdomains": true}), Json::Null);
        assert_eq!(
            created,
            json!({"allow_subdomains": true, "allowed_domains": null, "max_ttl": null, "key_bits": null})
        );
        // Never set, or already back at the default: no change.
        let untouched = planned(
            json!({}),
            json!({"allow_subdomains": null, "allowed_domains": [], "max_ttl": "0s"}),
        );
        assert_eq!(untouched["allowed_domains"], json!([]));
        assert_eq!(untouched["max_ttl"], json!("0s"));
        assert_eq!(untouched["allow_subdomains"], Json::Null);
    }

    #[test]
    fn durations_compare_by_meaning_and_keep_the_stated_spelling() {
        let same = planned(json!({"max_ttl": "259200"}), json!({"max_ttl": "72h"}));
        assert_eq!(same["max_ttl"], json!("72h"));
        let other = planned(json!({"max_ttl": "48h"}), json!({"max_ttl": "72h"}));
        assert_eq!(other["max_ttl"], json!("48h"));
        // The server answers seconds; the configured spelling stays.
        let prior: Map<String, Json> = serde_json::from_value(json!({"max_ttl": "72h"})).unwrap();
        let out = from_server(
            D,
            &json!({"max_ttl": 259200, "allow_subdomains": false}),
            &prior,
        );
        assert_eq!(out["max_ttl"], json!("72h"));
        // A field never set stays null while the server holds its default.
        assert_eq!(out["allow_subdomains"], Json::Null);
        let out = from_server(D, &json!({"max_ttl": 60, "allow_subdomains": true}), &prior);
        assert_eq!(out["max_ttl"], json!("60"));
        assert_eq!(out["allow_subdomains"], json!(true));
    }

    #[test]
    fn bad_durations_fail_naming_the_attribute_and_the_forms() {
        let config = object(json!({"max_ttl": "3 days"}));
        let diags = validate(D, &config);
        assert!(diags.has_errors());
        let text = format!("{diags:?}");
        assert!(text.contains("max_ttl") && text.contains("72h"), "{text}");
        for good in ["72h", "3600", "2h30m", "7d", "0"] {
            assert!(
                validate(D, &object(json!({"max_ttl": good}))).is_empty(),
                "{good}"
            );
        }
    }
}
