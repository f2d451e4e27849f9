//! `vaultpki_kubernetes_auth_backend_config`: the settings of a Kubernetes auth method at
//! `auth/<mount>/config`: the Kubernetes API server that reviews service account tokens at
//! login, its CA certificate, the keys that verify tokens offline, and the reviewer JWT, which is
//! write-only: the server never returns it, and a write without it clears it, so every write
//! sends the configured value again and `token_reviewer_jwt_set` shows what the server holds.
//! The object cannot be deleted (the server refuses `DELETE`): destroying the resource only
//! forgets it; disabling the auth method removes it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field, Kind, field};

/// The resource type.
pub(crate) struct KubernetesAuthBackendConfig;

/// The mount used when none is configured.
const DEFAULT_MOUNT: &str = "kubernetes";

/// The state model (no `Debug`: it carries the reviewer JWT during apply).
#[derive(Serialize, Deserialize)]
pub(crate) struct KubernetesConfigState {
    id: Option<String>,
    mount: Option<String>,
    kubernetes_host: String,
    token_reviewer_jwt_wo: Option<String>,
    token_reviewer_jwt_wo_version: Option<i64>,
    token_reviewer_jwt_set: Option<bool>,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

/// The settings besides the host and the reviewer JWT (OpenBao 2.x).
const FIELDS: &[Field] = &[
    field(
        "kubernetes_ca_cert",
        Kind::String,
        "PEM CA certificate of the Kubernetes API server. Required by the server when `disable_local_ca_jwt` is true (always the case outside a pod).",
    ),
    field(
        "pem_keys",
        Kind::StringList,
        "PEM public keys or certificates that verify service account tokens offline, besides the TokenReview API.",
    ),
    field(
        "disable_local_ca_jwt",
        Kind::Bool,
        "Do not fall back to the CA certificate and token of the pod the server runs in. Set it to `true` when the server runs outside Kubernetes.",
    ),
    field(
        "issuer",
        Kind::String,
        "Deprecated by the server: the expected `iss` of service account tokens.",
    ),
    field(
        "disable_iss_validation",
        Kind::Bool,
        "Deprecated by the server (which defaults it to true): skip checking `iss`.",
    ),
];

impl Resource for KubernetesAuthBackendConfig {
    type Client = Api;
    type State = KubernetesConfigState;

