//! hashicorp/vault's names for attributes we spell otherwise, accepted beside ours so that a
//! configuration written for hashicorp/vault applies after renaming its types alone: `backend`
//! for `mount` on every type whose hashicorp/vault equivalent calls the mount that, and `name`
//! for the `role` that issues a certificate.
//!
//! [`Spelling`] wraps such a resource once, whatever its type: the schema gains hashicorp/vault's
//! name and ours stops being required (exactly one of the two is set, checked at validation);
//! the wrapped resource always sees ours, whichever spelling the configuration used. In state both
//! attributes hold the value, so a plan is empty whichever spelling the configuration uses,
//! switching spellings with the same value plans nothing, and references to either attribute
//! work. A different value still replaces the resource, as it always did. States written before
//! the second spelling existed, imports and moves from hashicorp/vault's state get it filled from
//! ours on the way in.

use std::sync::OnceLock;

use serde_json::Value as Json;
use tfplugin::{
    Attribute, AttributePath, Ctx, DataSource, Diagnostics, IdentitySchema, MovedState, Plan,
    RawState, Resource, Schema, Value,
};

use crate::diagnostics;

/// A resource with hashicorp/vault's name of one attribute accepted beside ours.
pub(crate) struct Spelling<R> {
    inner: R,
    names: Names,
    /// What the wrapped schema says of our attribute, read once: validation and every plan
    /// need it, and building the schema for it each time is work per resource per command.
    ours: OnceLock<Ours>,
}

/// What the wrapped schema says of our attribute.
#[derive(Clone, Copy)]
struct Ours {
    /// The configuration must set it (or the other spelling).
    required: bool,
    /// A new value replaces the resource.
    replaces: bool,
}

impl Ours {
    fn of(schema: &Schema, name: &str) -> Self {
        let attr = schema.block.attributes.iter().find(|a| a.name == name);
        Self {
            required: attr.is_some_and(|a| a.required),
            replaces: attr.is_some_and(|a| a.requires_replace),
        }
    }
}

/// The two names of one attribute.
#[derive(Clone, Copy)]
struct Names {
    /// Ours, e.g. `mount`.
    ours: &'static str,
    /// hashicorp/vault's, e.g. `backend`.
    theirs: &'static str,
}

impl<R> Spelling<R> {
    /// `backend` for `mount`.
    pub(crate) const fn backend(inner: R) -> Self {
        Self {
            inner,
            ours: OnceLock::new(),
            names: Names {
                ours: "mount",
                theirs: "backend",
            },
        }
    }

    /// `name` for `role` (the role that issues a certificate).
    pub(crate) const fn role_name(inner: R) -> Self {
        Self {
            inner,
            ours: OnceLock::new(),
            names: Names {
                ours: "role",
                theirs: "name",
            },
        }
    }
}

impl<R: Resource> Resource for Spelling<R> {
    type Client = R::Client;
    type State = Json;

    fn type_name(&self) -> &str {
        self.inner.type_name()
    }

    fn schema(&self) -> Schema {
        self.names.spelled(self.inner.schema(), true)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let required = self.ours(|| self.inner.schema()).required;
        self.names
            .validate(required, config, |ours| self.inner.validate(ours))
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        let Names { ours, theirs } = self.names;
        let chosen = self.names.chosen(&plan.config);
        if !chosen.is_null() {
            plan.config.set_attr(ours, chosen.clone());
            plan.planned.set_attr(ours, chosen);
        }
        // Replacement is decided on our spelling alone, as the default plan would have had the
        // configuration used it, before the wrapped resource adjusts it (e.g. after an import).
        plan.requires_replace
            .retain(|p| *p != AttributePath::root(ours) && *p != AttributePath::root(theirs));
        if !plan.is_create()
            && self.ours(|| self.inner.schema()).replaces
            && plan.planned.attr(ours) != self.names.of(&plan.prior)
        {
            plan.requires_replace.push(AttributePath::root(ours));
        }
        // The wrapped resource may compare the whole planned state with the prior one (e.g. "is
        // anything to change after an import?"), and knows nothing of the second spelling: it
        // sees it unchanged, and is set from the outcome below.
        let hidden = if plan.is_create() {
            plan.planned.attr(ours).clone()
        } else {
            plan.prior.attr(theirs).clone()
        };
        plan.planned.set_attr(theirs, hidden);
        let diags = self.inner.modify_plan(plan);
        let configured = plan.config.attr(theirs).clone();
        if configured.is_null() {
            let effective = plan.planned.attr(ours).clone();
            plan.planned.set_attr(theirs, effective);
        } else {
            // Terraform requires a configured value to be planned as written, and the apply
            // returns both spellings with one value: where the wrapped resource kept a prior
            // value of ours (an import's placeholder), the configured one is recorded instead.
            plan.planned.set_attr(ours, configured.clone());
            plan.planned.set_attr(theirs, configured);
            if plan.requires_replace.contains(&AttributePath::root(ours)) {
                plan.requires_replace.push(AttributePath::root(theirs));
            }
        }
        diags
    }

