//! `vaultpki_pki_config_issuers`: which issuer of a mount signs by default
//! (`<mount>/config/issuers`). The server answers with the issuer's ID; a `default` configured
//! by name is kept while it still names the same issuer, so it shows no diff. The setting always
//! exists, so destroying the resource changes nothing on the server.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema};

use super::config_singleton::{mount_attribute, mount_from_id, path, plan_id};
use crate::api::{Api, Write};
use crate::diagnostics;

/// The resource type.
pub(crate) struct PkiConfigIssuers;

/// The state model.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiConfigIssuersState {
    id: Option<String>,
    mount: String,
    default: String,
    default_follows_latest_issuer: Option<bool>,
    default_issuer_id: Option<String>,
}

impl Resource for PkiConfigIssuers {
    type Client = Api;
    type State = PkiConfigIssuersState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_config_issuers"
    }

    fn schema(&self) -> Schema {
        Schema::new("The default issuer of a PKI mount (`<mount>/config/issuers`): the one used when a role or request names none. Destroying the resource changes nothing on the server.")
            .attribute(Attribute::string("id", "The API path, `<mount>/config/issuers`; import takes it.").computed().use_state_for_unknown())
            .attribute(mount_attribute())
            .attribute(Attribute::string("default", "The default issuer, by name or ID.").required())
            .attribute(Attribute::bool("default_follows_latest_issuer", "Make each newly imported or generated issuer the default.").optional_computed().use_state_for_unknown())
            .attribute(Attribute::string("default_issuer_id", "The ID of the default issuer, as the server reports it.").computed())
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        plan_id(plan, SUFFIX);
        if !plan.is_create()
            && !plan.is_destroy()
            && plan.planned.attr("default") == plan.prior.attr("default")
        {
            let prior = plan.prior.attr("default_issuer_id").clone();
            plan.planned.set_attr("default_issuer_id", prior);
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiConfigIssuersState,
    ) -> Result<PkiConfigIssuersState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigIssuersState,
    ) -> Result<Option<PkiConfigIssuersState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PkiConfigIssuersState,
        plan: PkiConfigIssuersState,
    ) -> Result<PkiConfigIssuersState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        _state: PkiConfigIssuersState,
    ) -> Result<(), Diagnostics> {
        // A mount always has a default issuer setting; there is nothing to restore it to.
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiConfigIssuersState, Diagnostics> {
        let mount = mount_from_id(self.type_name(), id, SUFFIX)?;
        Ok(PkiConfigIssuersState {
            id: Some(config_path(mount)),
            mount: mount.to_owned(),
            default: String::new(),
            default_follows_latest_issuer: None,
            default_issuer_id: None,
        })
    }
}

const SUFFIX: &str = "config/issuers";

fn config_path(mount: &str) -> String {
    path(mount, SUFFIX)
}

async fn write_and_read(
    api: &Api,
    plan: PkiConfigIssuersState,
) -> Result<PkiConfigIssuersState, Diagnostics> {
    let path = config_path(&plan.mount);
    let action = format!("set the default issuer {path}");
    let mut body = json!({ "default": plan.default });
    if let Some(f) = plan.default_follows_latest_issuer {
        body["default_follows_latest_issuer"] = json!(f);
    }
    api.write(&action, &path, &body, Write::SetsState).await?;
    fetch(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the mount is gone"))
}

async fn fetch(
    api: &Api,
    state: PkiConfigIssuersState,
) -> Result<Option<PkiConfigIssuersState>, Diagnostics> {
    let mount = state.mount.trim_matches('/').to_owned();
    let path = config_path(&mount);
    let Some(data) = api
        .read(&format!("read the default issuer {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    let server_id = data
        .get("default")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    // Keep a configured name (or ID) while it resolves to the server's default.
    let same = if state.default.is_empty() || state.default == server_id {
        state.default == server_id
    } else {
        let issuer = format!("{mount}/issuer/{}", state.default);
        api.read_pki(&format!("read the issuer {issuer}"), &issuer)
            .await?
            .and_then(|d| d.get("issuer_id").and_then(Json::as_str).map(str::to_owned))
            .is_some_and(|id| id == server_id)
    };
    Ok(Some(PkiConfigIssuersState {
        id: Some(path),
        default: if same {
            state.default
        } else {
            server_id.clone()
        },
        default_follows_latest_issuer: data
            .get("default_follows_latest_issuer")
            .and_then(Json::as_bool),
        default_issuer_id: Some(server_id),
        mount: state.mount,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiConfigIssuers.schema().check().unwrap();
    }

    #[test]
    fn config_path_trims_nested_mounts() {
        assert_eq!(config_path("/pki/int/eu/"), "pki/int/eu/config/issuers");
    }
}
