//! `vaultpki_approle_secret_id`: a secret ID of an AppRole role, created with
//! `auth/<mount>/role/<role_name>/secret-id` and afterwards read and destroyed only through its
//! accessor, because the secret itself is never shown again. A secret ID that expired, was used
//! up or was destroyed outside Terraform leaves the state (and the next apply creates a new one).
//! Import takes the accessor path; the secret itself cannot be recovered.
//!
//! With the write-only `secret_id_wo` the secret ID is chosen by the configuration (typically
//! from an ephemeral value) and created through `custom-secret-id`; it never enters the plan or
//! the state, and bumping `secret_id_wo_version` replaces it with the current value.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema};

use crate::api::Api;
use crate::approle::{self, DEFAULT_MOUNT, plan_mount_and_id};
use crate::diagnostics;
use crate::secret_id::{self, Request};

/// The resource type.
pub(crate) struct ApproleSecretId;

/// The state model.
#[derive(Serialize, Deserialize)]
pub(crate) struct SecretIdState {
    id: Option<String>,
    mount: Option<String>,
    role_name: String,
    metadata: Option<std::collections::BTreeMap<String, String>>,
    cidr_list: Option<Vec<String>>,
    token_bound_cidrs: Option<Vec<String>>,
    ttl: Option<i64>,
    num_uses: Option<i64>,
    secret_id: Option<String>,
    secret_id_wo: Option<String>,
    secret_id_wo_version: Option<i64>,
    accessor: Option<String>,
    expiration_time: Option<String>,
}

