//! The config singletons of a PKI mount (`<mount>/config/<name>`): objects every mount has from
//! the start, so "create" and "update" are the same write, "read" is a GET, and "delete" can only
//! put the fresh-mount values back (or forget the resource where the server refuses that). Their
//! ID is the API path, which import takes, so nested mounts such as `pki/int/eu` work.
//!
//! [`ConfigSingleton`] holds what differs between them (type name, path, wording, the table of
//! fields, what destroy does); [`Singleton`] is the one resource implementation they share. The
//! path helpers are also used by the singletons with a hand-written model
//! (`vaultpki_pki_config_issuers`, `vaultpki_pki_config_ca`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use tfplugin::{Attribute, Ctx, Diagnostics, MovedState, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field};

/// What one table-driven config singleton is made of.
pub(crate) trait ConfigSingleton: Send + Sync + 'static {
    /// The resource type name, e.g. `vaultpki_pki_config_acme`.
    const TYPE_NAME: &'static str;
    /// The path under the mount, e.g. `config/acme`.
    const SUFFIX: &'static str;
    /// How diagnostics name the object, e.g. `the ACME settings`.
    const WHAT: &'static str;
    /// The resource's schema description.
    const DESCRIPTION: &'static str;
    /// One row per API field.
    const FIELDS: &'static [Field];
    /// What destroying the resource does on the server.
    const ON_DESTROY: OnDestroy;
}

/// What destroying a config singleton does: the object cannot be deleted.
#[derive(Clone, Copy)]
pub(crate) enum OnDestroy {
    /// Write the server's fresh-mount defaults (every field) back.
    ServerDefaults(fn() -> Json),
    /// Write the empty values of a fresh mount (every field) back.
    Empty(fn() -> Json),
    /// Change nothing on the server (it refuses the fresh-mount values): only forget it.
    Forget,
}

/// The resource type of a [`ConfigSingleton`].
pub(crate) struct Singleton<S>(pub(crate) S);

/// The state model: identity plus one entry per [`ConfigSingleton::FIELDS`] row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct SingletonState {
    id: Option<String>,
    mount: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

impl<S: ConfigSingleton> Resource for Singleton<S> {
    type Client = Api;
    type State = SingletonState;

