//! `vaultpki_pki_config_cluster`: the cluster-local addresses of a PKI mount at
//! `<mount>/config/cluster` (`path`, the mount's own URL as this cluster serves it, and
//! `aia_path`, the URL written into AIA templates). ACME needs `path`: it is how the server names
//! its own directory. Like the other config singletons the object always exists, so the ID is the
//! API path (import takes it, nested mounts work). Unlike the other singletons, destroy cannot
//! put back what a fresh mount answers: the server refuses an empty `path` or `aia_path` ("invalid,
//! non-URL path"), so destroying the resource only drops it from the state.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, field};

/// The resource type.
pub(crate) struct PkiConfigCluster;

/// The state model: identity plus one entry per [`FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiConfigClusterState {
    id: Option<String>,
    mount: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

const FIELDS: &[Field] = &[
    field(
        "path",
        Kind::String,
        "The mount's full URL as clients reach it on this cluster, such as `https://bao.example:8200/v1/pki`; ACME needs it (server default empty).",
    ),
    field(
        "aia_path",
        Kind::String,
        "The mount's URL for AIA templates (`{{cluster_aia_path}}`), which may be plain `http` (server default empty).",
    ),
];

impl Resource for PkiConfigCluster {
    type Client = Api;
    type State = PkiConfigClusterState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_config_cluster"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("The cluster-local URLs of a PKI mount (`<mount>/config/cluster`), needed by ACME and by AIA templates. Settings left out keep the server's values without a diff. The settings always exist and OpenBao refuses to set them back to empty, so destroying the resource changes nothing on the server: it only removes the resource from the state (the URLs stay until they are overwritten or the mount is disabled).")
            .attribute(Attribute::string("id", "The API path, `<mount>/config/cluster`; import takes it (nested mounts such as `pki/int/eu` work).").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the resource.").required().requires_replace());
        for a in fields::attributes(FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if let Some(mount) = plan.planned.attr("mount").as_str() {
            let id = cluster_path(mount);
            plan.planned.set_attr("id", Value::from(id));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiConfigClusterState,
    ) -> Result<PkiConfigClusterState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigClusterState,
    ) -> Result<Option<PkiConfigClusterState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PkiConfigClusterState,
        plan: PkiConfigClusterState,
    ) -> Result<PkiConfigClusterState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        _state: PkiConfigClusterState,
    ) -> Result<(), Diagnostics> {
        // The server answers "invalid, non-URL path" to an empty `path`/`aia_path` and has no
        // DELETE, so there is no fresh-mount state to go back to: forgetting is all we can do.
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiConfigClusterState, Diagnostics> {
        let bad = || {
            diagnostics::bad_import_id("vaultpki_pki_config_cluster", id, "<mount>/config/cluster")
        };
        let mount = id
            .trim_matches('/')
            .strip_suffix("/config/cluster")
            .filter(|m| !m.is_empty())
            .ok_or_else(bad)?;
        Ok(PkiConfigClusterState {
            id: Some(cluster_path(mount)),
            mount: mount.to_owned(),
            fields: fields::nulls(FIELDS),
        })
    }
}

fn cluster_path(mount: &str) -> String {
    format!("{}/config/cluster", mount.trim_matches('/'))
}

async fn write_and_read(
    api: &Api,
    plan: PkiConfigClusterState,
) -> Result<PkiConfigClusterState, Diagnostics> {
    let path = cluster_path(&plan.mount);
    let action = format!("write the cluster URLs {path}");
    let body = Json::Object(fields::body(FIELDS, &plan.fields));
    api.write(&action, &path, &body, Write::SetsState).await?;
    fetch(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the mount is gone"))
}

async fn fetch(
    api: &Api,
    state: PkiConfigClusterState,
) -> Result<Option<PkiConfigClusterState>, Diagnostics> {
    let path = cluster_path(&state.mount);
    let Some(data) = api
        .read(&format!("read the cluster URLs {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(PkiConfigClusterState {
        id: Some(path),
        fields: fields::from_server(FIELDS, &data, &state.fields),
        mount: state.mount,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiConfigCluster.schema().check().unwrap();
    }

    #[test]
    fn cluster_path_trims_nested_mounts() {
        assert_eq!(cluster_path("/pki/int/eu/"), "pki/int/eu/config/cluster");
    }
}
