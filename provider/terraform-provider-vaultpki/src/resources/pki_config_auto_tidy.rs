//! `vaultpki_pki_config_auto_tidy`: the automatic tidy of a PKI mount at `<mount>/config/auto-tidy`
//! (whether and how often the server removes expired certificates, revoked entries and expired
//! issuers on its own). Like `<mount>/config/urls` the object always exists, so the ID is the API path (import takes it, nested mounts work) and
//! destroying the resource writes the server's defaults back instead of deleting anything.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, field};

/// The resource type.
pub(crate) struct PkiConfigAutoTidy;

/// The state model: identity plus one entry per [`FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiConfigAutoTidyState {
    id: Option<String>,
    mount: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

const FIELDS: &[Field] = &[
    field(
        "enabled",
        Kind::Bool,
        "Whether the server tidies on its own (server default `false`).",
    ),
    field(
        "interval_duration",
        Kind::Number,
        "Seconds between automatic tidy runs (server default `43200`, 12 hours).",
    ),
    field(
        "tidy_cert_store",
        Kind::Bool,
        "Whether expired certificates are removed from storage (server default `false`).",
    ),
    field(
        "tidy_revoked_certs",
        Kind::Bool,
        "Whether revoked certificates past their expiry are removed (server default `false`).",
    ),
    field(
        "tidy_revoked_cert_issuer_associations",
        Kind::Bool,
        "Whether revoked certificates are associated with their issuer again (server default `false`).",
    ),
    field(
        "tidy_expired_issuers",
        Kind::Bool,
        "Whether issuers expired longer than `issuer_safety_buffer` are removed (server default `false`).",
    ),
    field(
        "tidy_move_legacy_ca_bundle",
        Kind::Bool,
        "Whether the pre-1.11 CA bundle is moved out of the way (server default `false`).",
    ),
    field(
        "tidy_acme",
        Kind::Bool,
        "Whether stale ACME accounts, orders and challenges are removed (server default `false`).",
    ),
    field(
        "safety_buffer",
        Kind::Number,
        "Seconds past expiry before a certificate is tidied (server default `259200`, 72 hours).",
    ),
    field(
        "issuer_safety_buffer",
        Kind::Number,
        "Seconds past expiry before an issuer is tidied (server default `31536000`, 365 days).",
    ),
    field(
        "acme_account_safety_buffer",
        Kind::Number,
        "Seconds of inactivity before an ACME account is tidied (server default `2592000`, 30 days).",
    ),
    field(
        "pause_duration",
        Kind::String,
        "Pause between certificates while tidying, such as `0s` or `10ms` (server default `0s`).",
    ),
    field(
        "maintain_stored_certificate_counts",
        Kind::Bool,
        "Whether the server keeps counts of stored and revoked certificates (server default `false`).",
    ),
    field(
        "publish_stored_certificate_count_metrics",
        Kind::Bool,
        "Whether those counts are published as metrics; needs `maintain_stored_certificate_counts` (server default `false`).",
    ),
];

/// What the server answers for a fresh mount (fields both OpenBao and Vault have); destroy
/// writes it back.
fn server_defaults() -> Json {
    json!({
        "enabled": false,
        "interval_duration": 43200,
        "tidy_cert_store": false,
        "tidy_revoked_certs": false,
        "tidy_revoked_cert_issuer_associations": false,
        "tidy_expired_issuers": false,
        "tidy_move_legacy_ca_bundle": false,
        "tidy_acme": false,
        "safety_buffer": 259200,
        "issuer_safety_buffer": 31536000,
        "acme_account_safety_buffer": 2592000,
        "pause_duration": "0s",
        "maintain_stored_certificate_counts": false,
        "publish_stored_certificate_count_metrics": false,
    })
}

impl Resource for PkiConfigAutoTidy {
    type Client = Api;
    type State = PkiConfigAutoTidyState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_config_auto_tidy"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("The automatic tidy of a PKI mount (`<mount>/config/auto-tidy`): whether and how often the server removes expired and revoked certificates, expired issuers and stale ACME data on its own. Settings left out keep the server's values without a diff. The settings always exist, so destroying the resource deletes nothing: it writes the server's defaults back (auto-tidy off, every `tidy_*` switch `false`, `interval_duration` 12 hours, the safety buffers 72 hours, 365 days and 30 days, `pause_duration` `0s`).")
            .attribute(Attribute::string("id", "The API path, `<mount>/config/auto-tidy`; import takes it (nested mounts such as `pki/int/eu` work).").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the resource.").required().requires_replace());
        for a in fields::attributes(FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if let Some(mount) = plan.planned.attr("mount").as_str() {
            let id = tidy_path(mount);
            plan.planned.set_attr("id", Value::from(id));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiConfigAutoTidyState,
    ) -> Result<PkiConfigAutoTidyState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigAutoTidyState,
    ) -> Result<Option<PkiConfigAutoTidyState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PkiConfigAutoTidyState,
        plan: PkiConfigAutoTidyState,
    ) -> Result<PkiConfigAutoTidyState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigAutoTidyState,
    ) -> Result<(), Diagnostics> {
        let path = tidy_path(&state.mount);
        ctx.client()?
            .write(
                &format!("reset the auto-tidy settings {path} to the server defaults"),
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
    ) -> Result<PkiConfigAutoTidyState, Diagnostics> {
        let bad = || {
            diagnostics::bad_import_id(
                "vaultpki_pki_config_auto_tidy",
                id,
                "<mount>/config/auto-tidy",
            )
        };
        let mount = id
            .trim_matches('/')
            .strip_suffix("/config/auto-tidy")
            .filter(|m| !m.is_empty())
            .ok_or_else(bad)?;
        Ok(PkiConfigAutoTidyState {
            id: Some(tidy_path(mount)),
            mount: mount.to_owned(),
            fields: fields::nulls(FIELDS),
        })
    }
}

fn tidy_path(mount: &str) -> String {
    format!("{}/config/auto-tidy", mount.trim_matches('/'))
}

async fn write_and_read(
    api: &Api,
    plan: PkiConfigAutoTidyState,
) -> Result<PkiConfigAutoTidyState, Diagnostics> {
    let path = tidy_path(&plan.mount);
    let action = format!("write the auto-tidy settings {path}");
    let body = Json::Object(fields::body(FIELDS, &plan.fields));
    api.write(&action, &path, &body, Write::SetsState).await?;
    fetch(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the mount is gone"))
}

async fn fetch(
    api: &Api,
    state: PkiConfigAutoTidyState,
) -> Result<Option<PkiConfigAutoTidyState>, Diagnostics> {
    let path = tidy_path(&state.mount);
    let Some(data) = api
        .read(&format!("read the auto-tidy settings {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(PkiConfigAutoTidyState {
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
        PkiConfigAutoTidy.schema().check().unwrap();
    }

    #[test]
    fn tidy_path_trims_nested_mounts() {
        assert_eq!(tidy_path("/pki/int/eu/"), "pki/int/eu/config/auto-tidy");
    }

    #[test]
    fn the_reset_covers_every_field() {
        let defaults = server_defaults();
        for f in FIELDS {
            assert!(defaults.get(f.name).is_some(), "{} has no default", f.name);
        }
    }
}
