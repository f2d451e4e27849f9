//! The provider-author API: one trait per kind of thing a provider offers. The common case (a
//! resource that maps a model struct to an API object) needs only `type_name`, `schema` and the
//! four CRUD functions; everything else has a default. Models are plain serde structs: `Option`
//! for nullable attributes, [`Maybe`](crate::Maybe) where a value may be unknown.
//!
//! Internally each trait is erased to an object-safe twin working on [`Value`]s, so that one
//! server can hold many resource types of different model types.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    AttributePath, Diagnostic, Diagnostics, IdentitySchema, Schema, Type, Value, from_value,
    to_value,
};

/// The provider itself: its configuration schema, how configuring it yields a client, and the
/// types it offers.
pub trait Provider: Send + Sync + 'static {
    /// What `configure` produces and every resource call receives (e.g. an API client).
    type Client: Send + Sync + 'static;
    /// The provider configuration model.
    type Config: DeserializeOwned + Send + 'static;

    /// The provider configuration schema.
    fn schema(&self) -> Schema;

    /// Validates a configuration that may still hold unknown values.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Builds the client from the configuration. Unknown configuration values (a provider
    /// configured from resources not yet created) arrive as null; `ctx.config_has_unknowns`
    /// says when that happened.
    fn configure(
        &self,
        ctx: &mut ConfigureCtx,
        config: Self::Config,
    ) -> impl Future<Output = Result<Self::Client, Diagnostics>> + Send;

    /// Managed resource types.
    fn resources(&self) -> Vec<AnyResource<Self::Client>>;

    /// Data source types.
    fn data_sources(&self) -> Vec<AnyDataSource<Self::Client>> {
        Vec::new()
    }

    /// Ephemeral resource types.
    fn ephemeral_resources(&self) -> Vec<AnyEphemeralResource<Self::Client>> {
        Vec::new()
    }

    /// Provider functions.
    fn functions(&self) -> Vec<AnyFunction> {
        Vec::new()
    }
}

/// What `Provider::configure` learns besides the configuration.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ConfigureCtx {
    /// The calling Terraform's version.
    pub terraform_version: String,
    /// Whether some configuration values were unknown (and were passed as null).
    pub config_has_unknowns: bool,
    /// Warnings to show the user.
    pub diagnostics: Diagnostics,
}

/// What every resource, data source and ephemeral resource call receives besides its model.
pub struct Ctx<'a, C> {
    client: Option<&'a C>,
    stop: tokio::sync::watch::Receiver<bool>,
    /// Provider-private data stored alongside the state (not shown to the user, but stored in
    /// plain text in the state file: never put secrets here).
    pub private: Private,
    /// Warnings to show the user; errors are returned instead.
    pub diagnostics: Diagnostics,
    /// Ephemeral resources only: when Terraform should call `renew`.
    pub renew_at: Option<SystemTime>,
}

impl<C> fmt::Debug for Ctx<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx")
            .field("configured", &self.client.is_some())
            .field("private_keys", &self.private.0.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<'a, C> Ctx<'a, C> {
    pub(crate) fn new(
        client: Option<&'a C>,
        stop: tokio::sync::watch::Receiver<bool>,
        private: Private,
    ) -> Self {
        Self {
            client,
            stop,
            private,
            diagnostics: Diagnostics::new(),
            renew_at: None,
        }
    }

    /// The configured client; an error diagnostic when the provider is not configured.
    pub fn client(&self) -> Result<&'a C, Diagnostics> {
        self.client.ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "This call needs the provider configuration, but ConfigureProvider has not run. \
                 This is a bug in the caller or the provider.",
            )
            .into()
        })
    }

    /// Whether Terraform asked the provider to stop (StopProvider, e.g. after Ctrl-C): long
    /// operations and retry loops should give up with an error soon.
    pub fn is_stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Completes when Terraform asks the provider to stop; `select!` it against long waits.
    pub async fn stopping(&self) {
        let mut stop = self.stop.clone();
        let _ = stop.wait_for(|stopping| *stopping).await;
    }

    /// Adds a warning.
    pub fn warn(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(summary, detail));
    }
}

/// Provider-private state: a JSON object stored as bytes next to the resource's state.
#[derive(Clone, Default, PartialEq)]
pub struct Private(pub BTreeMap<String, serde_json::Value>);

impl fmt::Debug for Private {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Private")
            .field("keys", &self.0.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Private {
    /// Decodes private bytes (empty bytes: empty).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Diagnostics> {
        if bytes.is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_slice(bytes).map(Self).map_err(|e| {
            Diagnostic::error(
                "Invalid private state",
                format!("The provider's private state for this resource is not a JSON object ({e}). It may have been written by another provider."),
            )
            .into()
        })
    }

    /// Encodes to bytes (empty: no bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.0.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.0).unwrap_or_default()
    }

