//! `vaultpki_pki_intermediate_csr`: a key generated inside the server and a CSR for it
//! (`<mount>/intermediate/generate/internal`), to be signed by a root elsewhere (another mount,
//! or an offline root) and set back with `vaultpki_pki_intermediate_set_signed`. The key never
//! leaves the server; only the CSR (public) and the key's ID reach the state.
//!
//! The server keeps the key, not the CSR, so the resource's object is the key
//! (`<mount>/key/<key_id>`): a key deleted outside Terraform drops the resource from the state.
//! Import is refused, because the CSR and the subject it was made for cannot be read back.
//! Destroying it leaves the key on the server: once the signed certificate is set, the
//! intermediate issuer signs with it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostic, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write, required_str};
use crate::diagnostics;
use crate::generation::{self, Generation};
use crate::issuance::{Subject, attributes, insert_lists};
use crate::issuers::{rename_key, validate_key_ref};
use crate::validation;

/// The resource type.
pub(crate) struct PkiIntermediateCsr;

/// The state model.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiIntermediateCsrState {
    id: Option<String>,
    mount: String,
    common_name: String,
    organization: Option<Vec<String>>,
    alt_names: Option<Vec<String>>,
    ip_sans: Option<Vec<String>>,
    uri_sans: Option<Vec<String>>,
    other_sans: Option<Vec<String>>,
    exclude_cn_from_sans: Option<bool>,
    #[serde(flatten)]
    subject: Subject,
    signature_bits: Option<i64>,
    use_pss: Option<bool>,
    key_type: Option<String>,
    key_bits: Option<i64>,
    key_name: Option<String>,
    key_ref: Option<String>,
    #[serde(flatten)]
    generation: Generation,
    csr: Option<String>,
    key_id: Option<String>,
}

