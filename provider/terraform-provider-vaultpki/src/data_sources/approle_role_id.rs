//! Data source `vaultpki_approle_role_id`: the role ID of an AppRole role
//! (`auth/<mount>/role/<role_name>/role-id`), e.g. to hand to a consumer alongside a secret ID.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::{Attribute, Ctx, DataSource, Diagnostics, Schema};

use crate::api::Api;
use crate::diagnostics;

/// The data source type.
pub(crate) struct ApproleRoleId;

/// The model (no `Debug`: the role ID is half of a login and is not printed).
#[derive(Serialize, Deserialize)]
pub(crate) struct ApproleRoleIdModel {
    id: Option<String>,
    mount: Option<String>,
    role_name: String,
    role_id: Option<String>,
}

impl DataSource for ApproleRoleId {
    type Client = Api;
    type Model = ApproleRoleIdModel;

    fn type_name(&self) -> &str {
        "vaultpki_approle_role_id"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            "Reads the role ID of an AppRole role (`auth/<mount>/role/<role_name>/role-id`).",
        )
        .attribute(Attribute::string("id", "The API path read.").computed())
        .attribute(Attribute::string(
            "mount",
            "Path of the AppRole auth method (default `approle`).",
        ))
        .attribute(Attribute::string("role_name", "The role.").required())
        .attribute(Attribute::string("role_id", "The role ID.").computed())
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        config: ApproleRoleIdModel,
    ) -> Result<ApproleRoleIdModel, Diagnostics> {
        let mount = config
            .mount
            .as_deref()
            .unwrap_or("approle")
            .trim_matches('/')
            .to_owned();
        let path = format!("auth/{mount}/role/{}/role-id", config.role_name);
        let data = ctx
            .client()?
            .read(&format!("read the role ID at {path}"), &path)
            .await?;
        let role_id = data
            .as_ref()
            .and_then(|d| d.get("role_id"))
            .and_then(Json::as_str)
            .map(str::to_owned)
            .ok_or_else(|| diagnostics::approle_role_not_found(&mount, &config.role_name))?;
        Ok(ApproleRoleIdModel {
            id: Some(path),
            role_id: Some(role_id),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        ApproleRoleId.schema().check().unwrap();
    }
}
