//! `vaultpki_pki_config_ca`: hands a CA made outside the server — certificate(s) and private
//! key in one PEM bundle — to a PKI mount through `<mount>/config/ca`, which turns them into
//! issuers and keys. The bundle is taken only through the write-only `pem_bundle_wo`, so the
//! private key never enters the plan or the state; Terraform cannot see a changed bundle, so
//! `pem_bundle_wo_version` says when to send it again (changing it re-sends the current value
//! in place; sending a bundle the mount already has changes nothing).
//!
//! The state records what the bundle became: `issuer_ids` and `key_ids` (from the answer's
//! issuer → key mapping, which lists new and already present objects alike). A refresh that
//! finds one of those issuers gone drops the resource, so the next apply sends the bundle again.
//! The ID is the API path `<mount>/config/ca`; the endpoint cannot be read back, so import takes
//! every issuer and key the mount has. Destroying it leaves them unless `delete_on_destroy`.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema};

use super::config_singleton::{mount_attribute, mount_from_id, path, plan_id};
use crate::api::{Api, Write};
use crate::diagnostics;
use crate::issuers::issuer_left_on_server;

/// The resource type.
pub(crate) struct PkiConfigCa;

/// The state model. `pem_bundle_wo` holds the private key during create and update only
/// (write-only: always null in plan and state), hence the hand-written `Debug`.
#[derive(Serialize, Deserialize)]
pub(crate) struct PkiConfigCaState {
    id: Option<String>,
    mount: String,
    pem_bundle_wo: Option<String>,
    pem_bundle_wo_version: Option<i64>,
    delete_on_destroy: Option<bool>,
    issuer_ids: Option<Vec<String>>,
    key_ids: Option<Vec<String>>,
}

impl std::fmt::Debug for PkiConfigCaState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkiConfigCaState")
            .field("id", &self.id)
            .field("mount", &self.mount)
            .field(
                "pem_bundle_wo",
                &self.pem_bundle_wo.as_ref().map(|_| "[redacted]"),
            )
            .field("pem_bundle_wo_version", &self.pem_bundle_wo_version)
            .field("issuer_ids", &self.issuer_ids)
            .field("key_ids", &self.key_ids)
            .finish_non_exhaustive()
    }
}

