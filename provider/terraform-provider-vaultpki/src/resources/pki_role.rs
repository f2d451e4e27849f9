//! `vaultpki_pki_role`: a PKI role at `<mount>/roles/<name>` with every field the server's role
//! has, table-driven (see `fields`). A field left out is the server's default (OpenBao 2.x and
//! Vault 1.x agree on them), sent with every write, so deleting a line withdraws what it allowed
//! (the OpenBao-only fields only on OpenBao); `key_bits` depends on `key_type`, so it keeps the
//! server's value. A configured value that the server echoes in another order or case, or a
//! duration in other units, keeps its spelling.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, Unset, field, openbao_field};
use crate::validation;

/// The resource type.
pub(crate) struct PkiRole;

/// The state model: identity plus one entry per [`FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiRoleState {
    id: Option<String>,
    mount: String,
    name: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

use Kind::{Bool, Duration, Number, String as Str, StringList as List};

/// The role fields of OpenBao 2.x / Vault 1.x (`<mount>/roles/<name>`).
pub(crate) const FIELDS: &[Field] = &[
    field(
        "ttl",
        Duration,
        "TTL of issued certificates (`0`: the mount's default).",
    )
    .or(Unset::Text("0")),
    field(
        "max_ttl",
        Duration,
        "Maximum TTL of issued certificates (`0`: the mount's maximum).",
    )
    .or(Unset::Text("0")),
    field("allow_localhost", Bool, "Allow `localhost` as a name.").or(Unset::Bool(true)),
    field(
        "allowed_domains",
        List,
        "Domains certificates may be issued for.",
    )
    .or(Unset::List(&[])),
    field(
        "allowed_domains_template",
        Bool,
        "Whether `allowed_domains` may hold identity templates.",
    )
    .or(Unset::Bool(false)),
    field(
        "allow_bare_domains",
        Bool,
        "Allow the `allowed_domains` themselves as names.",
    )
    .or(Unset::Bool(false)),
    field(
        "allow_subdomains",
        Bool,
        "Allow subdomains of `allowed_domains`.",
    )
    .or(Unset::Bool(false)),
    field(
        "allow_glob_domains",
        Bool,
        "Allow globs in `allowed_domains`.",
    )
    .or(Unset::Bool(false)),
    field("allow_wildcard_certificates", Bool, "Allow wildcard names.").or(Unset::Bool(true)),
    field("allow_any_name", Bool, "Allow any name.").or(Unset::Bool(false)),
    field(
        "enforce_hostnames",
        Bool,
        "Require names to be valid hostnames.",
    )
    .or(Unset::Bool(true)),
    field("allow_ip_sans", Bool, "Allow IP SANs.").or(Unset::Bool(true)),
    openbao_field(
        "allowed_ip_sans_cidr",
        List,
        "CIDRs that IP SANs must fall into (OpenBao).",
    )
    .or(Unset::List(&[])),
    field(
        "allowed_uri_sans",
        List,
        "Allowed URI SANs (globs allowed).",
    )
    .or(Unset::List(&[])),
    field(
        "allowed_uri_sans_template",
        Bool,
        "Whether `allowed_uri_sans` may hold identity templates.",
    )
    .or(Unset::Bool(false)),
    field(
        "allowed_other_sans",
        List,
        "Allowed other SANs, `<oid>;<type>:<value>`.",
    )
    .or(Unset::List(&[])),
    field(
        "allowed_serial_numbers",
        List,
        "Allowed subject serial numbers.",
    )
    .or(Unset::List(&[])),
    field(
        "allowed_user_ids",
        List,
        "Allowed user IDs (UID attribute).",
    )
    .or(Unset::List(&[])),
    field(
        "cn_validations",
        List,
        "How the common name is validated: `email`, `hostname`, `disabled`.",
    )
    .or(Unset::List(&["email", "hostname"])),
    field(
        "server_flag",
        Bool,
        "Issue certificates for server use (serverAuth).",
    )
    .or(Unset::Bool(true)),
    field(
        "client_flag",
        Bool,
        "Issue certificates for client use (clientAuth).",
    )
    .or(Unset::Bool(true)),
    field(
        "code_signing_flag",
        Bool,
        "Issue certificates for code signing.",
    )
    .or(Unset::Bool(false)),
    field(
        "email_protection_flag",
        Bool,
        "Issue certificates for email protection.",
    )
    .or(Unset::Bool(false)),
    field(
        "key_type",
        Str,
        "Key type: `rsa`, `ec`, `ed25519` or `any`.",
    )
    .or(Unset::Text("rsa")),
    field(
        "key_bits",
        Number,
        "Key size (RSA) or curve size (EC); 0 picks the type's default. Left out: the server picks the size for `key_type` (2048 for RSA, 256 for EC), so no default is planned: after a change of `key_type` or a deleted line it shows as known after apply.",
    ),
    field(
        "signature_bits",
        Number,
        "Signature hash size; 0 picks the default.",
    )
    .or(Unset::Number(0)),
    field("use_pss", Bool, "Use RSA-PSS signatures.").or(Unset::Bool(false)),
    field("key_usage", List, "Key usages, e.g. `DigitalSignature`.").or(Unset::List(&[
        "DigitalSignature",
        "KeyAgreement",
        "KeyEncipherment",
    ])),
    field(
        "ext_key_usage",
        List,
        "Extended key usages, e.g. `ServerAuth`.",
    )
    .or(Unset::List(&[])),
    field("ext_key_usage_oids", List, "Extended key usage OIDs.").or(Unset::List(&[])),
    field(
        "use_csr_common_name",
        Bool,
        "On sign, use the CSR's common name.",
    )
    .or(Unset::Bool(true)),
    field("use_csr_sans", Bool, "On sign, use the CSR's SANs.").or(Unset::Bool(true)),
    field("ou", List, "Subject OU values.").or(Unset::List(&[])),
    field("organization", List, "Subject O values.").or(Unset::List(&[])),
    field("country", List, "Subject C values.").or(Unset::List(&[])),
    field("locality", List, "Subject L values.").or(Unset::List(&[])),
    field("province", List, "Subject ST values.").or(Unset::List(&[])),
    field("street_address", List, "Subject street address values.").or(Unset::List(&[])),
    field("postal_code", List, "Subject postal code values.").or(Unset::List(&[])),
    field(
        "generate_lease",
        Bool,
        "Create a lease for each issued certificate.",
    )
    .or(Unset::Bool(false)),
    field(
        "no_store",
        Bool,
        "Do not store issued certificates (they cannot be revoked by serial).",
    )
    .or(Unset::Bool(false)),
    field("require_cn", Bool, "Require a common name.").or(Unset::Bool(true)),
    field("policy_identifiers", List, "Certificate policy OIDs.").or(Unset::List(&[])),
    field(
        "basic_constraints_valid_for_non_ca",
        Bool,
        "Mark basic constraints valid on non-CA certificates.",
    )
    .or(Unset::Bool(false)),
    field(
        "not_before_duration",
        Duration,
        "How far back NotBefore is set from the time of issue.",
    )
    .or(Unset::Text("30")),
    openbao_field(
        "not_before",
        Str,
        "A fixed NotBefore (RFC 3339) for issued certificates (OpenBao).",
    )
    .or(Unset::Text("")),
    openbao_field(
        "not_before_bound",
        Str,
        "How a NotBefore outside the issuer's validity is handled (server default `permit`; OpenBao).",
    )
    .or(Unset::Text("permit")),
    openbao_field(
        "not_after_bound",
        Str,
        "How a NotAfter beyond the issuer's validity is handled (server default `permit`; OpenBao).",
    )
    .or(Unset::Text("permit")),
    field(
        "not_after",
        Str,
        "A fixed NotAfter (RFC 3339) instead of a TTL.",
    )
    .or(Unset::Text("")),
    field(
        "issuer_ref",
        Str,
        "The issuer that signs, by name or ID (`default`).",
    )
    .or(Unset::Text("default")),
    field(
        "allow_token_displayname",
        Bool,
        "Allow the token's display name as a name. OpenBao 2.x no longer takes it (it ignores it with a warning), so its default is sent only when a deleted line plans it.",
    )
    .or_unsent(Unset::Bool(false)),
    openbao_field(
        "allow_globs_in_identity_templates",
        Bool,
        "Allow globs in identity templates (OpenBao).",
    )
    .or(Unset::Bool(false)),
];

