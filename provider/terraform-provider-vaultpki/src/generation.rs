//! hashicorp/vault's settings of how a CA key and certificate are generated (`type`, `format`,
//! `private_key_format` on its root certificate and CSR types), accepted so that its
//! configurations apply with the type renamed alone. vaultpki generates keys inside the server
//! only and hands certificates out as PEM, so only the values that mean exactly that are
//! accepted (checked at plan time); they change nothing on the server and are kept in state.
//! Left out, each is planned as its default, and a read fills a missing one (an import, a state
//! written before these attributes existed) with it, so such a plan is empty.

use serde::{Deserialize, Serialize};
use tfplugin::{Attribute, Diagnostics, Plan, Value};

use crate::diagnostics;
use crate::imports::plan_default;

/// The settings, flattened into the state model of a type that generates a key.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub(crate) struct Generation {
    #[serde(rename = "type")]
    kind: Option<String>,
    format: Option<String>,
    private_key_format: Option<String>,
}

impl Generation {
    /// The settings as a read leaves them: missing ones at their default.
    pub(crate) fn read_back(self) -> Self {
        Self {
            kind: self.kind.or_else(|| Some(TYPE.default.to_owned())),
            format: self.format.or_else(|| Some(FORMAT.default.to_owned())),
            private_key_format: self
                .private_key_format
                .or_else(|| Some(PRIVATE_KEY_FORMAT.default.to_owned())),
        }
    }
}

/// One setting: its name, default, the values accepted, and why the others are not.
struct Setting {
    name: &'static str,
    default: &'static str,
    accepted: &'static [&'static str],
    refused: &'static str,
}

const TYPE: Setting = Setting {
    name: "type",
    default: "internal",
    accepted: &["internal", "existing"],
    refused: "vaultpki generates keys inside the server and never exports them (`exported` would put the private key in the state) and does not manage KMS keys; use `internal`, or `existing` together with `key_ref`",
};

const FORMAT: Setting = Setting {
    name: "format",
    default: "pem",
    accepted: &["pem", "pem_bundle"],
    refused: "certificates are always handed out as PEM (with an internal key `pem_bundle` is the same thing); use `pem`",
};

const PRIVATE_KEY_FORMAT: Setting = Setting {
    name: "private_key_format",
    default: "der",
    accepted: &["der", "pkcs8"],
    refused: "it is hashicorp/vault's setting for an exported key, which vaultpki never exports; use `der` or `pkcs8` (both mean the same here) or leave it out",
};

const SETTINGS: [&Setting; 3] = [&TYPE, &FORMAT, &PRIVATE_KEY_FORMAT];

/// The three attributes.
pub(crate) fn attributes() -> [Attribute; 3] {
    SETTINGS.map(|s| {
        Attribute::string(
            s.name,
            format!(
                "hashicorp/vault's `{}`, accepted so that its configurations apply unchanged: {} (default `{}`). It changes nothing on the server: the key never leaves it and certificates are PEM.",
                s.name,
                s.accepted.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" or "),
                s.default
            ),
        )
        .optional_computed()
    })
}

/// Checks the values against what vaultpki does; `existing` needs `key_ref` and the reverse.
pub(crate) fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for s in SETTINGS {
        if let Some(v) = config.attr(s.name).as_str()
            && !s.accepted.contains(&v)
        {
            diags.extend(diagnostics::invalid_attribute(
                s.name,
                format!("{} = \"{v}\" is not supported: {}.", s.name, s.refused),
            ));
        }
    }
    let key_ref = config.attr("key_ref");
    match config.attr(TYPE.name).as_str() {
        Some("existing") if key_ref.is_null() => diags.extend(diagnostics::invalid_attribute(
            TYPE.name,
            "type = \"existing\" signs with a key the mount has already: name it in `key_ref`.",
        )),
        Some("internal") if !key_ref.is_null() => diags.extend(diagnostics::invalid_attribute(
            TYPE.name,
            "type = \"internal\" generates a new key, but `key_ref` names an existing one: use type = \"existing\" or remove `key_ref`.",
        )),
        _ => {}
    }
    diags
}

/// Plans each setting left out at its default.
pub(crate) fn plan(plan: &mut Plan) {
    for s in SETTINGS {
        plan_default(plan, s.name, Value::from(s.default));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Value {
        let mut v = Value::Null;
        for name in ["type", "format", "private_key_format", "key_ref"] {
            v.set_attr(name, Value::Null);
        }
        for (k, val) in pairs {
            v.set_attr(*k, Value::from(*val));
        }
        v
    }

    #[test]
    fn hashicorp_vault_example_values_are_accepted() {
        let ok = config(&[
            ("type", "internal"),
            ("format", "pem"),
            ("private_key_format", "der"),
        ]);
        assert!(validate(&ok).is_empty());
        assert!(validate(&config(&[("type", "existing"), ("key_ref", "k")])).is_empty());
    }

    #[test]
    fn values_vaultpki_cannot_honour_are_refused_by_name() {
        let d = validate(&config(&[("type", "exported")]));
        assert!(d.has_errors());
        assert!(d.to_string().contains("type = \"exported\""), "{d}");
        assert!(validate(&config(&[("format", "der")])).has_errors());
        assert!(validate(&config(&[("type", "existing")])).has_errors());
        assert!(validate(&config(&[("type", "internal"), ("key_ref", "k")])).has_errors());
    }

    #[test]
    fn a_read_fills_the_defaults() {
        let g = Generation::default().read_back();
        assert_eq!(g.kind.as_deref(), Some("internal"));
        assert_eq!(g.format.as_deref(), Some("pem"));
        assert_eq!(g.private_key_format.as_deref(), Some("der"));
    }
}