    fn upgrade_state(&self, version: i64, raw: &RawState) -> Result<Value, Diagnostics> {
        self.inner.upgrade_state(version, raw).map(|mut v| {
            self.names.mirror(&mut v);
            v
        })
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        self.inner.identity_schema()
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
        self.inner
            .move_state(source_type_name, source_version, source_state)
            .map(|moved| {
                moved.map(|mut m| {
                    self.names.mirror(&mut m.state);
                    m
                })
            })
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        plan: Json,
    ) -> Result<Json, Diagnostics> {
        let created = self.inner.create(ctx, self.names.inner(plan)?).await?;
        self.names.outer(&created)
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        state: Json,
    ) -> Result<Option<Json>, Diagnostics> {
        match self.inner.read(ctx, self.names.inner(state)?).await? {
            Some(read) => self.names.outer(&read).map(Some),
            None => Ok(None),
        }
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        prior: Json,
        plan: Json,
    ) -> Result<Json, Diagnostics> {
        let (prior, plan) = (self.names.inner(prior)?, self.names.inner(plan)?);
        let updated = self.inner.update(ctx, prior, plan).await?;
        self.names.outer(&updated)
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        state: Json,
    ) -> Result<(), Diagnostics> {
        self.inner.delete(ctx, self.names.inner(state)?).await
    }

    async fn import(&self, ctx: &mut Ctx<'_, Self::Client>, id: &str) -> Result<Json, Diagnostics> {
        let imported = self.inner.import(ctx, id).await?;
        self.names.outer(&imported)
    }
}

/// The same for a data source: hashicorp/vault's data sources take `backend` too.
impl<R: DataSource> DataSource for Spelling<R> {
    type Client = R::Client;
    type Model = Json;

    fn type_name(&self) -> &str {
        self.inner.type_name()
    }

    fn schema(&self) -> Schema {
        self.names.spelled(self.inner.schema(), false)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let required = self.ours(|| self.inner.schema()).required;
        self.names
            .validate(required, config, |ours| self.inner.validate(ours))
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        config: Json,
    ) -> Result<Json, Diagnostics> {
        let read = self.inner.read(ctx, self.names.inner(config)?).await?;
        self.names.outer(&read)
    }
}

impl<R> Spelling<R> {
    /// What the wrapped schema (built by `schema` the first time only) says of our attribute.
    fn ours(&self, schema: impl FnOnce() -> Schema) -> Ours {
        *self
            .ours
            .get_or_init(|| Ours::of(&schema(), self.names.ours))
    }
}

impl Names {
    /// `schema` with our attribute no longer required and hashicorp/vault's added beside it
    /// (requiring replacement like ours when `replaces`, for resources).
    fn spelled(self, mut schema: Schema, replaces: bool) -> Schema {
        let Self { ours, theirs } = self;
        let Some(attr) = schema.block.attributes.iter_mut().find(|a| a.name == ours) else {
            return schema;
        };
        let default = if attr.required {
            String::new()
        } else {
            " Leave both unset for the default.".to_owned()
        };
        attr.required = false;
        attr.optional = true;
        attr.computed = true;
        attr.description = format!(
            "{} Set this or `{theirs}` (hashicorp/vault's spelling), not both.{default}",
            attr.description
        );
        let alias = Attribute::string(
            theirs,
            format!(
                "The same as `{ours}`, spelled as hashicorp/vault spells it, so that its configurations apply with the type renamed alone. Set this or `{ours}`, not both; state holds the value under both names, so either spelling plans no change and references to either work.{default}"
            ),
        )
        .optional_computed();
        schema.attribute(if replaces {
            alias.requires_replace()
        } else {
            alias
        })
    }

