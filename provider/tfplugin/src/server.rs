//! The `tfplugin6.Provider` gRPC service: decodes each request with the right schema, calls the
//! provider-author traits, and encodes the answer. Every RPC runs in one envelope ([`envelope`]):
//! its body runs in the RPC's span, and an error it returns becomes the diagnostics of the answer
//! Terraform gets instead. Default planning lives in [`crate::planning`].
//!
//! RPCs of minors after 6.9 answer with a "not supported by this provider" diagnostic rather
//! than gRPC UNIMPLEMENTED, which Terraform would report as a crash-like transport error.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

use tokio_stream::Stream;
use tonic::{Request, Response, Status};
use tracing::Instrument;

use crate::planning::{default_plan, fill_write_only, has_write_only_values, null_write_only};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::provider::{ErasedDataSource, ErasedEphemeral, ErasedResource};
use crate::schema::IdentitySchema;
use crate::{
    AttributePath, ConfigureCtx, Ctx, Diagnostic, Diagnostics, Function, FunctionError, Private,
    Provider, RawState, Schema, Type, Value, from_value, msgpack,
};

/// The span an RPC that reaches provider code runs in. Its fields (`tf_rpc` and the type name)
/// are added to every log line written inside it (see [`crate::log`]). Spans are created at
/// trace level: without a subscriber (logging not asked for) they cost nothing.
macro_rules! rpc_span {
    ($rpc:literal) => {
        tracing::trace_span!("rpc", tf_rpc = $rpc)
    };
    ($rpc:literal, $kind:ident = $name:expr) => {
        tracing::trace_span!("rpc", tf_rpc = $rpc, $kind = $name)
    };
}

/// The gRPC message size limit in both directions (256 MiB), as go-plugin hosts use.
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;

