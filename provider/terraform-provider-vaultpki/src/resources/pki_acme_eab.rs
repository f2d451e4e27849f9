//! `vaultpki_pki_acme_eab`: an ACME external account binding key of a PKI mount, created with
//! `<mount>/acme/new-eab`, seen through `LIST <mount>/eab` and destroyed with
//! `DELETE <mount>/eab/<key_id>`. The server shows the key only in the answer to the creation, so
//! it is sensitive, and an import (by `<mount>/eab/<key_id>`) brings back everything but the key.
//! A key that was used up by an ACME account or deleted outside Terraform leaves the state, and
//! the next apply creates a new one.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Resource, Schema};

use crate::api::{Api, Write};
use crate::diagnostics;

/// The resource type.
pub(crate) struct PkiAcmeEab;

/// The state model.
#[derive(Serialize, Deserialize)]
pub(crate) struct PkiAcmeEabState {
    id: Option<String>,
    mount: String,
    key_id: Option<String>,
    key: Option<String>,
    key_type: Option<String>,
    acme_directory: Option<String>,
    created_on: Option<String>,
}

impl std::fmt::Debug for PkiAcmeEabState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkiAcmeEabState")
            .field("id", &self.id)
            .field("key_id", &self.key_id)
            .field("key", &self.key.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

impl Resource for PkiAcmeEab {
    type Client = Api;
    type State = PkiAcmeEabState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_acme_eab"
    }

    fn schema(&self) -> Schema {
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        Schema::new("An ACME external account binding (EAB) key of a PKI mount, for clients when `vaultpki_pki_config_acme`'s `eab_policy` requires one. Created with `<mount>/acme/new-eab` and destroyed with `DELETE <mount>/eab/<key_id>`; once an ACME account has used it, or it is deleted outside Terraform, it leaves the state and the next apply creates a new one. Import takes `<mount>/eab/<key_id>`, but the key itself cannot be imported: the server shows it only when it is created, so an imported resource has `key` null.")
            .attribute(kept(Attribute::string("id", "`<mount>/eab/<key_id>`.")))
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the key.").required().requires_replace())
            .attribute(kept(Attribute::string("key_id", "The EAB key ID (the ACME client's `--eab-kid`).")))
            .attribute(kept(Attribute::string("key", "The EAB HMAC key, base64url (the ACME client's `--eab-hmac-key`). Only known to the run that created it, never to an import.")).sensitive())
            .attribute(kept(Attribute::string("key_type", "The key's type (`hs`, an HMAC key).")))
            .attribute(kept(Attribute::string("acme_directory", "The ACME directory the key belongs to, relative to the mount (`acme/directory`).")))
            .attribute(kept(Attribute::string("created_on", "When the key was created (RFC 3339).")))
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiAcmeEabState,
    ) -> Result<PkiAcmeEabState, Diagnostics> {
        let mount = plan.mount.trim_matches('/').to_owned();
        let path = format!("{mount}/acme/new-eab");
        let action = format!("create an ACME EAB key with {path}");
        let data = ctx
            .client()?
            .write_for_data(&action, &path, &json!({}), Write::Creates)
            .await?;
        let text = |k: &str| data.get(k).and_then(Json::as_str).map(str::to_owned);
        let key_id = text("id")
            .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no key id"))?;
        Ok(PkiAcmeEabState {
            id: Some(eab_path(&mount, &key_id)),
            mount: plan.mount,
            key: text("key"),
            key_type: text("key_type"),
            acme_directory: text("acme_directory"),
            created_on: text("created_on"),
            key_id: Some(key_id),
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiAcmeEabState,
    ) -> Result<Option<PkiAcmeEabState>, Diagnostics> {
        let Some(key_id) = state.key_id.clone() else {
            return Ok(None);
        };
        let mount = state.mount.trim_matches('/');
        // `LIST` as a `GET ?list=true`; an empty list is a 404.
        let list = format!("{mount}/eab?list=true");
        let Some(data) = ctx
            .client()?
            .read(&format!("list the ACME EAB keys of {mount}"), &list)
            .await?
        else {
            return Ok(None);
        };
        let Some(info) = data.get("key_info").and_then(|i| i.get(&key_id)) else {
            return Ok(None);
        };
        let text = |k: &str| info.get(k).and_then(Json::as_str).map(str::to_owned);
        Ok(Some(PkiAcmeEabState {
            id: Some(eab_path(mount, &key_id)),
            key_type: text("key_type").or(state.key_type),
            acme_directory: text("acme_directory").or(state.acme_directory),
            created_on: text("created_on").or(state.created_on),
            key_id: Some(key_id),
            key: state.key,
            mount: state.mount,
        }))
    }

    async fn update(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        prior: PkiAcmeEabState,
        _plan: PkiAcmeEabState,
    ) -> Result<PkiAcmeEabState, Diagnostics> {
        // The only input, `mount`, replaces the key; nothing else can change in place.
        Ok(prior)
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiAcmeEabState,
    ) -> Result<(), Diagnostics> {
        let Some(key_id) = &state.key_id else {
            return Ok(());
        };
        let path = eab_path(&state.mount, key_id);
        ctx.client()?
            .delete(&format!("delete the ACME EAB key {path}"), &path)
            .await
    }

    async fn import(
        &self,
        ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiAcmeEabState, Diagnostics> {
        let bad =
            || diagnostics::bad_import_id("vaultpki_pki_acme_eab", id, "<mount>/eab/<key_id>");
        let (mount, key_id) = id
            .trim_matches('/')
            .rsplit_once("/eab/")
            .filter(|(m, k)| !m.is_empty() && !k.is_empty() && !k.contains('/'))
            .ok_or_else(bad)?;
        ctx.diagnostics.push(diagnostics::eab_key_not_importable());
        Ok(PkiAcmeEabState {
            id: Some(eab_path(mount, key_id)),
            mount: mount.to_owned(),
            key_id: Some(key_id.to_owned()),
            key: None,
            key_type: None,
            acme_directory: None,
            created_on: None,
        })
    }
}

fn eab_path(mount: &str, key_id: &str) -> String {
    format!("{}/eab/{key_id}", mount.trim_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiAcmeEab.schema().check().unwrap();
    }

    #[test]
    fn eab_path_trims_nested_mounts() {
        assert_eq!(eab_path("/pki/int/eu/", "abc"), "pki/int/eu/eab/abc");
    }

    #[test]
    fn debug_redacts_the_key() {
        let state = PkiAcmeEabState {
            id: None,
            mount: "pki".to_owned(),
            key_id: Some("kid".to_owned()),
            key: Some("hmac-secret".to_owned()),
            key_type: None,
            acme_directory: None,
            created_on: None,
        };
        let text = format!("{state:?}");
        assert!(!text.contains("hmac-secret"), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}