    /// Exactly one spelling set (at most one where the wrapped schema does not require ours).
    fn check(self, required: bool, config: &Value) -> Diagnostics {
        match (
            config.attr(self.ours).is_null(),
            config.attr(self.theirs).is_null(),
        ) {
            (false, false) => diagnostics::spelled_twice(self.ours, self.theirs),
            (true, true) if required => diagnostics::spelling_missing(self.ours, self.theirs),
            _ => Diagnostics::new(),
        }
    }

    /// [`Self::check`], then the wrapped type's own validation of the configuration as it
    /// expects it (see [`Self::as_ours`]) when the spellings are in order.
    fn validate(
        self,
        required: bool,
        config: &Value,
        inner: impl FnOnce(&Value) -> Diagnostics,
    ) -> Diagnostics {
        let mut diags = self.check(required, config);
        if !diags.has_errors() {
            diags.extend(inner(&self.as_ours(config)));
        }
        diags
    }

    /// The value the configuration sets, under either spelling (null when neither is set).
    fn chosen(self, config: &Value) -> Value {
        let ours = config.attr(self.ours);
        if ours.is_null() {
            config.attr(self.theirs).clone()
        } else {
            ours.clone()
        }
    }

    /// A state's value, under either spelling (a state written before the second spelling
    /// existed has ours only).
    fn of(self, state: &Value) -> &Value {
        let ours = state.attr(self.ours);
        if ours.is_null() {
            state.attr(self.theirs)
        } else {
            ours
        }
    }

    /// The configuration as the wrapped resource expects it: the value under our name.
    fn as_ours(self, config: &Value) -> Value {
        let mut config = config.clone();
        let value = self.chosen(&config);
        config.set_attr(self.ours, value);
        config.set_attr(self.theirs, Value::Null);
        config
    }

    /// Sets both spellings to the state's value.
    fn mirror(self, state: &mut Value) {
        if state.is_null() {
            return;
        }
        let value = self.of(state).clone();
        state.set_attr(self.ours, value.clone());
        state.set_attr(self.theirs, value);
    }

    /// Our state (both spellings) as the wrapped resource's state model (ours only).
    fn inner<S: serde::de::DeserializeOwned>(self, state: Json) -> Result<S, Diagnostics> {
        let Json::Object(mut map) = state else {
            return Err(diagnostics::model("state", "not an object"));
        };
        if map.get(self.ours).is_none_or(Json::is_null) {
            let theirs = map.get(self.theirs).cloned().unwrap_or(Json::Null);
            map.insert(self.ours.to_owned(), theirs);
        }
        map.remove(self.theirs);
        serde_json::from_value(Json::Object(map)).map_err(|e| diagnostics::model("state", e))
    }

