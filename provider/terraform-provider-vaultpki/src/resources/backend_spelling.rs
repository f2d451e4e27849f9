//! `backend`, hashicorp/vault's name for the mount a resource lives under, accepted beside our
//! `mount` on every type whose hashicorp/vault equivalent calls it that, so that a configuration
//! written for hashicorp/vault applies after renaming its types alone.
//!
//! [`Backend`] wraps such a resource once, whatever its type: the schema gains `backend` and
//! `mount` stops being required (exactly one of the two is set, checked at validation); the
//! wrapped resource always sees `mount`, whichever spelling the configuration used. In state both
//! attributes hold the mount, so a plan is empty whichever spelling the configuration uses,
//! switching spellings with the same value plans nothing, and references to either attribute
//! work. A different value still replaces the resource, as a different `mount` always did.
//! States written before `backend` existed, imports and moves from hashicorp/vault's state get
//! `backend` filled from `mount` on the way in.

use serde_json::Value as Json;
use tfplugin::{
    Attribute, AttributePath, Ctx, Diagnostics, IdentitySchema, MovedState, Plan, RawState,
    Resource, Schema, Value,
};

use crate::diagnostics;

/// Our spelling.
const MOUNT: &str = "mount";
/// hashicorp/vault's spelling.
const BACKEND: &str = "backend";

/// A resource living under a mount, with `backend` accepted as another spelling of `mount`.
pub(crate) struct Backend<R>(pub(crate) R);

impl<R: Resource> Resource for Backend<R> {
    type Client = R::Client;
    type State = Json;

    fn type_name(&self) -> &str {
        self.0.type_name()
    }

    fn schema(&self) -> Schema {
        let mut schema = self.0.schema();
        let Some(mount) = schema.block.attributes.iter_mut().find(|a| a.name == MOUNT) else {
            return schema;
        };
        let default = if mount.required {
            String::new()
        } else {
            " Leave both unset for the default.".to_owned()
        };
        mount.required = false;
        mount.optional = true;
        mount.computed = true;
        mount.description = format!(
            "{} Set this or `backend` (hashicorp/vault's spelling), not both.{default}",
            mount.description
        );
        let backend = Attribute::string(
            BACKEND,
            format!(
                "The same as `mount`, spelled as hashicorp/vault spells it, so that its configurations apply with the type renamed alone. Set this or `mount`, not both; state holds the value under both names, so either spelling plans no change and references to either work.{default}"
            ),
        )
        .optional_computed()
        .requires_replace();
        schema.attribute(backend)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let (mount, backend) = (config.attr(MOUNT), config.attr(BACKEND));
        let mount_required = self
            .0
            .schema()
            .block
            .attributes
            .iter()
            .any(|a| a.name == MOUNT && a.required);
        let mut diags = Diagnostics::new();
        match (mount.is_null(), backend.is_null()) {
            (false, false) => diags.extend(diagnostics::mount_spelled_twice()),
            (true, true) if mount_required => diags.extend(diagnostics::mount_missing()),
            _ => {}
        }
        if diags.has_errors() {
            return diags;
        }
        diags.extend(self.0.validate(&as_mount(config)));
        diags
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        let chosen = chosen(&plan.config);
        if !chosen.is_null() {
            plan.config.set_attr(MOUNT, chosen.clone());
            plan.planned.set_attr(MOUNT, chosen);
        }
        // The default plan compared each spelling on its own; whether the mount changed is
        // decided below on the value, whatever its spelling.
        plan.requires_replace
            .retain(|p| *p != AttributePath::root(MOUNT) && *p != AttributePath::root(BACKEND));
        let diags = self.0.modify_plan(plan);
        let effective = plan.planned.attr(MOUNT).clone();
        plan.planned.set_attr(BACKEND, effective.clone());
        if !plan.is_create() && effective != *mount_of(&plan.prior) {
            let spelling = if plan.config.attr(BACKEND).is_null() {
                MOUNT
            } else {
                BACKEND
            };
            plan.requires_replace.push(AttributePath::root(spelling));
        }
        diags
    }

    fn upgrade_state(&self, version: i64, raw: &RawState) -> Result<Value, Diagnostics> {
        self.0.upgrade_state(version, raw).map(|mut v| {
            mirror_value(&mut v);
            v
        })
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.0.identity_schema()
    }