    fn type_name(&self) -> &str {
        S::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let id = format!(
            "The API path, `<mount>/{}`; import takes it (nested mounts such as `pki/int/eu` work).",
            S::SUFFIX
        );
        let mut schema = Schema::new(S::DESCRIPTION)
            .attribute(
                Attribute::string("id", id)
                    .computed()
                    .use_state_for_unknown(),
            )
            .attribute(mount_attribute());
        for a in fields::attributes(S::FIELDS) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        fields::validate(S::FIELDS, config)
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        plan_id(plan, S::SUFFIX);
        fields::plan(S::FIELDS, plan);
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: SingletonState,
    ) -> Result<SingletonState, Diagnostics> {
        write_and_read::<S>(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: SingletonState,
    ) -> Result<Option<SingletonState>, Diagnostics> {
        fetch::<S>(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: SingletonState,
        plan: SingletonState,
    ) -> Result<SingletonState, Diagnostics> {
        write_and_read::<S>(ctx.client()?, plan).await
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: SingletonState,
    ) -> Result<(), Diagnostics> {
        let path = path(&state.mount, S::SUFFIX);
        let (action, values) = match S::ON_DESTROY {
            OnDestroy::ServerDefaults(values) => (
                format!("reset {} {path} to the server defaults", S::WHAT),
                values,
            ),
            OnDestroy::Empty(values) => (format!("reset {} {path}", S::WHAT), values),
            OnDestroy::Forget => return Ok(()),
        };
        ctx.client()?
            .write(&action, &path, &values(), Write::SetsState)
            .await
            .map(|_| ())
    }

    fn move_state(
        &self,
        source_type_name: &str,
        source_version: i64,
        source_state: &Json,
    ) -> Option<Result<MovedState, Diagnostics>> {
        // Only the singletons the official provider has a mapping for accept moves; for the
        // others this finds no mapping and answers `None`, like the trait's default.
        crate::migrate::move_into(self, source_type_name, source_version, source_state)
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<SingletonState, Diagnostics> {
        let mount = mount_from_id(S::TYPE_NAME, id, S::SUFFIX)?;
        Ok(SingletonState {
            id: Some(path(mount, S::SUFFIX)),
            mount: mount.to_owned(),
            fields: fields::nulls(S::FIELDS),
        })
    }
}

/// The API path of the singleton `suffix` (such as `config/acme`) of `mount`.
pub(crate) fn path(mount: &str, suffix: &str) -> String {
    format!("{}/{suffix}", mount.trim_matches('/'))
}

/// The mount of an import ID `<mount>/<suffix>` (surrounding slashes ignored).
pub(crate) fn mount_from_id<'a>(
    type_name: &str,
    id: &'a str,
    suffix: &str,
) -> Result<&'a str, Diagnostics> {
    id.trim_matches('/')
        .strip_suffix(suffix)
        .and_then(|m| m.strip_suffix('/'))
        .filter(|m| !m.is_empty())
        .ok_or_else(|| diagnostics::bad_import_id(type_name, id, &format!("<mount>/{suffix}")))
}

/// Plans the `id` attribute from the planned `mount`, when it is known.
pub(crate) fn plan_id(plan: &mut Plan, suffix: &str) {
    if let Some(mount) = plan.planned.attr("mount").as_str() {
        let id = path(mount, suffix);
        plan.planned.set_attr("id", Value::from(id));
    }
}

/// The `mount` attribute every singleton has.
pub(crate) fn mount_attribute() -> Attribute {
    Attribute::string(
        "mount",
        "Path of the PKI mount. Changing it replaces the resource.",
    )
    .required()
    .requires_replace()
}

async fn write_and_read<S: ConfigSingleton>(
    api: &Api,
    plan: SingletonState,
) -> Result<SingletonState, Diagnostics> {
    let path = path(&plan.mount, S::SUFFIX);
    let action = format!("write {} {path}", S::WHAT);
    let body = Json::Object(fields::body(S::FIELDS, &plan.fields));
    api.write(&action, &path, &body, Write::SetsState).await?;
    fetch::<S>(api, plan)
        .await?
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "the mount is gone"))
}

async fn fetch<S: ConfigSingleton>(
    api: &Api,
    state: SingletonState,
) -> Result<Option<SingletonState>, Diagnostics> {
    let path = path(&state.mount, S::SUFFIX);
    let Some(data) = api.read(&format!("read {} {path}", S::WHAT), &path).await? else {
        return Ok(None);
    };
    Ok(Some(SingletonState {
        id: Some(path),
        fields: fields::from_server(S::FIELDS, &data, &state.fields),
        mount: state.mount,
    }))
}

/// Checks shared by every singleton's unit tests.
#[cfg(test)]
pub(crate) fn check<S: ConfigSingleton>(s: S) {
    let suffix = S::SUFFIX;
    assert_eq!(path("/pki/int/eu/", suffix), format!("pki/int/eu/{suffix}"));
    let nested = format!("/pki/int/eu/{suffix}/");
    assert_eq!(
        mount_from_id(S::TYPE_NAME, &nested, suffix).unwrap(),
        "pki/int/eu"
    );
    for bad in [
        suffix.to_owned(),
        format!("pki/{suffix}x"),
        format!("pki{suffix}"),
    ] {
        assert!(mount_from_id(S::TYPE_NAME, &bad, suffix).is_err(), "{bad}");
    }
    if let OnDestroy::ServerDefaults(values) | OnDestroy::Empty(values) = S::ON_DESTROY {
        let values = values();
        for f in S::FIELDS {
            assert!(
                values.get(f.name).is_some(),
                "{} has no reset value",
                f.name
            );
        }
    }
    let resource = Singleton(s);
    resource.schema().check().unwrap();
    assert_eq!(resource.type_name(), S::TYPE_NAME);
}
