//! `vaultpki_pki_issuer`: the settings of an issuer that already exists in a mount (made by
//! `vaultpki_pki_root_cert`, `vaultpki_pki_intermediate_set_signed`, or outside Terraform),
//! at `<mount>/issuer/<issuer_ref>`: its name, `leaf_not_after_behavior`, `usage`,
//! `manual_chain` and AIA URLs. Managing an issuer's settings is not owning the issuer:
//! destroying the resource changes nothing on the server unless `delete_on_destroy = true`.
//!
//! A POST to `<mount>/issuer/<ref>` resets every field it does not carry, so each write sends
//! the server's current settings with the configured ones laid over them. After creation the
//! issuer is addressed by its ID, so renaming it (`issuer_name`) cannot lose it.
//!
//! Import takes `<mount>/issuer/<issuer_id>` and sets `delete_on_destroy` to its default; a
//! configured `issuer_ref` that names the imported issuer by its ID or its current name is no
//! change, so `terraform plan` right after the import is empty.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use tfplugin::{
    Attribute, AttributePath, Ctx, Diagnostic, Diagnostics, Plan, Resource, Schema, Type, Value,
};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, field};
use crate::imports;
use crate::paths::{issuer_path, split_issuer_id};

/// The resource type.
pub(crate) struct PkiIssuer;

/// The state model: identity plus one entry per [`FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiIssuerState {
    id: Option<String>,
    mount: String,
    issuer_ref: String,
    delete_on_destroy: Option<bool>,
    issuer_id: Option<String>,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

use Kind::{Bool, String as Str, StringList as List};

/// The issuer settings of OpenBao 2.x / Vault 1.11+.
const FIELDS: &[Field] = &[
    field(
        "issuer_name",
        Str,
        "The issuer's name (unique in the mount).",
    ),
    field(
        "leaf_not_after_behavior",
        Str,
        "What happens when a leaf would outlive the issuer: `err`, `truncate` or `permit`.",
    ),
    field(
        "usage",
        List,
        "Allowed usages: `read-only`, `issuing-certificates`, `crl-signing`, `ocsp-signing`.",
    ),
    field(
        "manual_chain",
        List,
        "The chain to present instead of the one the server builds: issuer references, this issuer first.",
    ),
    field(
        "revocation_signature_algorithm",
        Str,
        "Signature algorithm for CRLs and OCSP responses, e.g. `SHA256WithECDSA`.",
    ),
    field(
        "issuing_certificates",
        List,
        "AIA: URLs where this issuer's certificate can be fetched.",
    ),
    field(
        "crl_distribution_points",
        List,
        "AIA: URLs of this issuer's CRL.",
    ),
    field("ocsp_servers", List, "AIA: URLs of OCSP responders."),
    field(
        "enable_aia_url_templating",
        Bool,
        "Whether the AIA URLs may hold templates such as `{{issuer_id}}`.",
    ),
];

impl Resource for PkiIssuer {
    type Client = Api;
    type State = PkiIssuerState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_issuer"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("The settings of an existing issuer (`<mount>/issuer/<issuer_ref>`): name, `leaf_not_after_behavior`, `usage`, `manual_chain` and AIA URLs. Settings left out keep the server's values without a diff. Destroying the resource changes and deletes nothing on the server unless `delete_on_destroy = true`, which deletes the issuer.")
            .attribute(Attribute::string("id", "The issuer's API path, `<mount>/issuer/<issuer_id>`; import takes it.").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the resource.").required().requires_replace())
            .attribute(Attribute::string("issuer_ref", "The issuer to manage, by name or ID (after creation it is addressed by ID). Changing it replaces the resource.").required().requires_replace())
            .attribute(Attribute::bool("delete_on_destroy", "Delete the issuer from the server when the resource is destroyed (default false: the issuer and its settings stay; an import sets the default).").optional_computed())
            .attribute(Attribute::string("issuer_id", "The issuer's ID.").computed().use_state_for_unknown());
        for a in fields::attributes(FIELDS) {
            // The server keeps usages unordered (and answers sorted): a set shows no diff for
            // another order, also after an import.
            let a = if a.name == "usage" {
                Attribute::new("usage", Type::set(Type::String), a.description)
                    .optional_computed()
                    .use_state_for_unknown()
            } else {
                a
            };
            schema = schema.attribute(a);
        }
        schema
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_destroy() {
            return Diagnostics::new();
        }
        imports::plan_default(plan, "delete_on_destroy", Value::Bool(false));
        if plan.is_create() {
            return Diagnostics::new();
        }
        // The same issuer by its ID or its current name (as after an import) is no change.
        let configured = plan.config.attr("issuer_ref").as_str().map(str::to_owned);
        let prior_ref = plan.prior.attr("issuer_ref").clone();
        let same_issuer = configured.as_deref().is_some_and(|c| {
            prior_ref.as_str() == Some(c)
                || plan.prior.attr("issuer_id").as_str() == Some(c)
                || plan.prior.attr("issuer_name").as_str() == Some(c)
        });
        if same_issuer && !prior_ref.is_null() {
            plan.planned.set_attr("issuer_ref", prior_ref);
            plan.requires_replace
                .retain(|p| *p != AttributePath::root("issuer_ref"));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiIssuerState,
    ) -> Result<PkiIssuerState, Diagnostics> {
        let api = ctx.client()?;
        let path = issuer_path(&plan.mount, &plan.issuer_ref);
        let action = format!("read the issuer {path}");
        let current = api
            .read_pki(&action, &path)
            .await?
            .ok_or_else(|| not_found(&plan.mount, &plan.issuer_ref))?;
        let issuer_id = current
            .get("issuer_id")
            .and_then(Json::as_str)
            .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no issuer_id"))?
            .to_owned();
        let plan = PkiIssuerState {
            issuer_id: Some(issuer_id),
            ..plan
        };
        write_and_read(api, plan, current).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiIssuerState,
    ) -> Result<Option<PkiIssuerState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiIssuerState,
        plan: PkiIssuerState,
    ) -> Result<PkiIssuerState, Diagnostics> {
        let api = ctx.client()?;
        let plan = PkiIssuerState {
            issuer_id: prior.issuer_id,
            ..plan
        };
        let path = issuer_path(&plan.mount, plan.issuer_id.as_deref().unwrap_or_default());
        let current = api
            .read_pki(&format!("read the issuer {path}"), &path)
            .await?
            .ok_or_else(|| not_found(&plan.mount, &plan.issuer_ref))?;
        write_and_read(api, plan, current).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiIssuerState,
    ) -> Result<(), Diagnostics> {
        if state.delete_on_destroy != Some(true) {
            return Ok(());
        }
        let path = issuer_path(&state.mount, state.issuer_id.as_deref().unwrap_or_default());
        ctx.client()?
            .delete(&format!("delete the issuer {path}"), &path)
            .await
    }