/// Wraps a provider into the tonic service, with the message size limits set.
pub fn provider_service<P: Provider>(provider: P) -> ProviderServer<ProviderService<P>> {
    ProviderServer::new(ProviderService::new(provider))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

struct Typed<T> {
    item: T,
    schema: Schema,
    ty: Type,
}

impl<T> Typed<T> {
    fn new(item: T, schema: Schema) -> Self {
        let ty = schema.value_type();
        Self { item, schema, ty }
    }

    /// Decodes a request's value with this schema's type (absent: null).
    fn decode(&self, dv: Option<&pb::DynamicValue>, what: &str) -> Result<Value, Diagnostics> {
        decode_dv(dv, &self.ty, what)
    }

    /// Encodes an answer's value with this schema's type.
    fn encode(&self, value: &Value, what: &str) -> Result<pb::DynamicValue, Diagnostics> {
        encode_dv(value, &self.ty, what)
    }
}

type TypedResource<C> = Typed<Box<dyn ErasedResource<C>>>;
type TypedDataSource<C> = Typed<Box<dyn ErasedDataSource<C>>>;
type TypedEphemeral<C> = Typed<Box<dyn ErasedEphemeral<C>>>;

/// The tonic service implementing `tfplugin6.Provider` for a [`Provider`].
pub struct ProviderService<P: Provider> {
    provider: P,
    provider_schema: Typed<()>,
    resources: BTreeMap<String, TypedResource<P::Client>>,
    data_sources: BTreeMap<String, TypedDataSource<P::Client>>,
    ephemerals: BTreeMap<String, TypedEphemeral<P::Client>>,
    functions: BTreeMap<String, Box<dyn Function>>,
    identities: BTreeMap<String, (IdentitySchema, Type)>,
    client: RwLock<Option<Arc<P::Client>>>,
    stop: tokio::sync::watch::Sender<bool>,
    schema_problems: Diagnostics,
}

impl<P: Provider> std::fmt::Debug for ProviderService<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderService")
            .field("resources", &self.resources.keys().collect::<Vec<_>>())
            .field(
                "data_sources",
                &self.data_sources.keys().collect::<Vec<_>>(),
            )
            .field("ephemerals", &self.ephemerals.keys().collect::<Vec<_>>())
            .field("functions", &self.functions.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<P: Provider> ProviderService<P> {
    /// Collects the provider's types and checks their schemas once, up front.
    pub fn new(provider: P) -> Self {
        let mut problems = Diagnostics::new();
        let mut check = |what: &str, name: &str, schema: &Schema| {
            if let Err(lines) = schema.check() {
                for line in lines {
                    problems.push(Diagnostic::error(
                        "Invalid provider schema",
                        format!("{what} {name}: {line}. This is a bug in the provider."),
                    ));
                }
            }
        };
        let provider_schema = provider.schema();
        check("provider", "configuration", &provider_schema);
        let mut resources = BTreeMap::new();
        let mut identities = BTreeMap::new();
        let mut identity_problems = Diagnostics::new();
        for r in provider.resources() {
            let schema = r.0.schema();
            check("resource", r.0.type_name(), &schema);
            if let Some(identity) = r.0.identity_schema() {
                check_identity(r.0.type_name(), &schema, &identity, &mut identity_problems);
                let ty = identity.value_type();
                identities.insert(r.0.type_name().to_owned(), (identity, ty));
            }
            resources.insert(r.0.type_name().to_owned(), Typed::new(r.0, schema));
        }
        let mut data_sources = BTreeMap::new();
        for d in provider.data_sources() {
            let schema = d.0.schema();
            check("data source", d.0.type_name(), &schema);
            data_sources.insert(d.0.type_name().to_owned(), Typed::new(d.0, schema));
        }
        let mut ephemerals = BTreeMap::new();
        for e in provider.ephemeral_resources() {
            let schema = e.0.schema();
            check("ephemeral resource", e.0.type_name(), &schema);
            ephemerals.insert(e.0.type_name().to_owned(), Typed::new(e.0, schema));
        }
        problems.extend(identity_problems);
        let functions = provider
            .functions()
            .into_iter()
            .map(|f| (f.0.name().to_owned(), f.0))
            .collect();
        Self {
            provider_schema: Typed::new((), provider_schema),
            provider,
            resources,
            data_sources,
            ephemerals,
            functions,
            identities,
            client: RwLock::new(None),
            stop: tokio::sync::watch::Sender::new(false),
            schema_problems: problems,
        }
    }

    /// Identity data derived from `state` for resource types that declare an identity; `None`
    /// when there is none, the state is null, or an identifying value is still unknown.
    fn identity_of(
        &self,
        type_name: &str,
        state: &Value,
    ) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
        let Some((schema, ty)) = self.identities.get(type_name) else {
            return Ok(None);
        };
        if state.is_null() {
            return Ok(None);
        }
        let mut identity = Value::Null;
        for a in &schema.attributes {
            identity.set_attr(a.name.clone(), state.attr(&a.name).clone());
        }
        if identity.has_unknowns() {
            return Ok(None);
        }
        Ok(Some(pb::ResourceIdentityData {
            identity_data: Some(encode_dv(&identity, ty, "resource identity")?),
        }))
    }

    /// A resource state on its way to Terraform: write-only attributes nulled, encoded, and the
    /// identity derived from it.
    fn state_out(
        &self,
        r: &TypedResource<P::Client>,
        type_name: &str,
        mut state: Value,
        what: &str,
    ) -> Result<(pb::DynamicValue, Option<pb::ResourceIdentityData>), Diagnostics> {
        null_write_only(&r.schema.block, &mut state);
        Ok((
            r.encode(&state, what)?,
            self.identity_of(type_name, &state)?,
        ))
    }

    /// The configured client, shared with the calls in flight (`None` before configure).
    fn client(&self) -> Option<Arc<P::Client>> {
        self.client.read().ok().and_then(|c| c.clone())
    }

    /// What a provider call receives: the client (if configured), the stop signal, and the
    /// private state it starts from.
    fn ctx<'c>(&self, client: &'c Option<Arc<P::Client>>, private: Private) -> Ctx<'c, P::Client> {
        Ctx::new(client.as_deref(), self.stop.subscribe(), private)
    }

    fn resource(&self, type_name: &str) -> Result<&TypedResource<P::Client>, Diagnostics> {
        find(&self.resources, "resource", type_name)
    }

    fn data_source(&self, type_name: &str) -> Result<&TypedDataSource<P::Client>, Diagnostics> {
        find(&self.data_sources, "data source", type_name)
    }

    fn ephemeral(&self, type_name: &str) -> Result<&TypedEphemeral<P::Client>, Diagnostics> {
        find(&self.ephemerals, "ephemeral resource", type_name)
    }
}

fn find<'a, T>(
    types: &'a BTreeMap<String, T>,
    kind: &str,
    name: &str,
) -> Result<&'a T, Diagnostics> {
    types.get(name).ok_or_else(|| unknown_type(kind, name))
}

