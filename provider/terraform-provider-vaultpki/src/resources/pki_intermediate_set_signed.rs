//! `vaultpki_pki_intermediate_set_signed`: hands the signed intermediate certificate (and its
//! chain) back to the mount whose key made the CSR (`<mount>/intermediate/set-signed`), which
//! turns it into an issuer. The ID is that issuer's API path, `<mount>/issuer/<issuer_id>`, and
//! import takes it.
//!
//! `certificate` is compared by content, not text: the same certificates with other line
//! breaks are no change (the state keeps the text it has), while other certificates replace the
//! resource. An import reads the issuer's certificate and chain and sets `delete_on_destroy` to
//! its default, false; until the next apply (see `imports`), a configured `certificate` whose
//! first certificate is the issuer's is no change whatever chain follows it, so `terraform plan`
//! right after the import is empty. Destroying it leaves the issuer on the server unless
//! `delete_on_destroy = true`, as for the root.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, AttributePath, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::imports;
use crate::issuers::issuer_left_on_server;
use crate::paths::{issuer_path, split_issuer_id};

/// The resource type.
pub(crate) struct PkiIntermediateSetSigned;

/// The state model.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiIntermediateSetSignedState {
    id: Option<String>,
    mount: String,
    certificate: String,
    delete_on_destroy: Option<bool>,
    issuer_id: Option<String>,
    key_id: Option<String>,
    imported_issuers: Option<Vec<String>>,
    imported_keys: Option<Vec<String>>,
}