    /// A typed entry.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.0
            .get(key)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Sets a typed entry.
    pub fn set<T: Serialize>(&mut self, key: &str, value: &T) {
        if let Ok(v) = serde_json::to_value(value) {
            self.0.insert(key.to_owned(), v);
        }
    }
}

/// A plan being computed for a managed resource, after the crate's default planning (computed
/// attributes unknown where they may change, write-only attributes null, requires-replace from
/// the schema). `Resource::modify_plan` may adjust it.
#[derive(Debug)]
pub struct Plan {
    /// The configuration (may hold unknowns).
    pub config: Value,
    /// The prior state; null when creating.
    pub prior: Value,
    /// The planned new state; null when destroying.
    pub planned: Value,
    /// Attributes whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Planned private state.
    pub private: Private,
}

impl Plan {
    /// Whether this plan creates the resource.
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }

    /// Whether this plan destroys the resource.
    pub fn is_destroy(&self) -> bool {
        self.planned.is_null()
    }
}

/// Raw stored state handed to `Resource::upgrade_state`.
#[derive(Clone, Debug)]
pub enum RawState {
    /// The JSON written by Terraform 0.12 and later.
    Json(serde_json::Value),
    /// The flatmap written by SDKv1 providers (`"tags.%" = "1"`, `"list.0.x" = "..."`).
    Flatmap(BTreeMap<String, String>),
}

impl RawState {
    /// Decodes the raw state with the type of the schema version it was written with.
    pub fn decode(&self, ty: &Type) -> Result<Value, Diagnostics> {
        let result = match self {
            Self::Json(json) => Value::from_json(json, ty),
            Self::Flatmap(map) => Ok(crate::flatmap::decode(map, ty)),
        };
        result.map_err(|e| Diagnostic::error("Invalid stored state", e.to_string()).into())
    }
}

/// A managed resource type.
pub trait Resource: Send + Sync + 'static {
    /// The provider's client type.
    type Client: Send + Sync + 'static;
    /// The state model: every attribute of the schema, as a serde struct.
    type State: Serialize + DeserializeOwned + Send + 'static;

    /// The full type name, e.g. `example_thing`.
    fn type_name(&self) -> &str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Creates the object. `plan` holds the configuration's values (write-only ones included)
    /// and null where a computed value is to be filled in. Returns the new state.
    fn create(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        plan: Self::State,
    ) -> impl Future<Output = Result<Self::State, Diagnostics>> + Send;

    /// Reads the object. `None` means it is gone: Terraform drops it from state (a warning is
    /// added so the user sees why).
    fn read(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        state: Self::State,
    ) -> impl Future<Output = Result<Option<Self::State>, Diagnostics>> + Send;

    /// Updates the object in place.
    fn update(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        prior: Self::State,
        plan: Self::State,
    ) -> impl Future<Output = Result<Self::State, Diagnostics>> + Send;

    /// Deletes the object.
    fn delete(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        state: Self::State,
    ) -> impl Future<Output = Result<(), Diagnostics>> + Send;

    /// Turns an import ID into a state that `read` can complete. The default sets the `id`
    /// attribute to the import ID and everything else to null.
    fn import(
        &self,
        _ctx: &mut Ctx<'_, Self::Client>,
        id: &str,
    ) -> impl Future<Output = Result<Self::State, Diagnostics>> + Send {
        let result = default_import::<Self::State>(&self.schema(), self.type_name(), id);
        async move { result }
    }

    /// Validates a configuration that may hold unknowns.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Adjusts the default plan.
    fn modify_plan(&self, _plan: &mut Plan) -> Diagnostics {
        Diagnostics::new()
    }

    /// Upgrades state written with schema version `version` (older than the current one) to the
    /// current schema. The default refuses.
    fn upgrade_state(&self, version: i64, _raw: &RawState) -> Result<Value, Diagnostics> {
        Err(Diagnostic::error(
            "Unsupported state version",
            format!(
                "The stored state of this {} was written with schema version {version}, which this provider version cannot upgrade. Use the provider version that wrote it, or remove it from state and import it again.",
                self.type_name()
            ),
        )
        .into())
    }

    /// The resource identity (protocol 6.9), if this type declares one. Identity data is taken
    /// from the state attributes of the same names; importing by identity builds a state from
    /// it for `read` to complete.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// Accepts state moved from another resource type (`moved` blocks across types). Returns
    /// `None` when this resource does not accept moves from `source_type_name` (the default).
    /// Warnings in the [`MovedState`] (e.g. for attributes that could not be carried over) are
    /// shown by Terraform with the move.
    fn move_state(
        &self,
        _source_type_name: &str,
        _source_version: i64,
        _source_state: &serde_json::Value,
    ) -> Option<Result<MovedState, Diagnostics>> {
        None
    }
}

