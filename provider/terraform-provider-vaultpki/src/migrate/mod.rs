//! Moving state from the official `hashicorp/vault` provider (`moved { from = vault_mount.x
//! to = vaultpki_mount.x }`), so that a configuration can switch providers without touching the
//! server: Terraform hands the source resource's stored JSON state to the target resource's
//! `move_state`, which maps it onto the vaultpki schema here. One file per source type says how
//! its attributes map; this module does the common part (type coercion, reporting what cannot
//! be carried). After the move Terraform refreshes the resource, so everything the server
//! reports is read back anyway: the mapping must get the identity right and carry the rest
//! where it can. The mappers rename the official `backend` to `mount`; the registry's
//! `Spelling` wrapper (`spelling.rs`) then fills `backend` from it, so the plan after
//! the move is empty whether the configuration kept `backend` or switched to `mount`.
//!
//! Terraform does not tell `move_state` which provider the source came from in a way the
//! tfplugin API passes on, so the `vault_` type names are what identifies the source; these are
//! the official provider's (`registry.terraform.io/hashicorp/vault`, also as published on
//! `registry.opentofu.org`).

use serde_json::{Map, Value as Json};
use tfplugin::{Diagnostic, Diagnostics, MovedState, Resource, Schema, Type, Value};

use crate::diagnostics;
use crate::duration::parse_seconds;

mod approle_auth_backend_role;
mod auth_backend;
mod mount;
mod pki_secret_backend_config_urls;
mod pki_secret_backend_issuer;
mod pki_secret_backend_role;
mod policy;

/// Maps a moved state onto `target`'s schema, or `None` when `target` accepts no moves from
/// `source_type`. Attributes that cannot be carried come back as warnings, which Terraform
/// shows with the move.
pub(crate) fn move_state(
    target: &str,
    schema: &Schema,
    source_type: &str,
    source_version: i64,
    source: &Json,
) -> Option<Result<MovedState, Diagnostics>> {
    let mapper = MAPPERS
        .iter()
        .find(|m| m.source == source_type && m.target == target)?;
    let result = mapper
        .run(schema, source_version, source)
        .map(|(state, warnings)| MovedState {
            state,
            warnings: Diagnostics(warnings),
        });
    Some(result)
}

/// [`move_state`] for the resource `target`: what its `Resource::move_state` answers.
pub(crate) fn move_into<R: Resource>(
    target: &R,
    source_type: &str,
    source_version: i64,
    source: &Json,
) -> Option<Result<MovedState, Diagnostics>> {
    move_state(
        target.type_name(),
        &target.schema(),
        source_type,
        source_version,
        source,
    )
}

/// Every supported (source type, target type) pair.
const MAPPERS: &[Mapper] = &[
    mount::MAPPER,
    auth_backend::MAPPER,
    policy::MAPPER,
    pki_secret_backend_role::MAPPER,
    pki_secret_backend_config_urls::MAPPER,
    pki_secret_backend_issuer::MAPPER,
    approle_auth_backend_role::MAPPER,
];

/// How one official resource type moves into one vaultpki type.
pub(crate) struct Mapper {
    /// The official provider's type name.
    source: &'static str,
    /// Ours.
    target: &'static str,
    /// The newest schema version of the source type whose shape `map` understands.
    max_version: i64,
    /// Source attributes renamed on our side, `(theirs, ours)`.
    renames: &'static [(&'static str, &'static str)],
    /// Source attributes deliberately not carried, with the reason shown when they hold a value.
    dropped: &'static [(&'static str, &'static str)],
    /// Computes our identity attributes (including `id`) from the source state.
    identity: fn(&Map<String, Json>) -> Result<Identity, String>,
}