impl Resource for PkiIntermediateCsr {
    type Client = Api;
    type State = PkiIntermediateCsrState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_intermediate_csr"
    }

    fn schema(&self) -> Schema {
        let [a, b, c] = generation::attributes();
        let replace = |a: Attribute| a.requires_replace();
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        let schema = Schema::new("A key generated inside the server and a certificate signing request for it (`<mount>/intermediate/generate/internal`). The key never leaves the server; sign `csr` with the parent CA and set the result back with `vaultpki_pki_intermediate_set_signed`. Changing the subject or key creates a new key and CSR. Destroying it leaves the key on the server (the intermediate issuer signs with it). Import is not supported: the server does not keep the CSR.")
            .attribute(kept(Attribute::string("id", "The key's API path, `<mount>/key/<key_id>`.")))
            .attribute(replace(Attribute::string("mount", "Path of the PKI mount.").required()))
            .attribute(replace(Attribute::string("common_name", "The requested subject common name.").required()))
            .attribute(replace(Attribute::string_list("organization", "Requested subject O values.")))
            .attribute(replace(Attribute::string_list("alt_names", "Requested DNS subject alternative names.")))
            .attribute(replace(Attribute::string_list("ip_sans", "Requested IP subject alternative names.")))
            .attribute(replace(Attribute::string_list("uri_sans", "Requested URI subject alternative names.")))
            .attribute(replace(attributes::other_sans()))
            .attribute(replace(attributes::exclude_cn_from_sans()));
        // OpenBao's intermediate/generate has no key_usage or name constraints, and a CSR has no
        // validity: the signer sets them (vaultpki_pki_root_sign_intermediate has all three).
        let schema = attributes::add(schema, replace, attributes::subject());
        // For a CSR these shape its self-signature.
        attributes::add(schema, replace, attributes::signature())
            .attribute(replace(Attribute::string("key_type", "Key type: `rsa` (server default), `ec` or `ed25519`.")))
            .attribute(replace(Attribute::number("key_bits", "Key size (RSA) or curve size (EC); left out, the type's default.")))
            .attribute(Attribute::string("key_name", "Name of the new key. Changing it renames the key in place.").optional_computed().use_state_for_unknown())
            .attribute(replace(Attribute::string("key_ref", "An existing key of the mount (name or ID) to make the CSR for instead of generating one (`<mount>/intermediate/generate/existing`).")))
            .attribute(kept(Attribute::string("csr", "The certificate signing request (PEM).")))
            .attribute(kept(Attribute::string("key_id", "The ID of the key in the server.")))
            .attribute(a)
            .attribute(b)
            .attribute(c)
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if !plan.is_destroy() {
            generation::plan(plan);
        }
        Diagnostics::new()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = validate_key_ref(config, "uses an existing key");
        diags.extend(validation::key(config, false));
        diags.extend(validation::ca_inputs(config));
        diags.extend(generation::validate(config));
        diags
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiIntermediateCsrState,
    ) -> Result<PkiIntermediateCsrState, Diagnostics> {
        let api = ctx.client()?;
        let mount = plan.mount.trim_matches('/').to_owned();
        let kind = if plan.key_ref.is_some() {
            "existing"
        } else {
            "internal"
        };
        let path = format!("{mount}/intermediate/generate/{kind}");
        let mut body = Map::new();
        body.insert("common_name".into(), json!(plan.common_name));
        for (name, list) in [
            ("organization", &plan.organization),
            ("alt_names", &plan.alt_names),
            ("ip_sans", &plan.ip_sans),
        ] {
            if let Some(l) = list.as_ref().filter(|l| !l.is_empty()) {
                body.insert(name.into(), json!(l.join(",")));
            }
        }
        if let Some(l) = plan.uri_sans.as_ref().filter(|l| !l.is_empty()) {
            body.insert("uri_sans".into(), json!(l.join(",")));
        }
        insert_lists(&mut body, [("other_sans", &plan.other_sans)]);
        insert_lists(&mut body, plan.subject.fields());
        if let Some(v) = plan.exclude_cn_from_sans {
            body.insert("exclude_cn_from_sans".into(), json!(v));
        }
        if let Some(v) = plan.signature_bits.filter(|n| *n != 0) {
            body.insert("signature_bits".into(), json!(v));
        }
        if let Some(v) = plan.use_pss {
            body.insert("use_pss".into(), json!(v));
        }
        if let Some(v) = &plan.key_type {
            body.insert("key_type".into(), json!(v));
        }
        if let Some(v) = plan.key_bits {
            body.insert("key_bits".into(), json!(v));
        }
        if let Some(v) = &plan.key_name {
            body.insert("key_name".into(), json!(v));
        }
        if let Some(v) = &plan.key_ref {
            body.insert("key_ref".into(), json!(v));
        }
        let action = format!(
            "generate an intermediate CSR for {:?} with {path}",
            plan.common_name
        );
        let data = api
            .write_for_data(&action, &path, &Json::Object(body), Write::Creates)
            .await?;
        let csr = required_str(&data, "csr", &action, &path)?;
        let key_id = required_str(&data, "key_id", &action, &path)?;
        let state = PkiIntermediateCsrState {
            id: Some(format!("{mount}/key/{key_id}")),
            csr: Some(csr),
            key_id: Some(key_id),
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
        state: PkiIntermediateCsrState,
    ) -> Result<Option<PkiIntermediateCsrState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiIntermediateCsrState,
        plan: PkiIntermediateCsrState,
    ) -> Result<PkiIntermediateCsrState, Diagnostics> {
        let api = ctx.client()?;
        let path = key_path(&plan.mount, prior.key_id.as_deref().unwrap_or_default());
        let (prior_name, planned_name) = (prior.key_name.as_deref(), plan.key_name.as_deref());
        rename_key(api, &path, prior_name, planned_name).await?;
        let state = PkiIntermediateCsrState {
            id: prior.id,
            csr: prior.csr,
            key_id: prior.key_id,
            ..plan
        };
        fetch(api, state).await?.ok_or_else(|| {
            diagnostics::unexpected_response("rename the key", &path, "the key is gone")
        })
    }

    async fn delete(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        _state: PkiIntermediateCsrState,
    ) -> Result<(), Diagnostics> {
        // The key stays: the intermediate issuer set from this CSR signs with it.
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        _id: &str,
    ) -> Result<PkiIntermediateCsrState, Diagnostics> {
        Err(Diagnostic::error(
            "vaultpki_pki_intermediate_csr cannot be imported",
            "The server keeps the key but not the CSR or the subject it was requested for, so the resource cannot be rebuilt from the server. Import the signed intermediate instead (`vaultpki_pki_intermediate_set_signed`, by `<mount>/issuer/<issuer_id>`), or generate a new CSR.",
        )
        .into())
    }
}

fn key_path(mount: &str, key_id: &str) -> String {
    format!("{}/key/{key_id}", mount.trim_matches('/'))
}

async fn fetch(
    api: &Api,
    state: PkiIntermediateCsrState,
) -> Result<Option<PkiIntermediateCsrState>, Diagnostics> {
    let path = key_path(&state.mount, state.key_id.as_deref().unwrap_or_default());
    let Some(data) = api.read_pki(&format!("read the key {path}"), &path).await? else {
        return Ok(None);
    };
    Ok(Some(PkiIntermediateCsrState {
        key_name: Some(
            data.get("key_name")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
        ),
        id: Some(path),
        generation: state.generation.read_back(),
        ..state
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiIntermediateCsr.schema().check().unwrap();
    }

    #[test]
    fn key_paths_trim_the_mount() {
        assert_eq!(key_path("/pki/int/", "k1"), "pki/int/key/k1");
    }
}