/// State moved from another resource type, and the warnings that go with the move.
#[derive(Clone, Debug)]
pub struct MovedState {
    /// The state in the target resource's schema.
    pub state: Value,
    /// Shown to the user with the move (errors belong in the `Err` case instead).
    pub warnings: Diagnostics,
}

impl From<Value> for MovedState {
    fn from(state: Value) -> Self {
        Self {
            state,
            warnings: Diagnostics::new(),
        }
    }
}

fn default_import<T: DeserializeOwned>(
    schema: &Schema,
    type_name: &str,
    id: &str,
) -> Result<T, Diagnostics> {
    let unsupported = || -> Diagnostics {
        Diagnostic::error(
            "Import not supported",
            format!("The resource type {type_name} does not support import."),
        )
        .into()
    };
    if schema.find("id").is_none() {
        return Err(unsupported());
    }
    let mut value = Value::Null;
    value.set_attr("id", Value::from(id));
    if let Type::Object(attrs) = schema.value_type() {
        for name in attrs.keys().filter(|n| *n != "id") {
            value.set_attr(name.clone(), Value::Null);
        }
    }
    from_value(&value).map_err(|_| unsupported())
}

/// A data source type.
pub trait DataSource: Send + Sync + 'static {
    /// The provider's client type.
    type Client: Send + Sync + 'static;
    /// The model: configuration in, state out.
    type Model: Serialize + DeserializeOwned + Send + 'static;

    /// The full type name.
    fn type_name(&self) -> &str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Reads the data.
    fn read(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        config: Self::Model,
    ) -> impl Future<Output = Result<Self::Model, Diagnostics>> + Send;

    /// Validates a configuration that may hold unknowns.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
}

/// An ephemeral resource type (protocol 6.7): a value that exists only while Terraform runs,
/// never stored in plan or state.
pub trait EphemeralResource: Send + Sync + 'static {
    /// The provider's client type.
    type Client: Send + Sync + 'static;
    /// The model: configuration in, result out.
    type Model: Serialize + DeserializeOwned + Send + 'static;

    /// The full type name.
    fn type_name(&self) -> &str;

    /// The schema.
    fn schema(&self) -> Schema;

    /// Opens it. Set `ctx.private` to remember what `renew` and `close` need, `ctx.renew_at`
    /// to be renewed.
    fn open(
        &self,
        ctx: &mut Ctx<'_, Self::Client>,
        config: Self::Model,
    ) -> impl Future<Output = Result<Self::Model, Diagnostics>> + Send;

    /// Renews it (the default does nothing).
    fn renew(
        &self,
        _ctx: &mut Ctx<'_, Self::Client>,
    ) -> impl Future<Output = Result<(), Diagnostics>> + Send {
        async { Ok(()) }
    }

    /// Closes it (the default does nothing).
    fn close(
        &self,
        _ctx: &mut Ctx<'_, Self::Client>,
    ) -> impl Future<Output = Result<(), Diagnostics>> + Send {
        async { Ok(()) }
    }

    /// Validates a configuration that may hold unknowns.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
}

/// A provider function's parameter.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// Display name.
    pub name: String,
    /// Type constraint.
    pub ty: Type,
    /// What it is.
    pub description: String,
    /// Whether null may be passed.
    pub allow_null: bool,
}

impl Parameter {
    /// A parameter that must not be null.
    pub fn new(name: impl Into<String>, ty: Type, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ty,
            description: description.into(),
            allow_null: false,
        }
    }
}

/// A provider function's signature and documentation.
#[derive(Clone, Debug)]
pub struct Signature {
    /// Positional parameters.
    pub parameters: Vec<Parameter>,
    /// Optional trailing variadic parameter.
    pub variadic: Option<Parameter>,
    /// The return type.
    pub returns: Type,
    /// One line.
    pub summary: String,
    /// Full description (Markdown).
    pub description: String,
}

/// An error from a function call, optionally blaming one argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionError {
    /// What went wrong.
    pub text: String,
    /// Which argument (0-based), if one is to blame.
    pub argument: Option<i64>,
}

impl FunctionError {
    /// An error about argument `index`.
    pub fn argument(index: i64, text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            argument: Some(index),
        }
    }
}