fn check_identity(
    type_name: &str,
    schema: &Schema,
    identity: &IdentitySchema,
    problems: &mut Diagnostics,
) {
    for a in &identity.attributes {
        let matches = schema
            .find(&a.name)
            .is_some_and(|attr| attr.value_type() == a.ty && !attr.write_only);
        if !matches || a.description.trim().is_empty() {
            problems.push(Diagnostic::error(
                "Invalid provider schema",
                format!("resource {type_name}: identity attribute {} must be a described, non-write-only state attribute of the same type. This is a bug in the provider.", a.name),
            ));
        }
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {name:?}. Check the type name in the configuration and the provider version."),
    )
    .into()
}

fn not_supported(what: &str) -> Diagnostics {
    Diagnostic::error(
        format!("{what} is not supported by this provider"),
        format!("{what} belongs to a newer plugin protocol than this provider implements (6.9). Use a provider version that supports it."),
    )
    .into()
}

fn value_error(what: &str, e: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error(
        format!("Invalid {what}"),
        format!("Decoding or encoding the {what} failed: {e}."),
    )
    .into()
}

fn decode_dv(dv: Option<&pb::DynamicValue>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(dv) = dv else {
        return Ok(Value::Null);
    };
    if !dv.msgpack.is_empty() {
        return msgpack::decode(&dv.msgpack, ty).map_err(|e| value_error(what, e));
    }
    if !dv.json.is_empty() {
        return Value::from_json_bytes(&dv.json, ty).map_err(|e| value_error(what, e));
    }
    Ok(Value::Null)
}

fn encode_dv(value: &Value, ty: &Type, what: &str) -> Result<pb::DynamicValue, Diagnostics> {
    Ok(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).map_err(|e| value_error(what, e))?,
        json: Vec::new(),
    })
}

/// An RPC's answer as the envelope sees it: built in full by the body, or, when the body fails,
/// a fallback answer that carries the failure.
trait Answer<E = Diagnostics> {
    /// This answer with `error` added (to the diagnostics it already has).
    fn failed(self, error: E) -> Self;
}

macro_rules! answers_with_diagnostics {
    ($($rpc:ident),* $(,)?) => {$(
        impl Answer for pb::$rpc::Response {
            fn failed(mut self, error: Diagnostics) -> Self {
                self.diagnostics.extend(error.to_proto());
                self
            }
        }
    )*};
}

answers_with_diagnostics!(
    validate_provider_config,
    validate_resource_config,
    validate_data_resource_config,
    upgrade_resource_state,
    upgrade_resource_identity,
    configure_provider,
    read_resource,
    plan_resource_change,
    apply_resource_change,
    import_resource_state,
    move_resource_state,
    read_data_source,
    validate_ephemeral_resource_config,
    open_ephemeral_resource,
    renew_ephemeral_resource,
    close_ephemeral_resource,
);

impl Answer<FunctionError> for pb::call_function::Response {
    fn failed(self, error: FunctionError) -> Self {
        Self {
            result: None,
            error: Some(pb::FunctionError {
                text: error.text,
                function_argument: error.argument,
            }),
        }
    }
}

/// The one envelope of every RPC that reaches provider code: runs `body` inside the RPC's
/// `span` (so provider log lines carry `tf_rpc` and the type name), and answers with what it
/// built, or with `fallback` carrying its error. The fallback is what Terraform must keep when
/// the call fails (e.g. the prior state of a failed update); most RPCs fall back to an answer
/// holding only diagnostics.
async fn envelope<A: Answer<E>, E>(
    span: tracing::Span,
    fallback: A,
    body: impl Future<Output = Result<A, E>>,
) -> Result<Response<A>, Status> {
    let answer = match body.instrument(span).await {
        Ok(answer) => answer,
        Err(error) => fallback.failed(error),
    };
    Ok(Response::new(answer))
}

/// The warnings the provider gave before failing, then its error: what a failed call shows.
fn warnings_then(ctx_diagnostics: Diagnostics, error: Diagnostics) -> Diagnostics {
    let mut all = ctx_diagnostics;
    all.extend(error);
    all
}

