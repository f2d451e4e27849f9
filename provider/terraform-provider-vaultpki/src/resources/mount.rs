//! `vaultpki_mount` (secrets engines, `sys/mounts/<path>`) and `vaultpki_auth_backend` (auth
//! methods, `sys/auth/<path>`): the two differ only in their API prefix and in whether `type`
//! has a default, so one implementation serves both. Changing `path` moves the mount with
//! `sys/remount` (keeping its data, e.g. a CA); `type` replaces it; description and lease TTLs
//! are tuned in place. The ID is the API path (`sys/mounts/<path>`), which import takes.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::paths::strip_id;

/// Which kind of mount a resource manages.
pub(crate) struct MountResource {
    type_name: &'static str,
    /// `sys/mounts/` or `sys/auth/`.
    prefix: &'static str,
    /// The list endpoint (`sys/mounts` or `sys/auth`).
    list: &'static str,
    /// What `sys/remount` calls this mount's path (`auth/` prefix for auth methods).
    remount_prefix: &'static str,
    default_type: Option<&'static str>,
    /// Whether `path` may be left out for the type (as hashicorp/vault's `vault_auth_backend`
    /// allows).
    path_from_type: bool,
    noun: &'static str,
}

impl MountResource {
    /// `vaultpki_mount`.
    pub(crate) const SECRETS: Self = Self {
        type_name: "vaultpki_mount",
        prefix: "sys/mounts/",
        list: "sys/mounts",
        remount_prefix: "",
        default_type: Some("pki"),
        path_from_type: false,
        noun: "secrets engine",
    };
    /// `vaultpki_auth_backend`.
    pub(crate) const AUTH: Self = Self {
        type_name: "vaultpki_auth_backend",
        prefix: "sys/auth/",
        list: "sys/auth",
        remount_prefix: "auth/",
        default_type: None,
        path_from_type: true,
        noun: "auth method",
    };
}

/// The state model.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) struct MountState {
    id: Option<String>,
    path: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    default_lease_ttl_seconds: Option<i64>,
    max_lease_ttl_seconds: Option<i64>,
    listing_visibility: Option<String>,
    allowed_response_headers: Option<Vec<String>>,
    passthrough_request_headers: Option<Vec<String>>,
    audit_non_hmac_request_keys: Option<Vec<String>>,
    audit_non_hmac_response_keys: Option<Vec<String>>,
    local: Option<bool>,
    seal_wrap: Option<bool>,
    accessor: Option<String>,
}

/// The tunable list settings, read from and sent to `config` / `tune` under the same names.
const TUNED_LISTS: [&str; 4] = [
    "allowed_response_headers",
    "passthrough_request_headers",
    "audit_non_hmac_request_keys",
    "audit_non_hmac_response_keys",
];

impl MountState {
    fn tuned_list(&self, name: &str) -> Option<&Vec<String>> {
        match name {
            "allowed_response_headers" => self.allowed_response_headers.as_ref(),
            "passthrough_request_headers" => self.passthrough_request_headers.as_ref(),
            "audit_non_hmac_request_keys" => self.audit_non_hmac_request_keys.as_ref(),
            "audit_non_hmac_response_keys" => self.audit_non_hmac_response_keys.as_ref(),
            _ => None,
        }
    }
}

impl Resource for MountResource {
    type Client = Api;
    type State = MountState;

