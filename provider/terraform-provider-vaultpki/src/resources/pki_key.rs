//! `vaultpki_pki_key`: a key of a PKI mount (`<mount>/key/<key_id>`), generated inside the
//! server (`<mount>/keys/generate/internal`, the private key never leaves it) or imported from a
//! PEM given through the write-only `pem_bundle_wo` (`<mount>/keys/import`), e.g. to rotate an
//! issuer onto a new key. Its name changes in place (`POST <mount>/key/<ref>`). A key is what
//! issuers sign with, so destroying the resource deletes it only when `delete_on_destroy` is
//! true; otherwise the key stays on the server and a warning says so.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write, required_str};
use crate::diagnostics;
use crate::issuers::rename_key;
use crate::validation;

/// The resource type.
pub(crate) struct PkiKey;

/// The state model (no `Debug`: it carries the imported PEM during apply).
#[derive(Serialize, Deserialize)]
pub(crate) struct PkiKeyState {
    id: Option<String>,
    mount: String,
    key_id: Option<String>,
    key_name: Option<String>,
    key_type: Option<String>,
    key_bits: Option<i64>,
    pem_bundle_wo: Option<String>,
    pem_bundle_wo_version: Option<i64>,
    delete_on_destroy: Option<bool>,
}

impl Resource for PkiKey {
    type Client = Api;
    type State = PkiKeyState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_key"
    }

    fn schema(&self) -> Schema {
        Schema::new("A key of a PKI mount (`<mount>/key/<key_id>`): generated inside the server, or imported from a PEM private key through the write-only `pem_bundle_wo`. Renaming it changes it in place; destroying it deletes it only when `delete_on_destroy` is true (the server refuses while an issuer uses it).")
            .attribute(Attribute::string("id", "The API path, `<mount>/key/<key_id>`; import takes it (a key name works too).").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the key.").required().requires_replace())
            .attribute(Attribute::string("key_id", "The key's ID, given by the server.").computed().use_state_for_unknown())
            .attribute(Attribute::string("key_name", "The key's name, unique in the mount (not `default`); changed in place. Left out, the key has no name.").optional_computed().use_state_for_unknown())
            .attribute(Attribute::string("key_type", "Type of a generated key: `rsa` (the server's default), `ec` or `ed25519`. For an imported key, the server tells. Changing it replaces the key.").optional_computed().use_state_for_unknown().requires_replace())
            .attribute(Attribute::number("key_bits", "Size of a generated key: 2048, 3072, 4096 or 8192 for RSA; 224, 256, 384 or 521 for EC; 0 for the type's default. Changing it replaces the key.").optional().requires_replace())
            .attribute(Attribute::string("pem_bundle_wo", "A PEM private key to import instead of generating one (write-only: never stored in the plan or the state; e.g. `file(...)` or an ephemeral resource). Changing it alone is not seen: change `pem_bundle_wo_version` to import the current value as a new key.").optional().write_only().sensitive())
            .attribute(Attribute::number("pem_bundle_wo_version", "Any number; changing it replaces the key with the current `pem_bundle_wo`.").optional().requires_replace())
            .attribute(Attribute::bool("delete_on_destroy", "Delete the key from the server when the resource is destroyed (default false: the key stays and a warning says so).").optional())
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        if !config.attr("pem_bundle_wo").is_null() {
            if let Some(a) = ["key_type", "key_bits"]
                .into_iter()
                .find(|a| !config.attr(a).is_null())
            {
                return diagnostics::invalid_attribute(
                    a,
                    format!(
                        "`{a}` describes a key the server generates and cannot be set together with `pem_bundle_wo`, which imports one (the server reads its type from the PEM)."
                    ),
                );
            }
            return Diagnostics::new();
        }
        validation::key(config, false)
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_create()
            && plan.config.attr("key_name").is_null()
            && plan.planned.attr("key_name") == &Value::Unknown
        {
            plan.planned.set_attr("key_name", Value::from(""));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiKeyState,
    ) -> Result<PkiKeyState, Diagnostics> {
        let api = ctx.client()?;
        let mount = plan.mount.trim_matches('/').to_owned();
        let mut body = Map::new();
        if let Some(name) = plan.key_name.as_deref().filter(|n| !n.is_empty()) {
            body.insert("key_name".into(), json!(name));
        }
        let (action, path) = if let Some(pem) = &plan.pem_bundle_wo {
            body.insert("pem_bundle".into(), json!(pem));
            (
                format!("import a key into {mount}"),
                format!("{mount}/keys/import"),
            )
        } else {
            if let Some(t) = &plan.key_type {
                body.insert("key_type".into(), json!(t));
            }
            if let Some(b) = plan.key_bits {
                body.insert("key_bits".into(), json!(b));
            }
            (
                format!("generate a key in {mount}"),
                format!("{mount}/keys/generate/internal"),
            )
        };
        let data = api
            .write_for_data(&action, &path, &Json::Object(body), Write::Creates)
            .await?;
        let key_id = required_str(&data, "key_id", &action, &path)?;
        let state = PkiKeyState {
            key_id: Some(key_id),
            pem_bundle_wo: None,
            ..plan
        };
        fetch(api, state).await?.ok_or_else(|| {
            diagnostics::unexpected_response(
                &action,
                &path,
                "the key is gone right after creating it",
            )
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiKeyState,
    ) -> Result<Option<PkiKeyState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiKeyState,
        plan: PkiKeyState,
    ) -> Result<PkiKeyState, Diagnostics> {
        let api = ctx.client()?;
        let path = key_path(&plan.mount, plan.key_id.as_deref().unwrap_or_default());
        rename_key(
            api,
            &path,
            prior.key_name.as_deref(),
            plan.key_name.as_deref(),
        )
        .await?;
        let state = PkiKeyState {
            pem_bundle_wo: None,
            ..plan
        };
        fetch(api, state).await?.ok_or_else(|| {
            diagnostics::unexpected_response(
                &format!("rename the key {path}"),
                &path,
                "the key is gone",
            )
        })
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Api>, state: PkiKeyState) -> Result<(), Diagnostics> {
        let path = key_path(&state.mount, state.key_id.as_deref().unwrap_or_default());
        if state.delete_on_destroy != Some(true) {
            ctx.diagnostics.push(diagnostics::key_left_on_server(&path));
            return Ok(());
        }
        ctx.client()?
            .delete(&format!("delete the key {path}"), &path)
            .await
    }

    async fn import(&self, _ctx: &mut Ctx<'_, Api>, id: &str) -> Result<PkiKeyState, Diagnostics> {
        let bad = || diagnostics::bad_import_id("vaultpki_pki_key", id, "<mount>/key/<key_id>");
        let (mount, key) = id.trim_matches('/').rsplit_once("/key/").ok_or_else(bad)?;
        if mount.is_empty() || key.is_empty() || key.contains('/') {
            return Err(bad());
        }
        Ok(PkiKeyState {
            id: Some(key_path(mount, key)),
            mount: mount.to_owned(),
            key_id: Some(key.to_owned()),
            key_name: None,
            key_type: None,
            key_bits: None,
            pem_bundle_wo: None,
            pem_bundle_wo_version: None,
            delete_on_destroy: None,
        })
    }
}

fn key_path(mount: &str, key: &str) -> String {
    format!("{}/key/{key}", mount.trim_matches('/'))
}

/// Reads the key by its ID (or, after an import, the reference the ID named); `None` when gone.
async fn fetch(api: &Api, state: PkiKeyState) -> Result<Option<PkiKeyState>, Diagnostics> {
    let Some(key) = state.key_id.as_deref() else {
        return Ok(None);
    };
    let path = key_path(&state.mount, key);
    let action = format!("read the key {path}");
    let Some(data) = api.read_pki(&action, &path).await? else {
        return Ok(None);
    };
    let key_id = required_str(&data, "key_id", &action, &path)?;
    let text = |k: &str| data.get(k).and_then(Json::as_str).map(str::to_owned);
    Ok(Some(PkiKeyState {
        id: Some(key_path(&state.mount, &key_id)),
        key_id: Some(key_id),
        key_name: text("key_name").or(state.key_name),
        key_type: text("key_type").or(state.key_type),
        ..state
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiKey.schema().check().unwrap();
    }

    #[test]
    fn an_imported_pem_refuses_generation_settings() {
        let mut config = Value::Null;
        config.set_attr("pem_bundle_wo", Value::from("PEM"));
        assert!(PkiKey.validate(&config).0.is_empty());
        config.set_attr("key_type", Value::from("ec"));
        let d = PkiKey.validate(&config);
        assert!(
            d.0[0]
                .detail
                .starts_with("`key_type` describes a key the server generates"),
            "{:?}",
            d.0
        );
    }

    #[test]
    fn key_bits_must_fit_the_key_type() {
        let mut config = Value::Null;
        config.set_attr("key_type", Value::from("ec"));
        config.set_attr("key_bits", Value::from(2048_i64));
        assert!(!PkiKey.validate(&config).0.is_empty());
    }
}