impl Mapper {
    /// The moved state and the warnings for what was left behind.
    pub(crate) fn run(
        &self,
        schema: &Schema,
        version: i64,
        source: &Json,
    ) -> Result<(Value, Vec<Diagnostic>), Diagnostics> {
        if version > self.max_version {
            return Err(diagnostics::move_unsupported_version(
                self.source,
                version,
                self.max_version,
            ));
        }
        let Json::Object(src) = source else {
            return Err(diagnostics::move_bad_source(
                self.source,
                "the stored state is not an object",
            ));
        };
        if let Some(ns) = src.get("namespace").filter(|v| !is_empty(v)) {
            // Our provider sets the namespace once for all resources; a per-resource namespace
            // would make the refresh look in the wrong place and drop the object from state.
            let ns = ns.as_str().unwrap_or_default();
            return Err(diagnostics::move_namespaced(self.source, ns));
        }
        let Type::Object(target_types) = schema.value_type() else {
            return Err(diagnostics::move_bad_source(
                self.source,
                "the target schema is not an object",
            ));
        };
        let mut out = (self.identity)(src)
            .map_err(|r| diagnostics::move_bad_source(self.source, &r))?
            .0;
        let mut warnings = Vec::new();
        for (name, value) in src {
            if name == "id" || name == "namespace" {
                continue;
            }
            if let Some((_, reason)) = self.dropped.iter().find(|(n, _)| n == name) {
                if !is_empty(value) {
                    warnings.push(self.warning(name, reason));
                }
                continue;
            }
            let ours = self
                .renames
                .iter()
                .find(|(theirs, _)| theirs == name)
                .map_or(name.as_str(), |(_, ours)| ours);
            if out.contains_key(ours) {
                continue;
            }
            let Some(ty) = target_types.get(ours) else {
                if !is_empty(value) {
                    warnings.push(
                        self.warning(name, &format!("{} has no attribute for it", self.target)),
                    );
                }
                continue;
            };
            match coerce(value, ty) {
                Some(v) => {
                    out.insert(ours.to_owned(), v);
                }
                None => warnings.push(self.warning(
                    name,
                    &format!(
                        "its stored value does not fit `{ours}` of {}; the refresh after the move reads it from the server instead",
                        self.target
                    ),
                )),
            }
        }
        let value = Value::from_json(&Json::Object(out), &schema.value_type())
            .map_err(|e| diagnostics::move_bad_source(self.source, &e.to_string()))?;
        Ok((value, warnings))
    }

    fn warning(&self, attribute: &str, reason: &str) -> Diagnostic {
        diagnostics::move_not_carried(self.source, self.target, attribute, reason)
    }
}

/// Whether a stored value means "not set" (the official provider stores unset attributes as
/// zero values, which are not worth a warning).
fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::Bool(b) => !b,
        Json::Number(n) => n.as_f64() == Some(0.0),
        Json::String(s) => s.is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
    }
}

/// Converts a stored value to the JSON shape of `ty`, or `None` when it cannot. The official
/// provider keeps some durations as strings (`"3600"`, sometimes `"1h"`) and some lists as
/// comma-separated strings where ours are numbers and lists.
fn coerce(v: &Json, ty: &Type) -> Option<Json> {
    if v.is_null() {
        return Some(Json::Null);
    }
    let fits = |j: &Json| Value::from_json(j, ty).is_ok();
    if fits(v) {
        return Some(v.clone());
    }
    let converted = match (ty, v) {
        (Type::Number, Json::String(s)) => {
            let s = s.trim();
            if s.is_empty() {
                Json::Null
            } else {
                Json::from(parse_seconds(s)?)
            }
        }
        (Type::String, Json::Number(n)) => Json::String(n.to_string()),
        (Type::String, Json::Bool(b)) => Json::String(b.to_string()),
        (Type::List(_) | Type::Set(_), Json::String(s)) => Json::Array(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Json::String(p.to_owned()))
                .collect(),
        ),
        (Type::String, Json::Array(items)) => Json::String(
            items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()?
                .join(","),
        ),
        _ => return None,
    };
    fits(&converted).then_some(converted)
}

/// A string attribute of the source state that must be present and non-empty.
fn required<'a>(src: &'a Map<String, Json>, name: &str) -> Result<&'a str, String> {
    src.get(name)
        .and_then(Json::as_str)
        .map(|s| s.trim_matches('/'))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("`{name}` is missing or empty"))
}

/// Our identity attributes of a moved object (including `id` where the refresh needs it).
pub(crate) struct Identity(Map<String, Json>);

/// Builds an identity from `(name, value)` pairs.
fn identity_of(pairs: &[(&str, String)]) -> Identity {
    Identity(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Json::String(v.clone())))
            .collect(),
    )
}

#[cfg(test)]
mod tests;
