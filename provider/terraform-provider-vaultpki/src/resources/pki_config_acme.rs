//! `vaultpki_pki_config_acme`: the ACME settings of a PKI mount at `<mount>/config/acme` (on or
//! off, which roles and issuers ACME may use, the default directory policy, whether clients need
//! an EAB key, the DNS resolver for DNS-01). OpenBao 2.7 has no `max_ttl` here: ACME certificates
//! are bounded by the role and the mount's max lease TTL. Like the other config singletons the
//! object always exists, so the ID is the API path (import takes it, nested mounts work) and
//! destroy writes the fresh-mount values back (ACME off).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, field};

/// The resource type.
pub(crate) struct PkiConfigAcme;

/// The state model: identity plus one entry per [`FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiConfigAcmeState {
    id: Option<String>,
    mount: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

const FIELDS: &[Field] = &[
    field(
        "enabled",
        Kind::Bool,
        "Whether the mount answers ACME; needs `vaultpki_pki_config_cluster`'s `path` and the ACME headers on the mount (server default `false`).",
    ),
    field(
        "allowed_roles",
        Kind::StringList,
        "Roles ACME clients may use through `roles/<role>/acme/...`; `[\"*\"]` allows all (server default `[\"*\"]`).",
    ),
    field(
        "allowed_issuers",
        Kind::StringList,
        "Issuers ACME clients may use through `issuer/<ref>/acme/...`; `[\"*\"]` allows all (server default `[\"*\"]`).",
    ),
    field(
        "allow_role_ext_key_usage",
        Kind::Bool,
        "Whether the role's extended key usages apply to ACME certificates instead of server authentication only (server default `false`).",
    ),
    field(
        "default_directory_policy",
        Kind::String,
        "What the default `acme/directory` does: `sign-verbatim`, `role:<name>` or `forbid` (server default `sign-verbatim`).",
    ),
    field(
        "eab_policy",
        Kind::String,
        "Whether clients need an external account binding (`vaultpki_pki_acme_eab`): `not-required`, `new-account-required` or `always-required` (server default `not-required`).",
    ),
    field(
        "dns_resolver",
        Kind::String,
        "`host:port` of the DNS server used for DNS-01 challenges; empty uses the system's (server default empty).",
    ),
];

/// What the server answers for a fresh mount; destroy writes it back.
fn server_defaults() -> Json {
    json!({
        "enabled": false,
        "allowed_roles": ["*"],
        "allowed_issuers": ["*"],
        "allow_role_ext_key_usage": false,
        "default_directory_policy": "sign-verbatim",
        "eab_policy": "not-required",
        "dns_resolver": "",
    })
}

impl Resource for PkiConfigAcme {
    type Client = Api;
    type State = PkiConfigAcmeState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_config_acme"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("The ACME settings of a PKI mount (`<mount>/config/acme`). Settings left out keep the server's values without a diff. OpenBao 2.7 has no ACME `max_ttl`: the role and the mount's max lease TTL bound ACME certificates. The settings always exist, so destroying the resource deletes nothing: it writes the server's defaults back (ACME off, `allowed_roles` and `allowed_issuers` `[\"*\"]`, `default_directory_policy` `sign-verbatim`, `eab_policy` `not-required`, `dns_resolver` empty, `allow_role_ext_key_usage` `false`).")
            .attribute(Attribute::string("id", "The API path, `<mount>/config/acme`; import takes it (nested mounts such as `pki/int/eu` work).").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the resource.").required().requires_replace());
        for a in fields::attributes(FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if let Some(mount) = plan.planned.attr("mount").as_str() {
            let id = acme_path(mount);
            plan.planned.set_attr("id", Value::from(id));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiConfigAcmeState,
    ) -> Result<PkiConfigAcmeState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigAcmeState,
    ) -> Result<Option<PkiConfigAcmeState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PkiConfigAcmeState,
        plan: PkiConfigAcmeState,
    ) -> Result<PkiConfigAcmeState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiConfigAcmeState,
    ) -> Result<(), Diagnostics> {
        let path = acme_path(&state.mount);
        ctx.client()?
            .write(
                &format!("reset the ACME settings {path} to the server defaults"),
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
    ) -> Result<PkiConfigAcmeState, Diagnostics> {
        let bad =
            || diagnostics::bad_import_id("vaultpki_pki_config_acme", id, "<mount>/config/acme");
        let mount = id
            .trim_matches('/')
            .strip_suffix("/config/acme")
            .filter(|m| !m.is_empty())
            .ok_or_else(bad)?;
        Ok(PkiConfigAcmeState {
            id: Some(acme_path(mount)),
            mount: mount.to_owned(),
            fields: fields::nulls(FIELDS),
        })
    }
}

fn acme_path(mount: &str) -> String {
    format!("{}/config/acme", mount.trim_matches('/'))
}

async fn write_and_read(
    api: &Api,
    plan: PkiConfigAcmeState,
) -> Result<PkiConfigAcmeState, Diagnostics> {
    let path = acme_path(&plan.mount);
    let action = format!("write the ACME settings {path}");
    let body = Json::Object(fields::body(FIELDS, &plan.fields));
    api.write(&action, &path, &body, Write::SetsState).await?;
    fetch(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the mount is gone"))
}

async fn fetch(
    api: &Api,
    state: PkiConfigAcmeState,
) -> Result<Option<PkiConfigAcmeState>, Diagnostics> {
    let path = acme_path(&state.mount);
    let Some(data) = api
        .read(&format!("read the ACME settings {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(PkiConfigAcmeState {
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
        PkiConfigAcme.schema().check().unwrap();
    }

    #[test]
    fn acme_path_trims_nested_mounts() {
        assert_eq!(acme_path("/pki/int/eu/"), "pki/int/eu/config/acme");
    }

    #[test]
    fn the_reset_covers_every_field() {
        let defaults = server_defaults();
        for f in FIELDS {
            assert!(defaults.get(f.name).is_some(), "{} has no default", f.name);
        }
    }
}