    /// The wrapped resource's state with hashicorp/vault's spelling mirroring ours.
    fn outer<S: serde::Serialize>(self, state: &S) -> Result<Json, Diagnostics> {
        let json = serde_json::to_value(state).map_err(|e| diagnostics::model("state", e))?;
        let Json::Object(mut map) = json else {
            return Err(diagnostics::model("state", "not an object"));
        };
        let value = map.get(self.ours).cloned().unwrap_or(Json::Null);
        map.insert(self.theirs.to_owned(), value);
        Ok(Json::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Map;

    use super::*;

    const BACKEND: Names = Names {
        ours: "mount",
        theirs: "backend",
    };

    /// A resource under a mount whose plan, like the import-aware ones, keeps everything as it
    /// was unless something in the planned state differs from the prior one.
    struct Fake;

    impl Resource for Fake {
        type Client = ();
        type State = Json;

        fn type_name(&self) -> &str {
            "fake"
        }

        fn schema(&self) -> Schema {
            Schema::new("F")
                .attribute(
                    Attribute::string("mount", "M")
                        .required()
                        .requires_replace(),
                )
                .attribute(Attribute::string("name", "N").required())
                .attribute(Attribute::bool("changed", "C").computed())
        }

        fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
            let changed = !plan.is_create() && plan.planned != plan.prior;
            plan.planned.set_attr("changed", Value::Bool(changed));
            Diagnostics::new()
        }

        async fn create(&self, _: &mut Ctx<'_, ()>, plan: Json) -> Result<Json, Diagnostics> {
            Ok(plan)
        }

        async fn read(
            &self,
            _: &mut Ctx<'_, ()>,
            state: Json,
        ) -> Result<Option<Json>, Diagnostics> {
            Ok(Some(state))
        }

        async fn update(
            &self,
            _: &mut Ctx<'_, ()>,
            _: Json,
            plan: Json,
        ) -> Result<Json, Diagnostics> {
            Ok(plan)
        }

        async fn delete(&self, _: &mut Ctx<'_, ()>, _: Json) -> Result<(), Diagnostics> {
            Ok(())
        }
    }

    fn state(mount: &str) -> Value {
        let mut v = config(Some(mount), Some(mount));
        v.set_attr("name", Value::from("r"));
        v.set_attr("changed", Value::Bool(false));
        v
    }

    /// What Terraform hands over: the configuration, and as proposed state the configuration
    /// with computed attributes it leaves null taken from the prior state.
    fn plan(prior: Value, mount: Option<&str>, backend: Option<&str>) -> Plan {
        let mut config = config(mount, backend);
        config.set_attr("name", Value::from("r"));
        config.set_attr("changed", Value::Null);
        let mut proposed = config.clone();
        for name in ["mount", "backend", "changed"] {
            if proposed.attr(name).is_null() {
                proposed.set_attr(name, prior.attr(name).clone());
            }
        }
        Plan {
            config,
            prior,
            planned: proposed,
            requires_replace: Vec::new(),
            private: tfplugin::Private::default(),
        }
    }

    #[test]
    fn switching_the_spelling_plans_nothing() {
        let r = Spelling::backend(Fake);
        for (mount, backend) in [(Some("pki"), None), (None, Some("pki"))] {
            let mut p = plan(state("pki"), mount, backend);
            assert!(r.modify_plan(&mut p).is_empty());
            assert_eq!(p.planned, p.prior, "{mount:?} {backend:?}");
            assert!(p.requires_replace.is_empty());
        }
    }

    #[test]
    fn another_value_replaces_under_either_spelling() {
        let r = Spelling::backend(Fake);
        let mut p = plan(state("pki"), None, Some("other"));
        r.modify_plan(&mut p);
        assert_eq!(p.planned.attr("mount"), &Value::from("other"));
        assert_eq!(p.planned.attr("backend"), &Value::from("other"));
        assert!(p.requires_replace.contains(&AttributePath::root("backend")));
        assert!(p.requires_replace.contains(&AttributePath::root("mount")));
    }

    #[test]
    fn both_or_neither_spelling_is_refused_naming_them() {
        let r = Spelling::backend(Fake);
        let mut both = config(Some("a"), Some("b"));
        both.set_attr("name", Value::from("r"));
        let d = Resource::validate(&r, &both);
        assert!(d.has_errors());
        assert!(d.to_string().contains("mount and backend"), "{d}");
        let mut neither = config(None, None);
        neither.set_attr("name", Value::from("r"));
        assert!(Resource::validate(&r, &neither).has_errors());
        let schema = Resource::schema(&r);
        let mount = schema.block.attributes.iter().find(|a| a.name == "mount");
        assert!(mount.is_some_and(|a| !a.required && a.optional && a.computed));
    }

    fn config(mount: Option<&str>, backend: Option<&str>) -> Value {
        let mut v = Value::Null;
        v.set_attr("mount", mount.map_or(Value::Null, Value::from));
        v.set_attr("backend", backend.map_or(Value::Null, Value::from));
        v
    }

    #[test]
    fn either_spelling_names_the_value() {
        assert_eq!(
            BACKEND.chosen(&config(Some("pki"), None)),
            Value::from("pki")
        );
        assert_eq!(
            BACKEND.chosen(&config(None, Some("pki"))),
            Value::from("pki")
        );
        assert!(BACKEND.chosen(&config(None, None)).is_null());
        let inner_view = BACKEND.as_ours(&config(None, Some("pki")));
        assert_eq!(inner_view.attr("mount"), &Value::from("pki"));
        assert!(inner_view.attr("backend").is_null());
    }

    #[test]
    fn states_carry_both_spellings_and_old_states_are_filled() {
        let mut old = config(Some("pki"), None);
        BACKEND.mirror(&mut old);
        assert_eq!(old.attr("backend"), &Value::from("pki"));
        let state: Map<String, Json> = BACKEND
            .inner(serde_json::json!({"backend": "pki", "mount": null, "name": "r"}))
            .expect("a state");
        assert_eq!(state.get("mount"), Some(&Json::from("pki")));
        assert!(!state.contains_key("backend"));
        let out = BACKEND.outer(&state).expect("a state");
        assert_eq!(out["backend"], Json::from("pki"));
        assert_eq!(out["mount"], Json::from("pki"));
    }
}