impl std::fmt::Debug for SecretIdState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretIdState")
            .field("id", &self.id)
            .field("secret_id", &self.secret_id.as_ref().map(|_| "[redacted]"))
            .field(
                "secret_id_wo",
                &self.secret_id_wo.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl Resource for ApproleSecretId {
    type Client = Api;
    type State = SecretIdState;

    fn type_name(&self) -> &str {
        "vaultpki_approle_secret_id"
    }

    fn schema(&self) -> Schema {
        let input = |a: Attribute| {
            a.optional_computed()
                .use_state_for_unknown()
                .requires_replace()
        };
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        Schema::new("A secret ID of an AppRole role. It is read and destroyed through its accessor; once it expires, is used up or is destroyed outside Terraform it leaves the state and the next apply creates a new one. Import takes `auth/<mount>/role/<role_name>/secret-id-accessor/<accessor>`; the secret itself cannot be recovered by import.")
            .attribute(kept(Attribute::string("id", "`auth/<mount>/role/<role_name>/secret-id-accessor/<accessor>`.")))
            .attribute(Attribute::string("mount", "Path of the AppRole auth method (default `approle`).").optional_computed().use_state_for_unknown().requires_replace())
            .attribute(Attribute::string("role_name", "The role.").required().requires_replace())
            .attribute(input(Attribute::string_map("metadata", "Metadata attached to the secret ID (and to tokens logged in with it).")))
            .attribute(input(Attribute::string_list("cidr_list", "CIDRs that may log in with this secret ID.")))
            .attribute(input(Attribute::string_list("token_bound_cidrs", "CIDRs that may use tokens issued with this secret ID.")))
            .attribute(input(Attribute::number("ttl", "Lifetime in seconds (default: the role's `secret_id_ttl`).")))
            .attribute(input(Attribute::number("num_uses", "Number of logins allowed (default: the role's `secret_id_num_uses`).")))
            .attribute(kept(Attribute::string("secret_id", "The secret ID. Only known to the run that created it (never to an import); null when `secret_id_wo` chose it.")).sensitive())
            .attribute(Attribute::string("secret_id_wo", "A secret ID of your choosing (write-only: never stored in the plan or the state, e.g. from an ephemeral resource), created with `custom-secret-id`. Changing it alone is not seen: bump `secret_id_wo_version` to replace the secret ID with the current value.").optional().write_only().sensitive())
            .attribute(Attribute::number("secret_id_wo_version", "Any number; changing it replaces the secret ID with the current `secret_id_wo`.").optional().requires_replace())
            .attribute(kept(Attribute::string("accessor", "The secret ID's accessor.")))
            .attribute(kept(Attribute::string("expiration_time", "When it expires (RFC 3339), empty when it does not.")))
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        // The ID holds the accessor, known only after creation: keep the prior one on updates.
        if plan.is_create() {
            plan_mount_and_id(plan, |_, _| None);
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: SecretIdState,
    ) -> Result<SecretIdState, Diagnostics> {
        let api = ctx.client()?;
        let mount = plan
            .mount
            .clone()
            .unwrap_or_else(|| DEFAULT_MOUNT.to_owned());
        let role_path = approle::role_path(Some(&mount), &plan.role_name);
        let mut body = Request {
            metadata: &plan.metadata,
            cidr_list: &plan.cidr_list,
            token_bound_cidrs: &plan.token_bound_cidrs,
            ttl: plan.ttl,
            num_uses: plan.num_uses,
        }
        .body()?;
        // A chosen secret ID goes to `custom-secret-id`; it is never returned into the state.
        let (action, path) = match &plan.secret_id_wo {
            Some(custom) => {
                body.insert("secret_id".to_owned(), json!(custom));
                (
                    format!("create a custom secret ID for {role_path}"),
                    format!("{role_path}/custom-secret-id"),
                )
            }
            None => (
                format!("create a secret ID for {role_path}"),
                format!("{role_path}/secret-id"),
            ),
        };
        let created = secret_id::create(api, &action, &path, &Json::Object(body)).await?;
        let accessor = created.accessor;
        let state = SecretIdState {
            id: Some(format!("{role_path}/secret-id-accessor/{accessor}")),
            mount: Some(mount),
            secret_id: plan.secret_id_wo.is_none().then_some(created.secret_id),
            secret_id_wo: None,
            accessor: Some(accessor),
            ..plan
        };
        let read = lookup(api, state).await?;
        read.ok_or_else(|| {
            diagnostics::unexpected_response(
                &action,
                &path,
                "the new secret ID cannot be looked up",
            )
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: SecretIdState,
    ) -> Result<Option<SecretIdState>, Diagnostics> {
        lookup(ctx.client()?, state).await
    }

    async fn update(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        prior: SecretIdState,
        _plan: SecretIdState,
    ) -> Result<SecretIdState, Diagnostics> {
        // Every input replaces; only `mount` going from unset to the default lands here.
        Ok(prior)
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: SecretIdState,
    ) -> Result<(), Diagnostics> {
        let Some(accessor) = &state.accessor else {
            return Ok(());
        };
        secret_id::destroy(ctx.client()?, &role_path(&state), accessor).await
    }

    async fn import(&self, ctx: &mut Ctx<'_, Api>, id: &str) -> Result<SecretIdState, Diagnostics> {
        let expected = "auth/<mount>/role/<role_name>/secret-id-accessor/<accessor>";
        let bad = || diagnostics::bad_import_id("vaultpki_approle_secret_id", id, expected);
        let rest = id.trim_matches('/').strip_prefix("auth/").ok_or_else(bad)?;
        let (role_part, accessor) = rest.rsplit_once("/secret-id-accessor/").ok_or_else(bad)?;
        let (mount, role_name) = role_part.rsplit_once("/role/").ok_or_else(bad)?;
        if mount.is_empty() || role_name.is_empty() || accessor.is_empty() {
            return Err(bad());
        }
        ctx.diagnostics
            .push(diagnostics::secret_id_not_recoverable());
        Ok(SecretIdState {
            id: Some(id.to_owned()),
            mount: Some(mount.to_owned()),
            role_name: role_name.to_owned(),
            metadata: None,
            cidr_list: None,
            token_bound_cidrs: None,
            ttl: None,
            num_uses: None,
            secret_id: None,
            secret_id_wo: None,
            secret_id_wo_version: None,
            accessor: Some(accessor.to_owned()),
            expiration_time: None,
        })
    }
}

fn role_path(state: &SecretIdState) -> String {
    approle::role_path(state.mount.as_deref(), &state.role_name)
}

/// Looks the secret ID up by accessor; `None` when it no longer exists or has expired.
async fn lookup(api: &Api, state: SecretIdState) -> Result<Option<SecretIdState>, Diagnostics> {
    let Some(accessor) = state.accessor.clone() else {
        return Ok(None);
    };
    let role_path = role_path(&state);
    let Some(data) = secret_id::lookup(api, &role_path, &accessor).await? else {
        return Ok(None);
    };
    let expiration = data
        .get("expiration_time")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_owned();
    if is_past(&expiration) {
        return Ok(None);
    }
    let list = |k: &str| -> Vec<String> {
        data.get(k)
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let metadata: std::collections::BTreeMap<String, String> = data
        .get("metadata")
        .and_then(|m| serde_json::from_value(m.clone()).ok())
        .unwrap_or_default();
    Ok(Some(SecretIdState {
        id: Some(format!("{role_path}/secret-id-accessor/{accessor}")),
        metadata: Some(metadata),
        cidr_list: Some(list("cidr_list")),
        token_bound_cidrs: Some(list("token_bound_cidrs")),
        ttl: data
            .get("secret_id_ttl")
            .and_then(Json::as_i64)
            .or(state.ttl),
        // The server counts uses down with every login: keep the configured number.
        num_uses: state
            .num_uses
            .or_else(|| data.get("secret_id_num_uses").and_then(Json::as_i64)),
        expiration_time: Some(expiration),
        ..state
    }))
}

/// Whether an RFC 3339 time (as the server writes it) lies in the past. The zero time
/// (`0001-01-01T00:00:00Z`) and empty strings mean "never expires".
fn is_past(rfc3339: &str) -> bool {
    if rfc3339.is_empty() || rfc3339.starts_with("0001-") {
        return false;
    }
    parse_rfc3339(rfc3339).is_some_and(|t| t <= crate::issuance::now())
}

/// Seconds since the epoch of an RFC 3339 time.
fn parse_rfc3339(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_parses_with_fraction_and_offset() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-23T23:40:00.123456789Z"),
            Some(1_795_477_200)
        );
        assert_eq!(
            parse_rfc3339("2026-11-24T00:40:00+01:00"),
            Some(1_795_477_200)
        );
        assert!(!is_past("0001-01-01T00:00:00Z"));
        assert!(is_past("2001-01-01T00:00:00Z"));
    }

    #[test]
    fn schema_is_well_formed() {
        ApproleSecretId.schema().check().unwrap();
    }
}