    fn move_state(
        &self,
        source_type_name: &str,
        source_version: i64,
        source_state: &Json,
    ) -> Option<Result<MovedState, Diagnostics>> {
        // The mappers rename hashicorp/vault's `backend` to `mount`; mirroring it back makes the
        // plan after the move empty for a configuration that kept `backend` and for one that
        // switched to `mount`.
        self.0
            .move_state(source_type_name, source_version, source_state)
            .map(|moved| {
                moved.map(|mut m| {
                    mirror_value(&mut m.state);
                    m
                })
            })
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        plan: Json,
    ) -> Result<Json, Diagnostics> {
        let created = self.0.create(ctx, inner(plan)?).await?;
        outer(&created)
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        state: Json,
    ) -> Result<Option<Json>, Diagnostics> {
        match self.0.read(ctx, inner(state)?).await? {
            Some(read) => outer(&read).map(Some),
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        prior: Json,
        plan: Json,
    ) -> Result<Json, Diagnostics> {
        let updated = self.0.update(ctx, inner(prior)?, inner(plan)?).await?;
        outer(&updated)
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        state: Json,
    ) -> Result<(), Diagnostics> {
        self.0.delete(ctx, inner(state)?).await
    }

    async fn import(&self, ctx: &mut Ctx<'_, Self::Client>, id: &str) -> Result<Json, Diagnostics> {
        let imported = self.0.import(ctx, id).await?;
        outer(&imported)
    }
}

/// The mount the configuration names, under either spelling (null when neither is set).
fn chosen(config: &Value) -> Value {
    let mount = config.attr(MOUNT);
    if mount.is_null() {
        config.attr(BACKEND).clone()
    } else {
        mount.clone()
    }
}

/// A state's mount, under either spelling (a state written before `backend` has `mount` only).
fn mount_of(state: &Value) -> &Value {
    let mount = state.attr(MOUNT);
    if mount.is_null() {
        state.attr(BACKEND)
    } else {
        mount
    }
}

/// The configuration as the wrapped resource expects it: the mount under `mount`.
fn as_mount(config: &Value) -> Value {
    let mut config = config.clone();
    let mount = chosen(&config);
    config.set_attr(MOUNT, mount);
    config.set_attr(BACKEND, Value::Null);
    config
}

/// Sets both spellings to the state's mount.
fn mirror_value(state: &mut Value) {
    if state.is_null() {
        return;
    }
    let mount = mount_of(state).clone();
    state.set_attr(MOUNT, mount.clone());
    state.set_attr(BACKEND, mount);
}

/// Our state (both spellings) as the wrapped resource's state model (`mount` only).
fn inner<S: serde::de::DeserializeOwned>(state: Json) -> Result<S, Diagnostics> {
    let Json::Object(mut map) = state else {
        return Err(diagnostics::model("state", "not an object"));
    };
    if map.get(MOUNT).is_none_or(Json::is_null) {
        let backend = map.get(BACKEND).cloned().unwrap_or(Json::Null);
        map.insert(MOUNT.to_owned(), backend);
    }
    map.remove(BACKEND);
    serde_json::from_value(Json::Object(map)).map_err(|e| diagnostics::model("state", e))
}

/// The wrapped resource's state with `backend` mirroring `mount`.
fn outer<S: serde::Serialize>(state: &S) -> Result<Json, Diagnostics> {
    let json = serde_json::to_value(state).map_err(|e| diagnostics::model("state", e))?;
    let Json::Object(mut map) = json else {
        return Err(diagnostics::model("state", "not an object"));
    };
    let mount = map.get(MOUNT).cloned().unwrap_or(Json::Null);
    map.insert(BACKEND.to_owned(), mount);
    Ok(Json::Object(map))
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;

    fn config(mount: Option<&str>, backend: Option<&str>) -> Value {
        let mut v = Value::Null;
        v.set_attr(MOUNT, mount.map_or(Value::Null, Value::from));
        v.set_attr(BACKEND, backend.map_or(Value::Null, Value::from));
        v
    }

    #[test]
    fn either_spelling_names_the_mount() {
        assert_eq!(chosen(&config(Some("pki"), None)), Value::from("pki"));
        assert_eq!(chosen(&config(None, Some("pki"))), Value::from("pki"));
        assert!(chosen(&config(None, None)).is_null());
        let inner_view = as_mount(&config(None, Some("pki")));
        assert_eq!(inner_view.attr(MOUNT), &Value::from("pki"));
        assert!(inner_view.attr(BACKEND).is_null());
    }

    #[test]
    fn states_carry_both_spellings_and_old_states_are_filled() {
        let mut old = config(Some("pki"), None);
        mirror_value(&mut old);
        assert_eq!(old.attr(BACKEND), &Value::from("pki"));
        let state: Map<String, Json> =
            inner(serde_json::json!({"backend": "pki", "mount": null, "name": "r"}))
                .expect("a state");
        assert_eq!(state.get(MOUNT), Some(&Json::from("pki")));
        assert!(!state.contains_key(BACKEND));
        let out = outer(&state).expect("a state");
        assert_eq!(out[BACKEND], Json::from("pki"));
        assert_eq!(out[MOUNT], Json::from("pki"));
    }
}