impl Resource for PkiRole {
    type Client = Api;
    type State = PkiRoleState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_role"
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = validation::key(config, true);
        diags.extend(validation::number_in(
            config,
            "signature_bits",
            &validation::SIGNATURE_BITS,
        ));
        diags.extend(validation::names_in(
            config,
            "key_usage",
            &validation::KEY_USAGES,
        ));
        diags.extend(validation::names_in(
            config,
            "ext_key_usage",
            &validation::EXT_KEY_USAGES,
        ));
        diags.extend(fields::validate(FIELDS, config));
        diags
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("A PKI role (`<mount>/roles/<name>`): the rules for certificates issued or signed through it. A field left out is the server's default, named in its description: deleting a line plans the field back to that default (a permission is withdrawn by deleting its line). Such fields stay null in state until they have been set once.")
            .attribute(Attribute::string("id", "The API path, `<mount>/roles/<name>`.").computed())
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the role.").required().requires_replace())
            .attribute(Attribute::string("name", "The role name. Changing it replaces the role.").required().requires_replace());
        for a in fields::attributes(FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if let (Some(mount), Some(name)) = (
            plan.planned.attr("mount").as_str(),
            plan.planned.attr("name").as_str(),
        ) {
            let id = role_path(mount, name);
            plan.planned.set_attr("id", Value::from(id));
        }
        fields::plan(FIELDS, plan);
        // The server picks `key_bits` from `key_type` when it is left out: after a new key type,
        // or a deleted `key_bits` line, the size is the server's to say.
        let key_type = plan.planned.attr("key_type");
        if plan.config.attr("key_bits").is_null()
            && !plan.prior.is_null()
            && key_type != &Value::Unknown
        {
            // Null: never set, so the server's default type.
            let type_default = match key_type.as_str().unwrap_or("rsa") {
                "rsa" => Some(2048),
                "ec" => Some(256),
                // `ed25519` and `any` have no size (OpenBao answers 0).
                _ => Some(0),
            };
            if plan.planned.attr("key_type") != plan.prior.attr("key_type")
                || plan.prior.attr("key_bits").as_i64() != type_default
            {
                plan.planned.set_attr("key_bits", Value::Unknown);
            }
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiRoleState,
    ) -> Result<PkiRoleState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiRoleState,
    ) -> Result<Option<PkiRoleState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: PkiRoleState,
        plan: PkiRoleState,
    ) -> Result<PkiRoleState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Api>, state: PkiRoleState) -> Result<(), Diagnostics> {
        let path = role_path(&state.mount, &state.name);
        ctx.client()?
            .delete(&format!("delete the PKI role {path}"), &path)
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

    async fn import(&self, _ctx: &mut Ctx<'_, Api>, id: &str) -> Result<PkiRoleState, Diagnostics> {
        let bad = || diagnostics::bad_import_id("vaultpki_pki_role", id, "<mount>/roles/<name>");
        let (mount, name) = id
            .trim_matches('/')
            .rsplit_once("/roles/")
            .ok_or_else(bad)?;
        if mount.is_empty() || name.is_empty() || name.contains('/') {
            return Err(bad());
        }
        Ok(PkiRoleState {
            id: Some(id.to_owned()),
            mount: mount.to_owned(),
            name: name.to_owned(),
            fields: fields::nulls(FIELDS),
        })
    }
}