/// A provider function (protocol 6.5). Functions run without provider configuration.
pub trait Function: Send + Sync + 'static {
    /// The function name (called as `provider::<provider>::<name>`).
    fn name(&self) -> &str;

    /// Parameters, return type and documentation.
    fn signature(&self) -> Signature;

    /// Calls it. Arguments are known and non-null unless the signature allows null.
    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError>;
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

fn model_error(what: &str, e: impl fmt::Display) -> Diagnostics {
    Diagnostic::error(
        "Value does not fit the provider's model",
        format!("Converting the {what} failed: {e}. This is a bug in the provider."),
    )
    .into()
}

fn decode<T: DeserializeOwned>(what: &str, value: &Value) -> Result<T, Diagnostics> {
    from_value(value).map_err(|e| model_error(what, e))
}

fn encode<T: Serialize>(what: &str, value: &T) -> Result<Value, Diagnostics> {
    to_value(value).map_err(|e| model_error(what, e))
}

/// The object-safe form of [`Resource`].
pub(crate) trait ErasedResource<C>: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics;
    fn upgrade_state(&self, version: i64, raw: &RawState) -> Result<Value, Diagnostics>;
    fn identity_schema(&self) -> Option<IdentitySchema>;
    fn move_state(
        &self,
        source_type_name: &str,
        source_version: i64,
        source_state: &serde_json::Value,
    ) -> Option<Result<MovedState, Diagnostics>>;
    fn create<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, C>,
        plan: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>>;
    fn read<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, C>,
        state: Value,
    ) -> BoxFuture<'a, Result<Option<Value>, Diagnostics>>;
    fn update<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, C>,
        prior: Value,
        plan: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>>;
    fn delete<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, C>,
        state: Value,
    ) -> BoxFuture<'a, Result<(), Diagnostics>>;
    fn import<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, C>,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>>;
}

impl<R: Resource> ErasedResource<R::Client> for R {
    fn type_name(&self) -> &str {
        Resource::type_name(self)
    }
    fn schema(&self) -> Schema {
        Resource::schema(self)
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        Resource::validate(self, config)
    }
    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        Resource::modify_plan(self, plan)
    }
    fn upgrade_state(&self, version: i64, raw: &RawState) -> Result<Value, Diagnostics> {
        Resource::upgrade_state(self, version, raw)
    }
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Resource::identity_schema(self)
    }
    fn move_state(
        &self,
        source_type_name: &str,
        source_version: i64,
        source_state: &serde_json::Value,
    ) -> Option<Result<MovedState, Diagnostics>> {
        Resource::move_state(self, source_type_name, source_version, source_state)
    }
    fn create<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, R::Client>,
        plan: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>> {
        Box::pin(async move {
            let plan = decode("planned state", &plan)?;
            let state = Resource::create(self, ctx, plan).await?;
            encode("new state", &state)
        })
    }
    fn read<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, R::Client>,
        state: Value,
    ) -> BoxFuture<'a, Result<Option<Value>, Diagnostics>> {
        Box::pin(async move {
            let state = decode("current state", &state)?;
            match Resource::read(self, ctx, state).await? {
                Some(state) => encode("new state", &state).map(Some),
                None => Ok(None),
            }
        })
    }
    fn update<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, R::Client>,
        prior: Value,
        plan: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>> {
        Box::pin(async move {
            let prior = decode("prior state", &prior)?;
            let plan = decode("planned state", &plan)?;
            let state = Resource::update(self, ctx, prior, plan).await?;
            encode("new state", &state)
        })
    }
    fn delete<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, R::Client>,
        state: Value,
    ) -> BoxFuture<'a, Result<(), Diagnostics>> {
        Box::pin(async move {
            let state = decode("prior state", &state)?;
            Resource::delete(self, ctx, state).await
        })
    }
    fn import<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, R::Client>,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>> {
        Box::pin(async move {
            let state = Resource::import(self, ctx, id).await?;
            encode("imported state", &state)
        })
    }
}

/// A managed resource type of a provider whose client is `C`, ready to register.
pub struct AnyResource<C>(pub(crate) Box<dyn ErasedResource<C>>);

impl<C: Send + Sync + 'static> AnyResource<C> {
    /// Wraps a resource.
    pub fn new<R: Resource<Client = C>>(resource: R) -> Self {
        Self(Box::new(resource))
    }

    /// The type name ([`Resource::type_name`]).
    pub fn type_name(&self) -> &str {
        self.0.type_name()
    }

    /// The schema ([`Resource::schema`]), e.g. for generating documentation.
    pub fn schema(&self) -> Schema {
        self.0.schema()
    }

    /// The identity schema, if the type declares one ([`Resource::identity_schema`]).
    pub fn identity_schema(&self) -> Option<IdentitySchema> {
        self.0.identity_schema()
    }
}