    fn type_name(&self) -> &str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        let kind = match self.default_type {
            Some(_) => Attribute::string(
                "type",
                "The secrets engine type (`pki`, `kv`, ...). Defaults to `pki`. Changing it replaces the mount.",
            )
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace(),
            None => Attribute::string(
                "type",
                "The auth method type, e.g. `approle`. Changing it replaces the auth method.",
            )
            .required()
            .requires_replace(),
        };
        Schema::new(format!(
            "Mounts a {} at `path` ({}<path>). Changing `path` moves it with `sys/remount`, keeping its data; the description and lease TTLs are tuned in place.",
            self.noun, self.prefix
        ))
        .attribute(
            Attribute::string(
                "id",
                format!("The API path of the mount, `{}<path>`.", self.prefix),
            )
            .computed(),
        )
        .attribute(if self.path_from_type {
            Attribute::string(
                "path",
                "Where to mount it, without leading or trailing slashes. Changing it moves the mount. Left out: the `type` (e.g. `approle`), as in hashicorp/vault's `vault_auth_backend`.",
            )
            .optional_computed()
        } else {
            Attribute::string(
                "path",
                "Where to mount it, without leading or trailing slashes. Changing it moves the mount.",
            )
            .required()
        })
        .attribute(kind)
        .attribute(
            Attribute::string("description", "Human-friendly description.")
                .optional_computed()
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::number(
                "default_lease_ttl_seconds",
                "Default lease TTL in seconds (0: the system default).",
            )
            .optional_computed()
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::number(
                "max_lease_ttl_seconds",
                "Maximum lease TTL in seconds (0: the system default).",
            )
            .optional_computed()
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::string(
                "listing_visibility",
                "`unauth` to list it in the UI's unauthenticated listing, `hidden` or empty otherwise.",
            )
            .optional_computed()
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::string_list(
                "allowed_response_headers",
                "Response headers the plugin may set (e.g. ACME's `Replay-Nonce`, `Link`, `Location`).",
            )
            .optional_computed()
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::string_list(
                "passthrough_request_headers",
                "Request headers passed through to the plugin (e.g. `If-Modified-Since`).",
            )
            .optional_computed()
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::string_list(
                "audit_non_hmac_request_keys",
                "Request keys the audit log records without HMAC.",
            )
            .optional_computed()
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::string_list(
                "audit_non_hmac_response_keys",
                "Response keys the audit log records without HMAC.",
            )
            .optional_computed()
            .use_state_for_unknown(),
        )
        .attribute(
            Attribute::bool(
                "local",
                "Local to this cluster (not replicated). Set at creation; changing it replaces the mount.",
            )
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace(),
        )
        .attribute(
            Attribute::bool(
                "seal_wrap",
                "Seal-wrap the mount's critical values. Set at creation; changing it replaces the mount.",
            )
            .optional_computed()
            .use_state_for_unknown()
            .requires_replace(),
        )
        .attribute(
            Attribute::string("accessor", "The mount's accessor.")
                .computed()
                .use_state_for_unknown(),
        )
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        match config.attr("path").as_str() {
            Some(p) if p.trim_matches('/').is_empty() => {
                diagnostics::invalid_attribute("path", "path must not be empty.")
            }
            _ => Diagnostics::new(),
        }
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if self.path_from_type && plan.config.attr("path").is_null() {
            let kind = plan.planned.attr("type").clone();
            plan.planned.set_attr("path", kind);
        }
        if let Some(path) = plan.planned.attr("path").as_str() {
            let id = format!("{}{}", self.prefix, path.trim_matches('/'));
            plan.planned.set_attr("id", Value::from(id));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: MountState,
    ) -> Result<MountState, Diagnostics> {
        let api = ctx.client()?;
        let path = plan.path.trim_matches('/').to_owned();
        let kind = plan
            .kind
            .clone()
            .or_else(|| self.default_type.map(str::to_owned))
            .unwrap_or_default();
        let mut body = json!({ "type": kind, "config": tune_body(&plan) });
        if let Some(d) = &plan.description {
            body["description"] = json!(d);
        }
        if let Some(l) = plan.local {
            body["local"] = json!(l);
        }
        if let Some(w) = plan.seal_wrap {
            body["seal_wrap"] = json!(w);
        }
        let target = format!("{}{path}", self.prefix);
        api.write(
            &format!("mount the {} {path}", self.noun),
            &target,
            &body,
            Write::Creates,
        )
        .await?;
        self.read_back(api, &path, &plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: MountState,
    ) -> Result<Option<MountState>, Diagnostics> {
        let api = ctx.client()?;
        let path = state.path.trim_matches('/').to_owned();
        self.fetch(api, &path, &state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: MountState,
        plan: MountState,
    ) -> Result<MountState, Diagnostics> {
        let api = ctx.client()?;
        let from = prior.path.trim_matches('/').to_owned();
        let to = plan.path.trim_matches('/').to_owned();
        if from != to {
            self.remount(api, &from, &to).await?;
        }
        let mut body = tune_body(&plan);
        if let Some(d) = &plan.description {
            body["description"] = json!(d);
        }
        api.write(
            &format!("tune the {} {to}", self.noun),
            &format!("{}{to}/tune", self.prefix),
            &body,
            Write::SetsState,
        )
        .await?;
        self.read_back(api, &to, &plan).await
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Api>, state: MountState) -> Result<(), Diagnostics> {
        let api = ctx.client()?;
        let path = state.path.trim_matches('/');
        api.delete(
            &format!("unmount the {} {path}", self.noun),
            &format!("{}{path}", self.prefix),
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

    async fn import(&self, _ctx: &mut Ctx<'_, Api>, id: &str) -> Result<MountState, Diagnostics> {
        let path = strip_id(id, self.prefix).ok_or_else(|| {
            diagnostics::bad_import_id(self.type_name, id, &format!("{}<path>", self.prefix))
        })?;
        Ok(MountState {
            id: Some(id.to_owned()),
            path: path.to_owned(),
            kind: None,
            description: None,
            default_lease_ttl_seconds: None,
            max_lease_ttl_seconds: None,
            listing_visibility: None,
            allowed_response_headers: None,
            passthrough_request_headers: None,
            audit_non_hmac_request_keys: None,
            audit_non_hmac_response_keys: None,
            local: None,
            seal_wrap: None,
            accessor: None,
        })
    }
}

impl MountResource {
    async fn fetch(
        &self,
        api: &Api,
        path: &str,
        prior: &MountState,
    ) -> Result<Option<MountState>, Diagnostics> {
        let action = format!("read the {} {path}", self.noun);
        let Some(data) = api.read(&action, self.list).await? else {
            return Ok(None);
        };
        let Some(entry) = data.get(format!("{path}/")) else {
            return Ok(None);
        };
        let ttl = |name: &str| {
            entry
                .pointer(&format!("/config/{name}"))
                .and_then(Json::as_i64)
        };
        Ok(Some(MountState {
            id: Some(format!("{}{path}", self.prefix)),
            path: if prior.path.trim_matches('/') == path {
                prior.path.clone()
            } else {
                path.to_owned()
            },
            kind: entry.get("type").and_then(Json::as_str).map(str::to_owned),
            description: Some(
                entry
                    .get("description")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            default_lease_ttl_seconds: Some(ttl("default_lease_ttl").unwrap_or(0)),
            max_lease_ttl_seconds: Some(ttl("max_lease_ttl").unwrap_or(0)),
            listing_visibility: Some(
                entry
                    .pointer("/config/listing_visibility")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            allowed_response_headers: Some(config_list(entry, "allowed_response_headers")),
            passthrough_request_headers: Some(config_list(entry, "passthrough_request_headers")),
            audit_non_hmac_request_keys: Some(config_list(entry, "audit_non_hmac_request_keys")),
            audit_non_hmac_response_keys: Some(config_list(entry, "audit_non_hmac_response_keys")),
            local: entry.get("local").and_then(Json::as_bool),
            seal_wrap: entry.get("seal_wrap").and_then(Json::as_bool),
            accessor: entry
                .get("accessor")
                .and_then(Json::as_str)
                .map(str::to_owned),
        }))
    }

    async fn read_back(
        &self,
        api: &Api,
        path: &str,
        plan: &MountState,
    ) -> Result<MountState, Diagnostics> {
        let action = format!("read the {} {path}", self.noun);
        self.fetch(api, path, plan).await?.ok_or_else(|| {
            diagnostics::unexpected_response(&action, self.list, "the new mount is not listed")
        })
    }

    async fn remount(&self, api: &Api, from: &str, to: &str) -> Result<(), Diagnostics> {
        let from_full = format!("{}{from}", self.remount_prefix);
        let to_full = format!("{}{to}", self.remount_prefix);
        let action = format!("move the {} {from} to {to}", self.noun);
        let answer = api
            .write(
                &action,
                "sys/remount",
                &json!({ "from": from_full, "to": to_full }),
                Write::Creates,
            )
            .await?;
        let Some(id) = answer
            .as_ref()
            .and_then(|a| {
                a.pointer("/data/migration_id")
                    .or_else(|| a.get("migration_id"))
            })
            .and_then(Json::as_str)
            .map(str::to_owned)
        else {
            // Servers that remount synchronously answer without a migration ID.
            return Ok(());
        };
        for _ in 0..240 {
            let status = api
                .read(&action, &format!("sys/remount/status/{id}"))
                .await?
                .and_then(|d| {
                    d.pointer("/migration_info/status")
                        .and_then(Json::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            match status.as_str() {
                "success" => return Ok(()),
                "failure" => {
                    return Err(diagnostics::remount_failed(
                        from,
                        to,
                        "the server reports failure",
                    ));
                }
                _ => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
        Err(diagnostics::remount_failed(
            from,
            to,
            "the move did not finish within 60 s",
        ))
    }
}

/// A list setting of a mount entry's `config` (absent: empty).
fn config_list(entry: &Json, name: &str) -> Vec<String> {
    entry
        .pointer(&format!("/config/{name}"))
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn tune_body(plan: &MountState) -> Json {
    let mut body = json!({});
    for name in TUNED_LISTS {
        if let Some(list) = plan.tuned_list(name) {
            body[name] = json!(list);
        }
    }
    if let Some(v) = &plan.listing_visibility {
        body["listing_visibility"] = json!(v);
    }
    if let Some(t) = plan.default_lease_ttl_seconds {
        body["default_lease_ttl"] = json!(format!("{t}s"));
    }
    if let Some(t) = plan.max_lease_ttl_seconds {
        body["max_lease_ttl"] = json!(format!("{t}s"));
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_well_formed() {
        MountResource::SECRETS.schema().check().unwrap();
        MountResource::AUTH.schema().check().unwrap();
    }

    #[test]
    fn tune_body_sends_seconds() {
        let s = MountState {
            id: None,
            path: "pki".into(),
            kind: None,
            description: None,
            default_lease_ttl_seconds: Some(60),
            max_lease_ttl_seconds: None,
            listing_visibility: None,
            allowed_response_headers: Some(vec!["Link".into()]),
            passthrough_request_headers: None,
            audit_non_hmac_request_keys: None,
            audit_non_hmac_response_keys: None,
            local: None,
            seal_wrap: None,
            accessor: None,
        };
        assert_eq!(
            tune_body(&s),
            json!({"default_lease_ttl": "60s", "allowed_response_headers": ["Link"]})
        );
    }
}