impl Resource for PkiIntermediateSetSigned {
    type Client = Api;
    type State = PkiIntermediateSetSignedState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_intermediate_set_signed"
    }

    fn schema(&self) -> Schema {
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        Schema::new("Sets the signed intermediate certificate back into the mount that generated its key (`<mount>/intermediate/set-signed`), making it an issuer. Give the chain after the certificate so the server links the issuer to its parents. Destroying it deletes the issuer only with `delete_on_destroy = true`; otherwise it stays on the server and Terraform only forgets it (with a warning saying so).")
            .attribute(kept(Attribute::string("id", "The API path of the intermediate's issuer, `<mount>/issuer/<issuer_id>`; import takes it.")))
            .attribute(Attribute::string("mount", "Path of the PKI mount whose key made the CSR. Changing it replaces the resource.").required().requires_replace())
            .attribute(Attribute::string("certificate", "The signed certificate (PEM), optionally followed by its issuing chain. Other certificates replace the resource; the same ones in other text are no change. Right after an import, any chain after the issuer's own certificate is no change.").required())
            .attribute(Attribute::bool("delete_on_destroy", "Delete the intermediate's issuer from the server when the resource is destroyed or replaced (default false; an import sets the default).").optional_computed())
            .attribute(kept(Attribute::string("issuer_id", "The ID of the issuer holding the signed certificate and the server's key.")))
            .attribute(kept(Attribute::string("key_id", "The ID of the issuer's key.")))
            .attribute(kept(Attribute::string_list("imported_issuers", "The issuers this call created (empty when they already existed, e.g. after import).")))
            .attribute(kept(Attribute::string_list("imported_keys", "The keys this call created (normally empty: the key is already in the mount).")))
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_destroy() {
            return Diagnostics::new();
        }
        imports::plan_default(plan, "delete_on_destroy", Value::Bool(false));
        if plan.is_create() {
            return Diagnostics::new();
        }
        // A certificate that is unknown at plan time (e.g. a new signature from
        // vaultpki_pki_root_sign_intermediate) must plan the replacement now: deciding it only
        // once the value is known changes the action at apply, which Terraform refuses as an
        // inconsistent final plan.
        if plan.planned.attr("certificate").has_unknowns() {
            plan.requires_replace
                .push(AttributePath::root("certificate"));
            return Diagnostics::new();
        }
        let (Some(prior), Some(planned)) = (
            plan.prior.attr("certificate").as_str(),
            plan.planned.attr("certificate").as_str(),
        ) else {
            return Diagnostics::new();
        };
        let (prior_ders, planned_ders) = (ders(prior), ders(planned));
        let imported = imports::is_marked(&plan.private);
        if prior_ders == planned_ders
            || (imported && !planned_ders.is_empty() && prior_ders.first() == planned_ders.first())
        {
            // The same certificate: keep the text the state has (Terraform takes a planned
            // value equal to the prior one as no change).
            let kept = plan.prior.attr("certificate").clone();
            plan.planned.set_attr("certificate", kept);
        } else {
            plan.requires_replace
                .push(AttributePath::root("certificate"));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiIntermediateSetSignedState,
    ) -> Result<PkiIntermediateSetSignedState, Diagnostics> {
        let api = ctx.client()?;
        let mount = plan.mount.trim_matches('/').to_owned();
        let path = format!("{mount}/intermediate/set-signed");
        let action = format!("set the signed intermediate certificate with {path}");
        let answer = api
            .write(
                &action,
                &path,
                &json!({ "certificate": plan.certificate }),
                Write::SetsState,
            )
            .await?;
        let data = answer
            .as_ref()
            .and_then(|a| a.get("data"))
            .cloned()
            .unwrap_or(Json::Null);
        let list = |k: &str| -> Vec<String> {
            data.get(k)
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default()
        };
        // `mapping` is issuer ID → key ID; the intermediate is the issuer with a key here.
        let issuer_id = data
            .get("mapping")
            .and_then(Json::as_object)
            .and_then(|m| {
                m.iter()
                    .find(|(_, key)| key.as_str().is_some_and(|k| !k.is_empty()))
                    .map(|(issuer, _)| issuer.clone())
            })
            .ok_or_else(|| {
                diagnostics::unexpected_response(
                    &action,
                    &path,
                    "no issuer matches a key of this mount; was the CSR generated in this mount?",
                )
            })?;
        let state = PkiIntermediateSetSignedState {
            issuer_id: Some(issuer_id),
            imported_issuers: Some(list("imported_issuers")),
            imported_keys: Some(list("imported_keys")),
            ..plan
        };
        fetch(api, state).await?.ok_or_else(|| {
            diagnostics::unexpected_response(
                &action,
                &path,
                "the issuer is gone right after setting it",
            )
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiIntermediateSetSignedState,
    ) -> Result<Option<PkiIntermediateSetSignedState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiIntermediateSetSignedState,
        plan: PkiIntermediateSetSignedState,
    ) -> Result<PkiIntermediateSetSignedState, Diagnostics> {
        imports::unmark(&mut ctx.private);
        // Only the text of the same certificates or `delete_on_destroy` changed (see
        // `modify_plan`): nothing to send.
        Ok(PkiIntermediateSetSignedState {
            id: prior.id,
            issuer_id: prior.issuer_id,
            key_id: prior.key_id,
            imported_issuers: prior.imported_issuers,
            imported_keys: prior.imported_keys,
            ..plan
        })
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiIntermediateSetSignedState,
    ) -> Result<(), Diagnostics> {
        let api = ctx.client()?;
        let path = issuer_path(&state.mount, state.issuer_id.as_deref().unwrap_or_default());
        if state.delete_on_destroy == Some(true) {
            return api
                .delete(&format!("delete the intermediate issuer {path}"), &path)
                .await;
        }
        ctx.diagnostics
            .push(issuer_left_on_server("intermediate CA issuer", &path));
        Ok(())
    }

    async fn import(
        &self,
        ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiIntermediateSetSignedState, Diagnostics> {
        let (mount, issuer) = split_issuer_id("vaultpki_pki_intermediate_set_signed", id)?;
        imports::mark(&mut ctx.private);
        Ok(PkiIntermediateSetSignedState {
            id: None,
            mount: mount.to_owned(),
            certificate: String::new(),
            delete_on_destroy: Some(false),
            issuer_id: Some(issuer.to_owned()),
            key_id: None,
            imported_issuers: Some(Vec::new()),
            imported_keys: Some(Vec::new()),
        })
    }
}

/// The DER of every certificate in a PEM text (unreadable blocks are skipped: the comparison
/// only decides between "same certificates" and "replace").
fn ders(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Ok((tail, pem)) = x509_parser::pem::parse_x509_pem(rest) {
        out.push(pem.contents);
        rest = tail;
    }
    out
}

async fn fetch(
    api: &Api,
    state: PkiIntermediateSetSignedState,
) -> Result<Option<PkiIntermediateSetSignedState>, Diagnostics> {
    let path = issuer_path(&state.mount, state.issuer_id.as_deref().unwrap_or_default());
    let action = format!("read the issuer {path}");
    let Some(data) = api.read_pki(&action, &path).await? else {
        return Ok(None);
    };
    let text = |k: &str| data.get(k).and_then(Json::as_str).map(str::to_owned);
    let server_cert = text("certificate")
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no certificate"))?;
    let issuer_id = text("issuer_id")
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no issuer_id"))?;
    // Keep the configured text while its first certificate is the issuer's; otherwise (drift,
    // or an import) the server's certificate followed by its chain.
    let certificate = match ders(&state.certificate).first() {
        Some(first) if ders(&server_cert).first() == Some(first) => state.certificate,
        _ => {
            let chain: Vec<String> = data
                .get("ca_chain")
                .and_then(|c| serde_json::from_value(c.clone()).ok())
                .unwrap_or_default();
            let mut pems = vec![server_cert.trim().to_owned()];
            pems.extend(
                chain
                    .iter()
                    .map(|c| c.trim().to_owned())
                    .filter(|c| ders(c).first() != ders(&server_cert).first()),
            );
            pems.join("\n") + "\n"
        }
    };
    Ok(Some(PkiIntermediateSetSignedState {
        id: Some(issuer_path(&state.mount, &issuer_id)),
        key_id: text("key_id"),
        issuer_id: Some(issuer_id),
        certificate,
        ..state
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiIntermediateSetSigned.schema().check().unwrap();
    }

    #[test]
    fn certificates_compare_by_content() {
        let pem = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
        let other = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
        assert_eq!(ders(pem), ders(&format!("\n{}", pem.trim())));
        assert_ne!(ders(pem), ders(other));
        assert_eq!(ders(&format!("{pem}{other}")).len(), 2);
    }
}
