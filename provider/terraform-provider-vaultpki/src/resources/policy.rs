//! `vaultpki_policy`: an ACL policy at `sys/policies/acl/<name>`. The server may hand the text
//! back with other whitespace than it was given (and users reformat heredocs), so reading keeps
//! the stored text whenever the server's text differs from it only in whitespace: no perpetual
//! diff, while any real edit made outside Terraform still shows.
//!
//! `allow_overwrite` is hashicorp/vault's guard against taking over a policy that exists already;
//! it is checked on create only and defaults to `true` there as well.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::paths::strip_id;

const PREFIX: &str = "sys/policies/acl/";

/// The resource type.
pub(crate) struct Policy;

/// The state model.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PolicyState {
    id: Option<String>,
    name: String,
    policy: Option<String>,
    allow_overwrite: Option<bool>,
}

impl Resource for Policy {
    type Client = Api;
    type State = PolicyState;

    fn type_name(&self) -> &str {
        "vaultpki_policy"
    }

    fn schema(&self) -> Schema {
        Schema::new("An ACL policy (`sys/policies/acl/<name>`). Differences in whitespace only between the configuration and the server never show as changes.")
            .attribute(Attribute::string("id", "The API path, `sys/policies/acl/<name>`.").computed())
            .attribute(Attribute::string("name", "The policy name. Changing it replaces the policy.").required().requires_replace())
            .attribute(Attribute::string("policy", "The policy document in HCL or JSON, e.g. from the `vaultpki_policy_document` data source.").required())
            .attribute(Attribute::bool("allow_overwrite", "Whether creating the resource may replace a policy of the same name that exists already (default `true`, as in hashicorp/vault). With `false`, create fails instead and says to import the policy. Only create looks at it; an import records the default.").optional_computed())
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.config.attr("allow_overwrite").is_null() {
            plan.planned.set_attr("allow_overwrite", Value::Bool(true));
        }
        if let Some(name) = plan.planned.attr("name").as_str() {
            plan.planned
                .set_attr("id", Value::from(format!("{PREFIX}{name}")));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PolicyState,
    ) -> Result<PolicyState, Diagnostics> {
        let api = ctx.client()?;
        if plan.allow_overwrite == Some(false) {
            let path = format!("{PREFIX}{}", plan.name);
            let action = format!("read the policy {}", plan.name);
            if api.read(&action, &path).await?.is_some() {
                return Err(diagnostics::policy_exists(&plan.name));
            }
        }
        write(api, &plan).await?;
        Ok(PolicyState {
            id: Some(format!("{PREFIX}{}", plan.name)),
            ..plan
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PolicyState,
    ) -> Result<Option<PolicyState>, Diagnostics> {
        let api = ctx.client()?;
        let action = format!("read the policy {}", state.name);
        let Some(data) = api
            .read(&action, &format!("{PREFIX}{}", state.name))
            .await?
        else {
            return Ok(None);
        };
        let server = data
            .get("policy")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let policy = match &state.policy {
            Some(stored) if same_but_whitespace(stored, server) => stored.clone(),
            _ => server.to_owned(),
        };
        Ok(Some(PolicyState {
            id: Some(format!("{PREFIX}{}", state.name)),
            name: state.name,
            policy: Some(policy),
            allow_overwrite: state.allow_overwrite.or(Some(true)),
        }))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PolicyState,
        plan: PolicyState,
    ) -> Result<PolicyState, Diagnostics> {
        write(ctx.client()?, &plan).await?;
        Ok(PolicyState {
            id: Some(format!("{PREFIX}{}", plan.name)),
            ..plan
        })
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Api>, state: PolicyState) -> Result<(), Diagnostics> {
        ctx.client()?
            .delete(
                &format!("delete the policy {}", state.name),
                &format!("{PREFIX}{}", state.name),
            )
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

    async fn import(&self, _ctx: &mut Ctx<'_, Api>, id: &str) -> Result<PolicyState, Diagnostics> {
        let name = strip_id(id, PREFIX).ok_or_else(|| {
            diagnostics::bad_import_id("vaultpki_policy", id, "sys/policies/acl/<name>")
        })?;
        Ok(PolicyState {
            id: Some(id.to_owned()),
            name: name.to_owned(),
            policy: None,
            allow_overwrite: Some(true),
        })
    }
}

async fn write(api: &Api, plan: &PolicyState) -> Result<(), Diagnostics> {
    api.write(
        &format!("write the policy {}", plan.name),
        &format!("{PREFIX}{}", plan.name),
        &json!({ "policy": plan.policy.clone().unwrap_or_default() }),
        Write::SetsState,
    )
    .await
    .map(|_| ())
}

/// Whether two policy texts differ only in whitespace (outside or inside lines).
pub(crate) fn same_but_whitespace(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_only_differences_are_equal() {
        let a = "path \"pki/*\" {\n  capabilities = [\"read\"]\n}\n";
        let b = "path \"pki/*\" {\n\tcapabilities = [\"read\"]\n}";
        assert!(same_but_whitespace(a, b));
        assert!(!same_but_whitespace(a, &a.replace("read", "list")));
    }

    #[test]
    fn schema_is_well_formed() {
        Policy.schema().check().unwrap();
    }
}