fn role_path(mount: &str, name: &str) -> String {
    format!("{}/roles/{name}", mount.trim_matches('/'))
}

async fn write_and_read(api: &Api, plan: PkiRoleState) -> Result<PkiRoleState, Diagnostics> {
    let path = role_path(&plan.mount, &plan.name);
    let (flavour, address) = api.flavour().await?;
    fields::check_flavour(FIELDS, &plan.fields, flavour, &address)?;
    let action = format!("write the PKI role {path}");
    let body = Json::Object(fields::body_for(FIELDS, &plan.fields, flavour));
    let answer = api.write(&action, &path, &body, Write::SetsState).await?;
    // OpenBao and Vault answer a role write with the role as a read would return it: use that
    // rather than a second request (a server that answers without it is read back).
    if let Some(data) = answer
        .and_then(|mut a| a.get_mut("data").map(Json::take))
        .filter(Json::is_object)
    {
        return Ok(from_data(plan, path, &data));
    }
    fetch(api, plan).await?.ok_or_else(|| {
        diagnostics::unexpected_response(&action, &path, "the role is gone right after writing it")
    })
}

async fn fetch(api: &Api, state: PkiRoleState) -> Result<Option<PkiRoleState>, Diagnostics> {
    let path = role_path(&state.mount, &state.name);
    let Some(data) = api
        .read(&format!("read the PKI role {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(from_data(state, path, &data)))
}

/// The state from the server's role object `data`, keeping `prior`'s spelling where it means
/// the same.
fn from_data(prior: PkiRoleState, path: String, data: &Json) -> PkiRoleState {
    PkiRoleState {
        id: Some(path),
        fields: fields::from_server(FIELDS, data, &prior.fields),
        mount: prior.mount,
        name: prior.name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiRole.schema().check().unwrap();
    }

    #[test]
    fn state_round_trips_through_values() {
        let mut fields = fields::nulls(FIELDS);
        fields.insert("max_ttl".into(), Json::from(60));
        let state = PkiRoleState {
            id: Some("pki/roles/web".into()),
            mount: "pki".into(),
            name: "web".into(),
            fields,
        };
        // Every field reaches Terraform, null ones included.
        let v = tfplugin::to_value(&state).unwrap();
        assert!(
            matches!(&v, Value::Map(m) if m.len() == FIELDS.len() + 3),
            "{v:?}"
        );
        // Back from Terraform, serde's flatten drops null entries: absent means null.
        let back: PkiRoleState = tfplugin::from_value(&v).unwrap();
        assert_eq!(back.fields.get("max_ttl"), Some(&Json::from(60)));
        assert!(back.fields.get("key_usage").is_none_or(Json::is_null));
    }
}