    fn move_state(
        &self,
        source_type_name: &str,
        source_version: i64,
        source_state: &Json,
    ) -> Option<Result<tfplugin::MovedState, Diagnostics>> {
        crate::migrate::move_into(self, source_type_name, source_version, source_state)
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiIssuerState, Diagnostics> {
        let (mount, issuer) = split_issuer_id("vaultpki_pki_issuer", id)?;
        Ok(PkiIssuerState {
            id: None,
            mount: mount.to_owned(),
            issuer_ref: issuer.to_owned(),
            delete_on_destroy: Some(false),
            issuer_id: Some(issuer.to_owned()),
            fields: fields::nulls(FIELDS),
        })
    }
}

fn not_found(mount: &str, issuer_ref: &str) -> Diagnostics {
    Diagnostic::error(
        "Issuer not found",
        format!(
            "There is no issuer {issuer_ref:?} in the mount {mount}; vaultpki_pki_issuer manages the settings of an existing issuer. Create it first (vaultpki_pki_root_cert, vaultpki_pki_intermediate_set_signed) and check `mount` and `issuer_ref`."
        ),
    )
    .into()
}

async fn write_and_read(
    api: &Api,
    plan: PkiIssuerState,
    current: Json,
) -> Result<PkiIssuerState, Diagnostics> {
    let path = issuer_path(&plan.mount, plan.issuer_id.as_deref().unwrap_or_default());
    let mut body = Map::new();
    for f in FIELDS {
        if let Some(v) = current.get(f.name).filter(|v| !v.is_null()) {
            body.insert(f.name.to_owned(), v.clone());
        }
    }
    body.extend(fields::body(FIELDS, &plan.fields));
    let action = format!("write the issuer settings {path}");
    api.write(&action, &path, &Json::Object(body), Write::SetsState)
        .await?;
    fetch(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the issuer is gone"))
}

async fn fetch(api: &Api, state: PkiIssuerState) -> Result<Option<PkiIssuerState>, Diagnostics> {
    let path = issuer_path(&state.mount, state.issuer_id.as_deref().unwrap_or_default());
    let Some(data) = api
        .read_pki(&format!("read the issuer {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    let issuer_id = data
        .get("issuer_id")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut fields = fields::from_server(FIELDS, &data, &state.fields);
    // A set: one canonical order, so states compare equal whatever order was configured.
    if let Some(Json::Array(items)) = fields.get_mut("usage") {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    // The server leaves this out of its answer once the AIA settings were reset; absent is off.
    if let Some(v) = fields.get_mut("enable_aia_url_templating")
        && v.is_null()
    {
        *v = Json::Bool(false);
    }
    Ok(Some(PkiIssuerState {
        id: Some(issuer_path(&state.mount, &issuer_id)),
        issuer_id: Some(issuer_id),
        fields,
        ..state
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_is_well_formed() {
        PkiIssuer.schema().check().unwrap();
    }

    #[test]
    fn usage_as_the_server_spells_it_keeps_the_configured_list() {
        let prior: Map<String, Json> =
            serde_json::from_value(json!({"usage": ["issuing-certificates", "read-only"]}))
                .unwrap();
        let out = fields::from_server(
            FIELDS,
            &json!({"usage": "read-only,issuing-certificates", "manual_chain": null}),
            &prior,
        );
        assert_eq!(out["usage"], json!(["issuing-certificates", "read-only"]));
        assert_eq!(out["manual_chain"], json!([]));
    }
}
