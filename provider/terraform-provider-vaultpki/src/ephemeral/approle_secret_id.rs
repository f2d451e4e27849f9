//! Ephemeral `vaultpki_approle_secret_id`: a secret ID of an AppRole role
//! (`auth/<mount>/role/<role_name>/secret-id`) for the length of one Terraform run. It never
//! reaches the plan or the state, and Close destroys it through its accessor
//! (`secret-id-accessor/destroy`), so it cannot outlive the run that used it.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::{Attribute, Ctx, Diagnostics, EphemeralResource, Schema};

use crate::api::Api;
use crate::approle::role_path;
use crate::secret_id::{Request, create, destroy, lookup};

/// The ephemeral resource type.
pub(crate) struct EphemeralSecretId;

/// Configuration in, result out.
#[derive(Serialize, Deserialize)]
pub(crate) struct EphemeralSecretIdModel {
    mount: Option<String>,
    role_name: String,
    metadata: Option<std::collections::BTreeMap<String, String>>,
    cidr_list: Option<Vec<String>>,
    token_bound_cidrs: Option<Vec<String>>,
    ttl: Option<i64>,
    num_uses: Option<i64>,
    secret_id: Option<String>,
    accessor: Option<String>,
}

impl std::fmt::Debug for EphemeralSecretIdModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EphemeralSecretIdModel")
            .field("role_name", &self.role_name)
            .field("accessor", &self.accessor)
            .field("secret_id", &self.secret_id.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// Private keys: the role path and accessor `close` destroys (the accessor is not a secret).
const PRIVATE_ROLE_PATH: &str = "role_path";
const PRIVATE_ACCESSOR: &str = "accessor";

impl EphemeralResource for EphemeralSecretId {
    type Client = Api;
    type Model = EphemeralSecretIdModel;

    fn type_name(&self) -> &str {
        "vaultpki_approle_secret_id"
    }

    fn schema(&self) -> Schema {
        Schema::new("A secret ID of an AppRole role for one Terraform run only: it is never stored in the plan or the state, and it is destroyed through its accessor when the run ends. Use it to feed write-only attributes, e.g. `secret_id_wo` of the managed `vaultpki_approle_secret_id`, or a login made during the run.")
            .attribute(Attribute::string("mount", "Path of the AppRole auth method (default `approle`).").optional())
            .attribute(Attribute::string("role_name", "The role.").required())
            .attribute(Attribute::string_map("metadata", "Metadata attached to the secret ID (and to tokens logged in with it).").optional())
            .attribute(Attribute::string_list("cidr_list", "CIDRs that may log in with this secret ID.").optional())
            .attribute(Attribute::string_list("token_bound_cidrs", "CIDRs that may use tokens issued with this secret ID.").optional())
            .attribute(Attribute::number("ttl", "Lifetime in seconds (default: the role's `secret_id_ttl`).").optional())
            .attribute(Attribute::number("num_uses", "Number of logins allowed (default: the role's `secret_id_num_uses`).").optional())
            .attribute(Attribute::string("secret_id", "The secret ID. Exists only during the run.").computed().sensitive())
            .attribute(Attribute::string("accessor", "The secret ID's accessor (destroyed at the end of the run).").computed())
    }

    async fn open(
        &self,
        ctx: &mut Ctx<'_, Api>,
        config: EphemeralSecretIdModel,
    ) -> Result<EphemeralSecretIdModel, Diagnostics> {
        let api = ctx.client()?;
        let role_path = role_path(config.mount.as_deref(), &config.role_name);
        let body = Request {
            metadata: &config.metadata,
            cidr_list: &config.cidr_list,
            token_bound_cidrs: &config.token_bound_cidrs,
            ttl: config.ttl,
            num_uses: config.num_uses,
        }
        .body()?;
        let action = format!("create a secret ID for {role_path}");
        let path = format!("{role_path}/secret-id");
        let created = create(api, &action, &path, &Json::Object(body)).await?;
        ctx.private.set(PRIVATE_ROLE_PATH, &role_path);
        ctx.private.set(PRIVATE_ACCESSOR, &created.accessor);
        Ok(EphemeralSecretIdModel {
            secret_id: Some(created.secret_id),
            accessor: Some(created.accessor),
            ..config
        })
    }

    async fn close(&self, ctx: &mut Ctx<'_, Api>) -> Result<(), Diagnostics> {
        let (Some(role_path), Some(accessor)) = (
            ctx.private.get::<String>(PRIVATE_ROLE_PATH),
            ctx.private.get::<String>(PRIVATE_ACCESSOR),
        ) else {
            return Ok(());
        };
        let api = ctx.client()?;
        // A secret ID used up during the run (`num_uses`) or expired is already gone, and
        // destroying a missing accessor is an error on the server.
        if lookup(api, &role_path, &accessor).await?.is_none() {
            return Ok(());
        }
        destroy(api, &role_path, &accessor).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        EphemeralSecretId.schema().check().unwrap();
    }
}