    fn type_name(&self) -> &str {
        "vaultpki_kubernetes_auth_backend_config"
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new("The settings of a Kubernetes auth method (`auth/<mount>/config`): the Kubernetes API server that reviews service account tokens at login, its CA certificate and the reviewer JWT (write-only). Logging in through the method needs that API server to be reachable from OpenBao. The server cannot delete the settings: destroying the resource only removes it from the state (disable the auth method to remove them).")
            .attribute(Attribute::string("id", "The API path, `auth/<mount>/config`; import takes it.").computed().use_state_for_unknown())
            .attribute(Attribute::string("mount", "Path of the Kubernetes auth method (default `kubernetes`). Changing it replaces the resource.").optional_computed().use_state_for_unknown().requires_replace())
            .attribute(Attribute::string("kubernetes_host", "URL of the Kubernetes API server, e.g. `https://kubernetes.default.svc:443`.").required())
            .attribute(Attribute::string("token_reviewer_jwt_wo", "A service account JWT allowed to call the TokenReview API (write-only: never stored in the plan or the state). Left out, each login's own token is used to review itself. Changing it alone is not seen: change `token_reviewer_jwt_wo_version` to send the current value.").optional().write_only().sensitive())
            .attribute(Attribute::number("token_reviewer_jwt_wo_version", "Any number; changing it sends the current `token_reviewer_jwt_wo` again.").optional())
            .attribute(Attribute::bool("token_reviewer_jwt_set", "Whether the server holds a reviewer JWT.").computed());
        for a in fields::attributes(FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        // The server refuses this combination at apply; say so at plan time.
        if config.attr("disable_local_ca_jwt").as_bool() == Some(true)
            && config.attr("kubernetes_ca_cert").is_null()
        {
            return diagnostics::invalid_attribute(
                "kubernetes_ca_cert",
                "kubernetes_ca_cert is required when disable_local_ca_jwt = true: without the pod's own CA file the server needs the PEM CA certificate of the Kubernetes API server to reach it.",
            );
        }
        Diagnostics::new()
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_destroy() {
            return Diagnostics::new();
        }
        if plan.config.attr("mount").is_null() && plan.planned.attr("mount") == &Value::Unknown {
            plan.planned.set_attr("mount", Value::from(DEFAULT_MOUNT));
        }
        if let Some(mount) = plan.planned.attr("mount").as_str() {
            let id = config_path(mount);
            plan.planned.set_attr("id", Value::from(id));
        }
        // Whether the server will hold a reviewer JWT follows the configuration.
        let jwt_configured = !plan.config.attr("token_reviewer_jwt_wo").is_null();
        let jwt_held = plan.prior.attr("token_reviewer_jwt_set").as_bool();
        if jwt_held != Some(jwt_configured) {
            plan.planned
                .set_attr("token_reviewer_jwt_set", Value::from(jwt_configured));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: KubernetesConfigState,
    ) -> Result<KubernetesConfigState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: KubernetesConfigState,
    ) -> Result<Option<KubernetesConfigState>, Diagnostics> {
        fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: KubernetesConfigState,
        plan: KubernetesConfigState,
    ) -> Result<KubernetesConfigState, Diagnostics> {
        write_and_read(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        _state: KubernetesConfigState,
    ) -> Result<(), Diagnostics> {
        // The server answers DELETE with 405: the settings live as long as the mount.
        Ok(())
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<KubernetesConfigState, Diagnostics> {
        let mount = mount_from_id(id)?;
        Ok(KubernetesConfigState {
            id: Some(config_path(mount)),
            mount: Some(mount.to_owned()),
            kubernetes_host: String::new(),
            token_reviewer_jwt_wo: None,
            token_reviewer_jwt_wo_version: None,
            token_reviewer_jwt_set: None,
            fields: fields::nulls(FIELDS),
        })
    }
}

fn mount(state: &KubernetesConfigState) -> &str {
    state
        .mount
        .as_deref()
        .map_or(DEFAULT_MOUNT, |m| m.trim_matches('/'))
}

fn config_path(mount: &str) -> String {
    format!("auth/{}/config", mount.trim_matches('/'))
}

fn mount_from_id(id: &str) -> Result<&str, Diagnostics> {
    id.trim_matches('/')
        .strip_prefix("auth/")
        .and_then(|rest| rest.strip_suffix("/config"))
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            diagnostics::bad_import_id(
                "vaultpki_kubernetes_auth_backend_config",
                id,
                "auth/<mount>/config",
            )
        })
}

async fn write_and_read(
    api: &Api,
    plan: KubernetesConfigState,
) -> Result<KubernetesConfigState, Diagnostics> {
    let path = config_path(mount(&plan));
    let action = format!("write the Kubernetes auth settings {path}");
    let mut body = fields::body(FIELDS, &plan.fields);
    body.insert("kubernetes_host".to_owned(), json!(plan.kubernetes_host));
    // Left out, the server clears the reviewer JWT: send the configured one on every write.
    if let Some(jwt) = &plan.token_reviewer_jwt_wo {
        body.insert("token_reviewer_jwt".to_owned(), json!(jwt));
    }
    api.write(&action, &path, &Json::Object(body), Write::SetsState)
        .await?;
    fetch(api, plan).await?.ok_or_else(|| {
        diagnostics::unexpected_response(
            &action,
            &path,
            "the settings are gone right after writing them",
        )
    })
}

async fn fetch(
    api: &Api,
    state: KubernetesConfigState,
) -> Result<Option<KubernetesConfigState>, Diagnostics> {
    let mount = mount(&state).to_owned();
    let path = config_path(&mount);
    let action = format!("read the Kubernetes auth settings {path}");
    // A mount that was never configured answers 200 with no data, not 404.
    let Some(data) = api.read(&action, &path).await?.filter(|d| !d.is_null()) else {
        return Ok(None);
    };
    let Some(host) = data.get("kubernetes_host").and_then(Json::as_str) else {
        return Ok(None);
    };
    Ok(Some(KubernetesConfigState {
        id: Some(path),
        mount: Some(state.mount.unwrap_or(mount)),
        kubernetes_host: host.to_owned(),
        token_reviewer_jwt_wo: None,
        token_reviewer_jwt_wo_version: state.token_reviewer_jwt_wo_version,
        token_reviewer_jwt_set: data.get("token_reviewer_jwt_set").and_then(Json::as_bool),
        fields: fields::from_server(FIELDS, &data, &state.fields),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        KubernetesAuthBackendConfig.schema().check().unwrap();
    }

    #[test]
    fn the_ca_certificate_is_required_outside_a_pod() {
        let mut config = Value::Null;
        config.set_attr("disable_local_ca_jwt", Value::from(true));
        let d = KubernetesAuthBackendConfig.validate(&config);
        assert!(
            d.0[0].detail.starts_with("kubernetes_ca_cert is required"),
            "{:?}",
            d.0
        );
        config.set_attr("kubernetes_ca_cert", Value::Unknown);
        assert!(KubernetesAuthBackendConfig.validate(&config).0.is_empty());
    }

    #[test]
    fn import_ids_name_the_mount() {
        assert_eq!(mount_from_id("/auth/k8s/eu/config/").unwrap(), "k8s/eu");
        for bad in [
            "auth/config",
            "k8s/config",
            "auth/k8s/role/x",
            "auth//config",
        ] {
            assert!(mount_from_id(bad).is_err(), "{bad}");
        }
    }
}
