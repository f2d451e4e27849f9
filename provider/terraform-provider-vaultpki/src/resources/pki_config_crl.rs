//! `vaultpki_pki_config_crl`: the CRL and OCSP settings of a PKI mount at `<mount>/config/crl`
//! (CRL lifetime, automatic and delta rebuilds, OCSP on or off). Like `<mount>/config/urls` the
//! object always exists, so the ID is the API path (import takes it, nested mounts work) and
//! destroying the resource writes the server's defaults back instead of deleting anything.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, field};

/// The resource type.
pub(crate) struct PkiConfigCrl;

/// The state model: identity plus one entry per [`FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiConfigCrlState {
    id: Option<String>,
    mount: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

const FIELDS: &[Field] = &[
    field(
        "expiry",
        Kind::String,
        "How long a CRL is valid, as a duration such as `72h` (server default `72h`).",
    ),
    field(
        "disable",
        Kind::Bool,
        "Whether CRL building is off (server default `false`).",
    ),
    field(
        "ocsp_disable",
        Kind::Bool,
        "Whether the OCSP responder is off (server default `false`).",
    ),
    field(
        "ocsp_expiry",
        Kind::String,
        "How long OCSP responses are valid, such as `12h`; `0s` leaves out the next-update time (server default `12h`).",
    ),
    field(
        "auto_rebuild",
        Kind::Bool,
        "Whether the server rebuilds the CRL before it expires instead of on every revocation (server default `false`).",
    ),
    field(
        "auto_rebuild_grace_period",
        Kind::String,
        "How long before expiry an automatic rebuild happens, such as `12h` (server default `12h`).",
    ),
    field(
        "enable_delta",
        Kind::Bool,
        "Whether delta CRLs are built between full rebuilds; needs `auto_rebuild` (server default `false`).",
    ),
    field(
        "delta_rebuild_interval",
        Kind::String,
        "How often delta CRLs are rebuilt, such as `15m` (server default `15m`).",
    ),
];

/// What the server answers for a fresh mount; destroy writes it back.
fn server_defaults() -> Json {
    json!({
        "expiry": "72h",
        "disable": false,
        "ocsp_disable": false,
        "ocsp_expiry": "12h",
        "auto_rebuild": false,
        "auto_rebuild_grace_period": "12h",
        "enable_delta": false,
        "delta_rebuild_interval": "15m",
    })
}

impl Resource for PkiConfigCrl {
    type Client = Api;
    type State = PkiConfigCrlState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_config_crl"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("The CRL and OCSP settings of a PKI mount (`<mount>/config/crl`). Settings left out keep the server's values without a diff. The settings always exist, so destroying the resource deletes nothing: it writes the server's defaults back (`expiry` `72h`, `ocsp_expiry` `12h`, `auto_rebuild_grace_period` `12h`, `delta_rebuild_interval` `15m`, every switch `false`).")
            .attribute(Attribute::string("id", "The API path, `<mount>/config/crl`; import takes it (nested mounts such as `pki/int/eu` work).").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the resource.").required().requires_replace());
        for a in fields::attributes(FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if let Some(mount) = plan.planned.attr("mount").as_str() {
            let id = crl_path(mount);
            plan.planned.set_attr("id", Value::from(id));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiConfigCrlState,
    ) -> Result<PkiConfigCrlState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigCrlState,
    ) -> Result<Option<PkiConfigCrlState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PkiConfigCrlState,
        plan: PkiConfigCrlState,
    ) -> Result<PkiConfigCrlState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigCrlState,
    ) -> Result<(), Diagnostics> {
        let path = crl_path(&state.mount);
        ctx.client()?
            .write(
                &format!("reset the CRL settings {path} to the server defaults"),
                &path,
                &server_defaults(),
                Write::SetsState,
            )
            .await
            .map(|_| ())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiConfigCrlState, Diagnostics> {
        let bad =
            || diagnostics::bad_import_id("vaultpki_pki_config_crl", id, "<mount>/config/crl");
        let mount = id
            .trim_matches('/')
            .strip_suffix("/config/crl")
            .filter(|m| !m.is_empty())
            .ok_or_else(bad)?;
        Ok(PkiConfigCrlState {
            id: Some(crl_path(mount)),
            mount: mount.to_owned(),
            fields: fields::nulls(FIELDS),
        })
    }
}

fn crl_path(mount: &str) -> String {
    format!("{}/config/crl", mount.trim_matches('/'))
}

async fn write_and_read(
    api: &Api,
    plan: PkiConfigCrlState,
) -> Result<PkiConfigCrlState, Diagnostics> {
    let path = crl_path(&plan.mount);
    let action = format!("write the CRL settings {path}");
    let body = Json::Object(fields::body(FIELDS, &plan.fields));
    api.write(&action, &path, &body, Write::SetsState).await?;
    fetch(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the mount is gone"))
}

async fn fetch(
    api: &Api,
    state: PkiConfigCrlState,
) -> Result<Option<PkiConfigCrlState>, Diagnostics> {
    let path = crl_path(&state.mount);
    let Some(data) = api
        .read(&format!("read the CRL settings {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(PkiConfigCrlState {
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
        PkiConfigCrl.schema().check().unwrap();
    }

    #[test]
    fn crl_path_trims_nested_mounts() {
        assert_eq!(crl_path("/pki/int/eu/"), "pki/int/eu/config/crl");
    }

    #[test]
    fn the_reset_covers_every_field() {
        let defaults = server_defaults();
        for f in FIELDS {
            assert!(defaults.get(f.name).is_some(), "{} has no default", f.name);
        }
    }
}