impl Resource for PkiConfigCa {
    type Client = Api;
    type State = PkiConfigCaState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_config_ca"
    }

    fn schema(&self) -> Schema {
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        Schema::new("Imports a CA made outside the server — its certificate (optionally with its chain) and private key in one PEM bundle — into a PKI mount (`<mount>/config/ca`), where it becomes issuers and keys. The bundle is write-only (`pem_bundle_wo`, Terraform 1.11+): the private key never enters the plan or the state. A changed bundle is only sent when `pem_bundle_wo_version` changes. Destroying the resource deletes the issuers and keys only with `delete_on_destroy = true`; otherwise they stay on the server.")
            .attribute(kept(Attribute::string("id", "The API path, `<mount>/config/ca`; import takes it (and records every issuer and key of the mount).")))
            .attribute(mount_attribute())
            .attribute(Attribute::string("pem_bundle_wo", "The PEM bundle: the CA certificate, optionally its chain, and its private key (write-only: never stored in the plan or the state; e.g. `file(...)` or an ephemeral resource). Changing it alone is not seen: change `pem_bundle_wo_version` to send the current value.").required().write_only().sensitive())
            .attribute(Attribute::number("pem_bundle_wo_version", "Any number; changing it sends the current `pem_bundle_wo` again (in place).").required())
            .attribute(Attribute::bool("delete_on_destroy", "Delete the issuers and keys in `issuer_ids` and `key_ids` from the server when the resource is destroyed (default false: they stay)."))
            .attribute(Attribute::string_list("issuer_ids", "The IDs of the mount's issuers for the certificates of the bundle, sorted.").computed())
            .attribute(Attribute::string_list("key_ids", "The IDs of the mount's keys for the bundle, sorted.").computed())
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        plan_id(plan, SUFFIX);
        // Only a new version sends the bundle again: a change of `delete_on_destroy` alone
        // keeps what the last send recorded.
        if !plan.is_create()
            && !plan.is_destroy()
            && plan.planned.attr("pem_bundle_wo_version")
                == plan.prior.attr("pem_bundle_wo_version")
        {
            for name in ["issuer_ids", "key_ids"] {
                let prior = plan.prior.attr(name).clone();
                plan.planned.set_attr(name, prior);
            }
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiConfigCaState,
    ) -> Result<PkiConfigCaState, Diagnostics> {
        send(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigCaState,
    ) -> Result<Option<PkiConfigCaState>, Diagnostics> {
        let api = ctx.client()?;
        let mount = state.mount.trim_matches('/').to_owned();
        for id in state.issuer_ids.iter().flatten() {
            let path = format!("{mount}/issuer/{id}");
            if api
                .read_pki(&format!("read the issuer {path}"), &path)
                .await?
                .is_none()
            {
                return Ok(None);
            }
        }
        Ok(Some(PkiConfigCaState {
            id: Some(ca_path(&mount)),
            pem_bundle_wo: None,
            ..state
        }))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiConfigCaState,
        plan: PkiConfigCaState,
    ) -> Result<PkiConfigCaState, Diagnostics> {
        if plan.pem_bundle_wo_version == prior.pem_bundle_wo_version {
            return Ok(PkiConfigCaState {
                pem_bundle_wo: None,
                issuer_ids: prior.issuer_ids,
                key_ids: prior.key_ids,
                ..plan
            });
        }
        send(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigCaState,
    ) -> Result<(), Diagnostics> {
        let api = ctx.client()?;
        let mount = state.mount.trim_matches('/').to_owned();
        if state.delete_on_destroy != Some(true) {
            ctx.diagnostics.push(issuer_left_on_server(
                "imported CA",
                &format!("{mount}/issuers"),
            ));
            return Ok(());
        }
        // Issuers first: a key still used by an issuer cannot be deleted.
        for id in state.issuer_ids.iter().flatten() {
            let path = format!("{mount}/issuer/{id}");
            api.delete(&format!("delete the issuer {path}"), &path)
                .await?;
        }
        for id in state.key_ids.iter().flatten() {
            let path = format!("{mount}/key/{id}");
            api.delete(&format!("delete the key {path}"), &path).await?;
        }
        Ok(())
    }

    async fn import(
        &self,
        ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiConfigCaState, Diagnostics> {
        let mount = mount_from_id(self.type_name(), id, SUFFIX)?;
        let api = ctx.client()?;
        let list = |what: &'static str| {
            let path = format!("{mount}/{what}?list=true");
            async move {
                let data = api.read(&format!("list {mount}/{what}"), &path).await?;
                Ok::<_, Diagnostics>(sorted(
                    data.as_ref()
                        .and_then(|d| d.get("keys"))
                        .and_then(Json::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_str)
                        .map(str::to_owned)
                        .collect(),
                ))
            }
        };
        let issuer_ids = list("issuers").await?;
        let key_ids = list("keys").await?;
        Ok(PkiConfigCaState {
            id: Some(ca_path(mount)),
            mount: mount.to_owned(),
            pem_bundle_wo: None,
            pem_bundle_wo_version: None,
            delete_on_destroy: None,
            issuer_ids: Some(issuer_ids),
            key_ids: Some(key_ids),
        })
    }
}

const SUFFIX: &str = "config/ca";

fn ca_path(mount: &str) -> String {
    path(mount, SUFFIX)
}

/// Sends the bundle and records what it became.
async fn send(api: &Api, plan: PkiConfigCaState) -> Result<PkiConfigCaState, Diagnostics> {
    let path = ca_path(&plan.mount);
    let action = format!("import the CA bundle with {path}");
    let Some(bundle) = plan
        .pem_bundle_wo
        .as_deref()
        .filter(|b| !b.trim().is_empty())
    else {
        return Err(diagnostics::invalid_attribute(
            "pem_bundle_wo",
            "pem_bundle_wo is empty or unknown at apply time: give the PEM bundle (certificate and private key) to send.",
        ));
    };
    let data = api
        .write_for_data(
            &action,
            &path,
            &json!({ "pem_bundle": bundle }),
            Write::SetsState,
        )
        .await?;
    let (issuer_ids, key_ids) = ids_from_answer(&data);
    if issuer_ids.is_empty() {
        return Err(diagnostics::unexpected_response(
            &action,
            &path,
            "no issuer in the mapping (the bundle holds no certificate?)",
        ));
    }
    Ok(PkiConfigCaState {
        id: Some(path),
        pem_bundle_wo: None,
        issuer_ids: Some(issuer_ids),
        key_ids: Some(key_ids),
        ..plan
    })
}

/// The issuers and keys of the bundle: the issuer → key `mapping` covers new and existing
/// issuers; keys come from it and from the imported/existing key lists (a key without a
/// certificate has no mapping entry).
fn ids_from_answer(data: &Json) -> (Vec<String>, Vec<String>) {
    let mapping = data.get("mapping").and_then(Json::as_object);
    let issuers = mapping
        .into_iter()
        .flat_map(|m| m.keys().cloned())
        .collect();
    let mut keys: Vec<String> = mapping
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(Json::as_str)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect();
    for list in ["imported_keys", "existing_keys"] {
        keys.extend(
            data.get(list)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
                .map(str::to_owned),
        );
    }
    (sorted(issuers), sorted(keys))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiConfigCa.schema().check().unwrap();
    }

    #[test]
    fn the_bundle_never_shows_in_debug() {
        let state = PkiConfigCaState {
            id: None,
            mount: "pki".to_owned(),
            pem_bundle_wo: Some("-----BEGIN PRIVATE KEY-----\nsecret".to_owned()),
            pem_bundle_wo_version: Some(1),
            delete_on_destroy: None,
            issuer_ids: None,
            key_ids: None,
        };
        let shown = format!("{state:?}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn ids_come_from_the_mapping_and_the_key_lists() {
        let first = json!({
            "imported_issuers": ["i2", "i1"], "imported_keys": ["k1"],
            "existing_issuers": null, "existing_keys": null,
            "mapping": {"i2": "k1", "i1": ""},
        });
        assert_eq!(
            ids_from_answer(&first),
            (vec!["i1".into(), "i2".into()], vec!["k1".into()])
        );
        // Sent again: everything is "existing", the result is the same.
        let again = json!({
            "imported_issuers": null, "imported_keys": null,
            "existing_issuers": ["i1", "i2"], "existing_keys": ["k1"],
            "mapping": {"i1": "", "i2": "k1"},
        });
        assert_eq!(ids_from_answer(&again), ids_from_answer(&first));
    }
}