impl<C> fmt::Debug for AnyResource<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyResource({})", self.0.type_name())
    }
}

/// The object-safe form of [`DataSource`].
pub(crate) trait ErasedDataSource<C>: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    fn read<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, C>,
        config: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>>;
}

impl<D: DataSource> ErasedDataSource<D::Client> for D {
    fn type_name(&self) -> &str {
        DataSource::type_name(self)
    }
    fn schema(&self) -> Schema {
        DataSource::schema(self)
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        DataSource::validate(self, config)
    }
    fn read<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, D::Client>,
        config: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>> {
        Box::pin(async move {
            let config = decode("configuration", &config)?;
            let state = DataSource::read(self, ctx, config).await?;
            encode("data source state", &state)
        })
    }
}

/// A data source type of a provider whose client is `C`, ready to register.
pub struct AnyDataSource<C>(pub(crate) Box<dyn ErasedDataSource<C>>);

impl<C: Send + Sync + 'static> AnyDataSource<C> {
    /// Wraps a data source.
    pub fn new<D: DataSource<Client = C>>(data_source: D) -> Self {
        Self(Box::new(data_source))
    }

    /// The type name ([`DataSource::type_name`]).
    pub fn type_name(&self) -> &str {
        self.0.type_name()
    }

    /// The schema ([`DataSource::schema`]).
    pub fn schema(&self) -> Schema {
        self.0.schema()
    }
}

impl<C> fmt::Debug for AnyDataSource<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyDataSource({})", self.0.type_name())
    }
}

/// The object-safe form of [`EphemeralResource`].
pub(crate) trait ErasedEphemeral<C>: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    fn open<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, C>,
        config: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>>;
    fn renew<'a>(&'a self, ctx: &'a mut Ctx<'_, C>) -> BoxFuture<'a, Result<(), Diagnostics>>;
    fn close<'a>(&'a self, ctx: &'a mut Ctx<'_, C>) -> BoxFuture<'a, Result<(), Diagnostics>>;
}

impl<E: EphemeralResource> ErasedEphemeral<E::Client> for E {
    fn type_name(&self) -> &str {
        EphemeralResource::type_name(self)
    }
    fn schema(&self) -> Schema {
        EphemeralResource::schema(self)
    }
    fn validate(&self, config: &Value) -> Diagnostics {
        EphemeralResource::validate(self, config)
    }
    fn open<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, E::Client>,
        config: Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostics>> {
        Box::pin(async move {
            let config = decode("configuration", &config)?;
            let result = EphemeralResource::open(self, ctx, config).await?;
            encode("ephemeral result", &result)
        })
    }
    fn renew<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, E::Client>,
    ) -> BoxFuture<'a, Result<(), Diagnostics>> {
        Box::pin(EphemeralResource::renew(self, ctx))
    }
    fn close<'a>(
        &'a self,
        ctx: &'a mut Ctx<'_, E::Client>,
    ) -> BoxFuture<'a, Result<(), Diagnostics>> {
        Box::pin(EphemeralResource::close(self, ctx))
    }
}

/// An ephemeral resource type of a provider whose client is `C`, ready to register.
pub struct AnyEphemeralResource<C>(pub(crate) Box<dyn ErasedEphemeral<C>>);

impl<C: Send + Sync + 'static> AnyEphemeralResource<C> {
    /// Wraps an ephemeral resource.
    pub fn new<E: EphemeralResource<Client = C>>(ephemeral: E) -> Self {
        Self(Box::new(ephemeral))
    }

    /// The type name ([`EphemeralResource::type_name`]).
    pub fn type_name(&self) -> &str {
        self.0.type_name()
    }

    /// The schema ([`EphemeralResource::schema`]).
    pub fn schema(&self) -> Schema {
        self.0.schema()
    }
}

impl<C> fmt::Debug for AnyEphemeralResource<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyEphemeralResource({})", self.0.type_name())
    }
}

/// A provider function, ready to register.
pub struct AnyFunction(pub(crate) Box<dyn Function>);

impl AnyFunction {
    /// Wraps a function.
    pub fn new<F: Function>(function: F) -> Self {
        Self(Box::new(function))
    }

    /// The function name ([`Function::name`]).
    pub fn name(&self) -> &str {
        self.0.name()
    }

    /// Parameters, return type and documentation ([`Function::signature`]).
    pub fn signature(&self) -> Signature {
        self.0.signature()
    }
}

impl fmt::Debug for AnyFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyFunction({})", self.0.name())
    }
}
