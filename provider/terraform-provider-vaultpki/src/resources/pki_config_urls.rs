//! `vaultpki_pki_config_urls`: the mount-wide AIA URLs at `<mount>/config/urls` (issuing
//! certificate, CRL and OCSP locations written into certificates). The ID is the API path, so
//! import works for nested mounts such as `pki/int/eu` (`pki/int/eu/config/urls`). The object
//! always exists, so destroying the resource sets the URLs back to empty.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, field};

/// The resource type.
pub(crate) struct PkiConfigUrls;

/// The state model: identity plus one entry per [`FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiConfigUrlsState {
    id: Option<String>,
    mount: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

const FIELDS: &[Field] = &[
    field(
        "issuing_certificates",
        Kind::StringList,
        "URLs where the issuing CA certificate can be fetched.",
    ),
    field(
        "crl_distribution_points",
        Kind::StringList,
        "URLs of the CRL.",
    ),
    field("ocsp_servers", Kind::StringList, "URLs of OCSP responders."),
    field(
        "enable_templating",
        Kind::Bool,
        "Whether the URLs may hold templates such as `{{issuer_id}}`.",
    ),
];

impl Resource for PkiConfigUrls {
    type Client = Api;
    type State = PkiConfigUrlsState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_config_urls"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("The AIA URLs of a PKI mount (`<mount>/config/urls`), written into the certificates it issues. Settings left out keep the server's values without a diff. Destroying the resource sets the URLs back to empty.")
            .attribute(Attribute::string("id", "The API path, `<mount>/config/urls`; import takes it (nested mounts such as `pki/int/eu` work).").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the resource.").required().requires_replace());
        for a in fields::attributes(FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if let Some(mount) = plan.planned.attr("mount").as_str() {
            let id = urls_path(mount);
            plan.planned.set_attr("id", Value::from(id));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiConfigUrlsState,
    ) -> Result<PkiConfigUrlsState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigUrlsState,
    ) -> Result<Option<PkiConfigUrlsState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PkiConfigUrlsState,
        plan: PkiConfigUrlsState,
    ) -> Result<PkiConfigUrlsState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigUrlsState,
    ) -> Result<(), Diagnostics> {
        let path = urls_path(&state.mount);
        let empty = json!({
            "issuing_certificates": [],
            "crl_distribution_points": [],
            "ocsp_servers": [],
            "enable_templating": false,
        });
        ctx.client()?
            .write(
                &format!("reset the URLs {path}"),
                &path,
                &empty,
                Write::SetsState,
            )
            .await
            .map(|_| ())
    }

    fn move_state(
        &self,
        source_type_name: &str,
        source_version: i64,
        source_state: &Json,
    ) -> Option<Result<tfplugin::MovedState, Diagnostics>> {
        crate::migrate::move_state(
            self.type_name(),
            &self.schema(),
            source_type_name,
            source_version,
            source_state,
        )
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiConfigUrlsState, Diagnostics> {
        let bad =
            || diagnostics::bad_import_id("vaultpki_pki_config_urls", id, "<mount>/config/urls");
        let mount = id
            .trim_matches('/')
            .strip_suffix("/config/urls")
            .filter(|m| !m.is_empty())
            .ok_or_else(bad)?;
        Ok(PkiConfigUrlsState {
            id: Some(urls_path(mount)),
            mount: mount.to_owned(),
            fields: fields::nulls(FIELDS),
        })
    }
}

fn urls_path(mount: &str) -> String {
    format!("{}/config/urls", mount.trim_matches('/'))
}

async fn write_and_read(
    api: &Api,
    plan: PkiConfigUrlsState,
) -> Result<PkiConfigUrlsState, Diagnostics> {
    let path = urls_path(&plan.mount);
    let action = format!("write the URLs {path}");
    let body = Json::Object(fields::body(FIELDS, &plan.fields));
    api.write(&action, &path, &body, Write::SetsState).await?;
    fetch(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the mount is gone"))
}

async fn fetch(
    api: &Api,
    state: PkiConfigUrlsState,
) -> Result<Option<PkiConfigUrlsState>, Diagnostics> {
    let path = urls_path(&state.mount);
    let Some(data) = api.read(&format!("read the URLs {path}"), &path).await? else {
        return Ok(None);
    };
    Ok(Some(PkiConfigUrlsState {
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
        PkiConfigUrls.schema().check().unwrap();
    }

    #[test]
    fn urls_path_trims_nested_mounts() {
        assert_eq!(urls_path("/pki/int/eu/"), "pki/int/eu/config/urls");
    }
}