fn function_to_proto(f: &dyn Function) -> pb::Function {
    let sig = f.signature();
    let param = |p: &crate::Parameter| pb::function::Parameter {
        name: p.name.clone(),
        r#type: p.ty.to_json_bytes(),
        allow_null_value: p.allow_null,
        allow_unknown_values: false,
        description: p.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
    };
    pb::Function {
        parameters: sig.parameters.iter().map(param).collect(),
        variadic_parameter: sig.variadic.as_ref().map(param),
        r#return: Some(pb::function::Return {
            r#type: sig.returns.to_json_bytes(),
        }),
        summary: sig.summary,
        description: sig.description,
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}

fn timestamp(t: std::time::SystemTime) -> Option<prost_types::Timestamp> {
    let d = t.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(prost_types::Timestamp {
        seconds: i64::try_from(d.as_secs()).ok()?,
        nanos: i32::try_from(d.subsec_nanos()).ok()?,
    })
}

type EventStream<T> = std::pin::Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

fn one_event<T: Send + 'static>(event: T) -> EventStream<T> {
    Box::pin(tokio_stream::once(Ok(event)))
}

#[tonic::async_trait]
impl<P: Provider> pb::provider_server::Provider for ProviderService<P> {
    async fn get_metadata(
        &self,
        _request: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        use pb::get_metadata as m;
        Ok(Response::new(m::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: self.schema_problems.to_proto(),
            data_sources: self
                .data_sources
                .keys()
                .map(|k| m::DataSourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            resources: self
                .resources
                .keys()
                .map(|k| m::ResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            functions: self
                .functions
                .keys()
                .map(|k| m::FunctionMetadata { name: k.clone() })
                .collect(),
            ephemeral_resources: self
                .ephemerals
                .keys()
                .map(|k| m::EphemeralMetadata {
                    type_name: k.clone(),
                })
                .collect(),
        }))
    }

    async fn get_provider_schema(
        &self,
        _request: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(self.provider_schema.schema.to_proto()),
            resource_schemas: self
                .resources
                .iter()
                .map(|(k, v)| (k.clone(), v.schema.to_proto()))
                .collect(),
            data_source_schemas: self
                .data_sources
                .iter()
                .map(|(k, v)| (k.clone(), v.schema.to_proto()))
                .collect(),
            functions: self
                .functions
                .iter()
                .map(|(k, f)| (k.clone(), function_to_proto(f.as_ref())))
                .collect(),
            ephemeral_resource_schemas: self
                .ephemerals
                .iter()
                .map(|(k, v)| (k.clone(), v.schema.to_proto()))
                .collect(),
            diagnostics: self.schema_problems.to_proto(),
            provider_meta: None,
            server_capabilities: Some(capabilities()),
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let req = request.into_inner();
        envelope(
            rpc_span!("ValidateProviderConfig"),
            Default::default(),
            async {
                let config = self
                    .provider_schema
                    .decode(req.config.as_ref(), "provider configuration")?;
                Ok(pb::validate_provider_config::Response {
                    diagnostics: self.provider.validate(&config).to_proto(),
                })
            },
        )
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!(
            "ValidateResourceConfig",
            tf_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let r = self.resource(&req.type_name)?;
            let config = r.decode(req.config.as_ref(), "resource configuration")?;
            let mut diags = r.item.validate(&config);
            let write_only_allowed = req
                .client_capabilities
                .as_ref()
                .is_some_and(|c| c.write_only_attributes_allowed);
            let write_only = has_write_only_values(&r.schema.block, &config);
            if let Some(name) = write_only.filter(|_| !write_only_allowed) {
                diags.push(
                    Diagnostic::error(
                        "Write-only attribute not supported",
                        format!("The attribute {name} is write-only, which needs Terraform 1.11 or later (plugin protocol 6.8). Upgrade Terraform or leave the attribute unset."),
                    )
                    .at(AttributePath::root(name)),
                );
            }
            Ok(pb::validate_resource_config::Response {
                diagnostics: diags.to_proto(),
            })
        })
        .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!(
            "ValidateDataResourceConfig",
            tf_data_source_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let d = self.data_source(&req.type_name)?;
            let config = d.decode(req.config.as_ref(), "data source configuration")?;
            Ok(pb::validate_data_resource_config::Response {
                diagnostics: d.item.validate(&config).to_proto(),
            })
        })
        .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!(
            "UpgradeResourceState",
            tf_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let r = self.resource(&req.type_name)?;
            let raw_state = req.raw_state.unwrap_or_default();
            let raw = if raw_state.json.is_empty() {
                RawState::Flatmap(raw_state.flatmap.into_iter().collect())
            } else {
                RawState::Json(
                    serde_json::from_slice(&raw_state.json)
                        .map_err(|e| value_error("stored state", e))?,
                )
            };
            let current = r.schema.version;
            let mut value = if req.version == current {
                raw.decode(&r.ty)?
            } else if req.version < current {
                r.item.upgrade_state(req.version, &raw)?
            } else {
                return Err(Diagnostic::error(
                    "State written by a newer provider",
                    format!("The stored state of this {} has schema version {}, newer than this provider's {current}. Use the provider version that wrote it.", req.type_name, req.version),
                )
                .into());
            };
            null_write_only(&r.schema.block, &mut value);
            Ok(pb::upgrade_resource_state::Response {
                upgraded_state: Some(r.encode(&value, "upgraded state")?),
                diagnostics: Vec::new(),
            })
        })
        .await
    }

    async fn get_resource_identity_schemas(
        &self,
        _request: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .identities
                .iter()
                .map(|(k, (schema, _))| (k.clone(), schema.to_proto()))
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!(
            "UpgradeResourceIdentity",
            tf_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let Some((schema, ty)) = self.identities.get(&req.type_name) else {
                return Err(Diagnostic::error(
                    "Resource identity is not supported by this provider",
                    format!("The resource type {} declares no identity, so stored identity data cannot be upgraded.", req.type_name),
                )
                .into());
            };
            if req.version != schema.version {
                return Err(Diagnostic::error(
                    "Unsupported identity version",
                    format!("The stored identity of this {} has version {}, but this provider only reads version {}.", req.type_name, req.version, schema.version),
                )
                .into());
            }
            let raw = req.raw_identity.unwrap_or_default();
            let value = Value::from_json_bytes(&raw.json, ty)
                .map_err(|e| value_error("stored identity", e))?;
            Ok(pb::upgrade_resource_identity::Response {
                upgraded_identity: Some(pb::ResourceIdentityData {
                    identity_data: Some(encode_dv(&value, ty, "resource identity")?),
                }),
                diagnostics: Vec::new(),
            })
        })
        .await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let req = request.into_inner();
        envelope(rpc_span!("ConfigureProvider"), Default::default(), async {
            let value = self
                .provider_schema
                .decode(req.config.as_ref(), "provider configuration")?;
            let config = from_value::<P::Config>(&value.unknowns_to_null())
                .map_err(|e| value_error("provider configuration", e))?;
            let mut ctx = ConfigureCtx {
                terraform_version: req.terraform_version,
                config_has_unknowns: value.has_unknowns(),
                diagnostics: Diagnostics::new(),
            };
            let mut diags = match self.provider.configure(&mut ctx, config).await {
                Ok(client) => {
                    if let Ok(mut slot) = self.client.write() {
                        *slot = Some(Arc::new(client));
                    }
                    Diagnostics::new()
                }
                Err(d) => d,
            };
            diags.extend(ctx.diagnostics);
            Ok(pb::configure_provider::Response {
                diagnostics: diags.to_proto(),
            })
        })
        .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let req = request.into_inner();
        let client = self.client();
        let span = rpc_span!("ReadResource", tf_resource_type = req.type_name.as_str());
        // A failed read leaves the resource as Terraform knows it.
        let unchanged = pb::read_resource::Response {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            new_identity: req.current_identity.clone(),
            ..Default::default()
        };
        envelope(span, unchanged, async {
            let r = self.resource(&req.type_name)?;
            let state = r.decode(req.current_state.as_ref(), "current state")?;
            if state.is_null() {
                return Ok(pb::read_resource::Response {
                    new_state: Some(r.encode(&Value::Null, "new state")?),
                    ..Default::default()
                });
            }
            let mut ctx = self.ctx(&client, Private::from_bytes(&req.private)?);
            let read = r.item.read(&mut ctx, state).await;
            let mut diags = std::mem::take(&mut ctx.diagnostics);
            let new_state = match read {
                Ok(new_state) => new_state,
                Err(d) => return Err(warnings_then(diags, d)),
            };
            let Some(new_state) = new_state else {
                diags.push(Diagnostic::warning(
                    "Resource no longer exists",
                    format!("The {} was not found on read, so it is removed from the state; the next plan will create it again.", req.type_name),
                ));
                return Ok(pb::read_resource::Response {
                    new_state: Some(r.encode(&Value::Null, "new state")?),
                    diagnostics: diags.to_proto(),
                    ..Default::default()
                });
            };
            let (new_state, new_identity) =
                self.state_out(r, &req.type_name, new_state, "new state")?;
            Ok(pb::read_resource::Response {
                new_state: Some(new_state),
                new_identity,
                private: ctx.private.to_bytes(),
                diagnostics: diags.to_proto(),
                ..Default::default()
            })
        })
        .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!(
            "PlanResourceChange",
            tf_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let r = self.resource(&req.type_name)?;
            let prior = r.decode(req.prior_state.as_ref(), "prior state")?;
            let proposed = r.decode(req.proposed_new_state.as_ref(), "proposed state")?;
            let config = r.decode(req.config.as_ref(), "resource configuration")?;
            let mut plan = default_plan(&r.schema, config, prior, proposed);
            plan.private = Private::from_bytes(&req.prior_private)?;
            let diags = if plan.is_destroy() {
                Diagnostics::new()
            } else {
                r.item.modify_plan(&mut plan)
            };
            null_write_only(&r.schema.block, &mut plan.planned);
            Ok(pb::plan_resource_change::Response {
                planned_state: Some(r.encode(&plan.planned, "planned state")?),
                requires_replace: plan
                    .requires_replace
                    .iter()
                    .map(AttributePath::to_proto)
                    .collect(),
                planned_private: plan.private.to_bytes(),
                diagnostics: diags.to_proto(),
                planned_identity: self.identity_of(&req.type_name, &plan.planned)?,
                ..Default::default()
            })
        })
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let req = request.into_inner();
        let client = self.client();
        let span = rpc_span!(
            "ApplyResourceChange",
            tf_resource_type = req.type_name.as_str()
        );
        // On failure Terraform keeps what we return: nothing for a failed create, the prior
        // state for a failed update or delete.
        let unchanged = pb::apply_resource_change::Response {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            ..Default::default()
        };
        envelope(span, unchanged, async {
            let r = self.resource(&req.type_name)?;
            let prior = r.decode(req.prior_state.as_ref(), "prior state")?;
            let planned = r.decode(req.planned_state.as_ref(), "planned state")?;
            let config = r.decode(req.config.as_ref(), "resource configuration")?;
            let mut ctx = self.ctx(&client, Private::from_bytes(&req.planned_private)?);
            let outcome = if planned.is_null() {
                r.item.delete(&mut ctx, prior).await.map(|()| Value::Null)
            } else {
                let mut plan = planned.unknowns_to_null();
                fill_write_only(&r.schema.block, &config, &mut plan);
                if prior.is_null() {
                    r.item.create(&mut ctx, plan).await
                } else {
                    r.item.update(&mut ctx, prior, plan).await
                }
            };
            let mut diags = std::mem::take(&mut ctx.diagnostics);
            let new_state = match outcome {
                Ok(new_state) => new_state,
                Err(d) => return Err(warnings_then(diags, d)),
            };
            if new_state.has_unknowns() {
                diags.push(Diagnostic::error(
                    "Provider returned unknown values after apply",
                    format!("The {} still has unknown values after apply. This is a bug in the provider.", req.type_name),
                ));
            }
            let private = if new_state.is_null() {
                Vec::new()
            } else {
                ctx.private.to_bytes()
            };
            let (new_state, new_identity) =
                self.state_out(r, &req.type_name, new_state, "new state")?;
            Ok(pb::apply_resource_change::Response {
                new_state: Some(new_state),
                new_identity,
                private,
                diagnostics: diags.to_proto(),
                ..Default::default()
            })
        })
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let req = request.into_inner();
        let client = self.client();
        let span = rpc_span!(
            "ImportResourceState",
            tf_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let r = self.resource(&req.type_name)?;
            let mut ctx = self.ctx(&client, Private::default());
            let by_identity = req
                .identity
                .as_ref()
                .and_then(|i| i.identity_data.as_ref())
                .filter(|_| req.id.is_empty());
            let state = match (by_identity, self.identities.get(&req.type_name)) {
                (Some(data), Some((schema, ty))) => {
                    // A state holding only the identifying attributes, for `read` to complete.
                    let identity = decode_dv(Some(data), ty, "resource identity")?;
                    let mut state = Value::Null;
                    if let Type::Object(attrs) = &r.ty {
                        for name in attrs.keys() {
                            state.set_attr(name.clone(), Value::Null);
                        }
                    }
                    for a in &schema.attributes {
                        state.set_attr(a.name.clone(), identity.attr(&a.name).clone());
                    }
                    state
                }
                (Some(_), None) => {
                    return Err(Diagnostic::error(
                        "Import by identity not supported",
                        format!(
                            "The resource type {} declares no identity; import it by ID.",
                            req.type_name
                        ),
                    )
                    .into());
                }
                (None, _) => r.item.import(&mut ctx, &req.id).await?,
            };
            let (state, identity) = self.state_out(r, &req.type_name, state, "imported state")?;
            Ok(pb::import_resource_state::Response {
                imported_resources: vec![pb::import_resource_state::ImportedResource {
                    type_name: req.type_name.clone(),
                    state: Some(state),
                    private: ctx.private.to_bytes(),
                    identity,
                }],
                diagnostics: ctx.diagnostics.to_proto(),
                deferred: None,
            })
        })
        .await
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!(
            "MoveResourceState",
            tf_resource_type = req.target_type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let r = self.resource(&req.target_type_name)?;
            let source = req.source_state.unwrap_or_default();
            let json: serde_json::Value = if source.json.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::from_slice(&source.json).map_err(|e| value_error("source state", e))?
            };
            let moved = r
                .item
                .move_state(&req.source_type_name, req.source_schema_version, &json)
                .ok_or_else(|| -> Diagnostics {
                    Diagnostic::error(
                        "Move not supported",
                        format!(
                            "The resource type {} does not accept state moved from {} ({}).",
                            req.target_type_name, req.source_type_name, req.source_provider_address
                        ),
                    )
                    .into()
                })??;
            let (state, identity) =
                self.state_out(r, &req.target_type_name, moved.state, "moved state")?;
            Ok(pb::move_resource_state::Response {
                target_state: Some(state),
                diagnostics: moved.warnings.to_proto(),
                target_private: req.source_private.clone(),
                target_identity: identity,
            })
        })
        .await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let req = request.into_inner();
        let client = self.client();
        let span = rpc_span!(
            "ReadDataSource",
            tf_data_source_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let d = self.data_source(&req.type_name)?;
            let config = d.decode(req.config.as_ref(), "data source configuration")?;
            let mut ctx = self.ctx(&client, Private::default());
            let state = d.item.read(&mut ctx, config).await?;
            Ok(pb::read_data_source::Response {
                state: Some(d.encode(&state, "data source state")?),
                diagnostics: ctx.diagnostics.to_proto(),
                deferred: None,
            })
        })
        .await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!(
            "ValidateEphemeralResourceConfig",
            tf_ephemeral_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let e = self.ephemeral(&req.type_name)?;
            let config = e.decode(req.config.as_ref(), "ephemeral configuration")?;
            Ok(pb::validate_ephemeral_resource_config::Response {
                diagnostics: e.item.validate(&config).to_proto(),
            })
        })
        .await
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let req = request.into_inner();
        let client = self.client();
        let span = rpc_span!(
            "OpenEphemeralResource",
            tf_ephemeral_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let e = self.ephemeral(&req.type_name)?;
            let config = e.decode(req.config.as_ref(), "ephemeral configuration")?;
            let mut ctx = self.ctx(&client, Private::default());
            let result = e.item.open(&mut ctx, config).await?;
            let private = ctx.private.to_bytes();
            Ok(pb::open_ephemeral_resource::Response {
                diagnostics: ctx.diagnostics.to_proto(),
                renew_at: ctx.renew_at.and_then(timestamp),
                result: Some(e.encode(&result, "ephemeral result")?),
                private: (!private.is_empty()).then_some(private),
                deferred: None,
            })
        })
        .await
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let req = request.into_inner();
        let client = self.client();
        let span = rpc_span!(
            "RenewEphemeralResource",
            tf_ephemeral_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let e = self.ephemeral(&req.type_name)?;
            let private = Private::from_bytes(req.private.as_deref().unwrap_or_default())?;
            let mut ctx = self.ctx(&client, private);
            e.item.renew(&mut ctx).await?;
            let private = ctx.private.to_bytes();
            Ok(pb::renew_ephemeral_resource::Response {
                diagnostics: ctx.diagnostics.to_proto(),
                renew_at: ctx.renew_at.and_then(timestamp),
                private: (!private.is_empty()).then_some(private),
            })
        })
        .await
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let req = request.into_inner();
        let client = self.client();
        let span = rpc_span!(
            "CloseEphemeralResource",
            tf_ephemeral_resource_type = req.type_name.as_str()
        );
        envelope(span, Default::default(), async {
            let e = self.ephemeral(&req.type_name)?;
            let private = Private::from_bytes(req.private.as_deref().unwrap_or_default())?;
            let mut ctx = self.ctx(&client, private);
            e.item.close(&mut ctx).await?;
            Ok(pb::close_ephemeral_resource::Response {
                diagnostics: ctx.diagnostics.to_proto(),
            })
        })
        .await
    }

    async fn get_functions(
        &self,
        _request: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self
                .functions
                .iter()
                .map(|(k, f)| (k.clone(), function_to_proto(f.as_ref())))
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        let req = request.into_inner();
        let span = rpc_span!("CallFunction", tf_function_name = req.name.as_str());
        envelope(span, Default::default(), async {
            let f = self.functions.get(&req.name).ok_or_else(|| FunctionError {
                text: format!("This provider has no function {:?}.", req.name),
                argument: None,
            })?;
            let sig = f.signature();
            let mut args = Vec::with_capacity(req.arguments.len());
            for (i, arg) in req.arguments.iter().enumerate() {
                let param = sig.parameters.get(i).or(sig.variadic.as_ref());
                let index = i64::try_from(i).unwrap_or(i64::MAX);
                let Some(param) = param else {
                    return Err(FunctionError::argument(index, "Too many arguments."));
                };
                let value = decode_dv(Some(arg), &param.ty, "function argument")
                    .map_err(|d| FunctionError::argument(index, d.to_string()))?;
                if value.is_null() && !param.allow_null {
                    return Err(FunctionError::argument(
                        index,
                        format!("Argument {} must not be null.", param.name),
                    ));
                }
                args.push(value);
            }
            if args.len() < sig.parameters.len() {
                return Err(FunctionError {
                    text: format!(
                        "Not enough arguments: {} expected, {} given.",
                        sig.parameters.len(),
                        args.len()
                    ),
                    argument: None,
                });
            }
            let value = f.call(args)?;
            let result =
                encode_dv(&value, &sig.returns, "function result").map_err(|d| FunctionError {
                    text: d.to_string(),
                    argument: None,
                })?;
            Ok(pb::call_function::Response {
                result: Some(result),
                error: None,
            })
        })
        .await
    }

    async fn generate_resource_config(
        &self,
        _request: Request<pb::generate_resource_config::Request>,
    ) -> Result<Response<pb::generate_resource_config::Response>, Status> {
        Ok(Response::new(pb::generate_resource_config::Response {
            config: None,
            diagnostics: not_supported("GenerateResourceConfig").to_proto(),
        }))
    }

    type ListResourceStream = EventStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        _request: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        Ok(Response::new(one_event(pb::list_resource::Event {
            diagnostic: not_supported("ListResource").to_proto(),
            ..Default::default()
        })))
    }

    async fn validate_list_resource_config(
        &self,
        _request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: not_supported("List resources").to_proto(),
        }))
    }

    async fn plan_action(
        &self,
        _request: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: not_supported("Actions").to_proto(),
            deferred: None,
        }))
    }

    type InvokeActionStream = EventStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        _request: Request<pb::invoke_action::Request>,
    ) -> Result<Response<Self::InvokeActionStream>, Status> {
        use pb::invoke_action::event::{Completed, Type as EventType};
        Ok(Response::new(one_event(pb::invoke_action::Event {
            r#type: Some(EventType::Completed(Completed {
                diagnostics: not_supported("Actions").to_proto(),
            })),
        })))
    }

    async fn validate_action_config(
        &self,
        _request: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: not_supported("Actions").to_proto(),
        }))
    }

    async fn stop_provider(
        &self,
        _request: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        // Calls in flight see it through `Ctx::is_stopping` / `Ctx::stopping`; the flag stays
        // set, as Terraform stops a provider only to end the run.
        self.stop.send_replace(true);
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: false,
        move_resource_state: true,
    }
}
