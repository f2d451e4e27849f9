//! Every RPC of protocol 6.9 driven through a real tonic client against the server, with an
//! in-memory provider: unknowns in plans, nulls, nested blocks and nested attributes, private
//! state round-trips, write-only attributes (never in plan or state), import, state upgrades from
//! an older schema version (JSON and flatmap), moves, data sources, ephemeral resources and
//! functions; plus the later-minor RPCs that must answer with a diagnostic.

// The whole file is test code; clippy's allow-unwrap-in-tests only covers `#[test]` bodies.
#![allow(clippy::unwrap_used)] // reason: a failed unwrap here is a test failure

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::proto::tfplugin6::provider_client::ProviderClient;
use tfplugin::{
    AnyDataSource, AnyEphemeralResource, AnyFunction, AnyResource, Attribute, AttributePath, Block,
    ConfigureCtx, Ctx, DataSource, Diagnostic, Diagnostics, EphemeralResource, Function,
    FunctionError, IdentityAttribute, IdentitySchema, Maybe, MovedState, NestedBlock, Nesting,
    Parameter, Provider, RawState, Resource, Schema, Signature, Type, Value, msgpack, to_value,
};
use tonic::transport::Channel;

// ---- the in-memory provider

#[derive(Default)]
struct Backend {
    items: BTreeMap<String, Stored>,
    secrets_seen: Vec<String>,
    renewals: u32,
    closed: Vec<String>,
    configured_with_unknowns: bool,
}

#[derive(Clone)]
struct Stored {
    size: i64,
    level: Option<i64>,
    ports: Vec<i64>,
}

type Shared = Arc<Mutex<Backend>>;

struct MemProvider(Shared);

#[derive(Deserialize)]
struct MemConfig {
    label: Option<String>,
}

struct Client {
    backend: Shared,
    label: String,
}

impl Provider for MemProvider {
    type Client = Client;
    type Config = MemConfig;

    fn schema(&self) -> Schema {
        Schema::new("In-memory provider.").attribute(Attribute::string("label", "A label."))
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        if config.attr("label").as_str() == Some("bad") {
            return Diagnostic::error("Bad label", "label must not be \"bad\".")
                .at(AttributePath::root("label"))
                .into();
        }
        Diagnostics::new()
    }

    async fn configure(
        &self,
        ctx: &mut ConfigureCtx,
        config: MemConfig,
    ) -> Result<Client, Diagnostics> {
        self.0.lock().unwrap().configured_with_unknowns = ctx.config_has_unknowns;
        Ok(Client {
            backend: self.0.clone(),
            label: config.label.unwrap_or_default(),
        })
    }

    fn resources(&self) -> Vec<AnyResource<Client>> {
        vec![AnyResource::new(Item)]
    }

    fn data_sources(&self) -> Vec<AnyDataSource<Client>> {
        vec![AnyDataSource::new(ItemData)]
    }

    fn ephemeral_resources(&self) -> Vec<AnyEphemeralResource<Client>> {
        vec![AnyEphemeralResource::new(Token)]
    }

    fn functions(&self) -> Vec<AnyFunction> {
        vec![AnyFunction::new(Add), AnyFunction::new(Join)]
    }
}

struct Item;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Opts {
    level: Option<i64>,
    stamp: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Port {
    port: i64,
}

#[derive(Serialize, Deserialize, Debug)]
struct ItemState {
    id: Option<String>,
    // Empty after an import by identity, which only knows `id`; `read` works from `id`.
    #[serde(default)]
    name: String,
    size: Option<i64>,
    secret: Option<String>,
    opts: Option<Opts>,
    ports: Option<Vec<Port>>,
}

impl ItemState {
    fn from_stored(name: &str, s: &Stored, label: &str) -> Self {
        Self {
            id: Some(format!("items/{name}")),
            name: name.to_owned(),
            size: Some(s.size),
            secret: None,
            opts: Some(Opts {
                level: s.level,
                stamp: Some(format!("{label}:{name}")),
            }),
            ports: Some(s.ports.iter().map(|&port| Port { port }).collect()),
        }
    }
}

fn item_schema() -> Schema {
    Schema::new("An item.")
        .version(2)
        .attribute(
            Attribute::string("id", "ID.")
                .computed()
                .use_state_for_unknown(),
        )
        .attribute(
            Attribute::string("name", "Name.")
                .required()
                .requires_replace(),
        )
        .attribute(Attribute::number("size", "Size; 1 when unset.").optional_computed())
        .attribute(
            Attribute::string("secret", "Secret.")
                .sensitive()
                .write_only(),
        )
        .attribute(Attribute::nested(
            "ports",
            Nesting::List,
            vec![Attribute::number("port", "Port.").required()],
            "Ports.",
        ))
        .block(NestedBlock::new(
            "opts",
            Nesting::Single,
            Block::new("Options.")
                .attribute(Attribute::number("level", "Level."))
                .attribute(Attribute::string("stamp", "Stamp.").computed()),
        ))
}

impl Resource for Item {
    type Client = Client;
    type State = ItemState;

    fn type_name(&self) -> &str {
        "mem_item"
    }

    fn schema(&self) -> Schema {
        item_schema()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Client>,
        plan: ItemState,
    ) -> Result<ItemState, Diagnostics> {
        let client = ctx.client()?;
        let stored = Stored {
            size: plan.size.unwrap_or(1),
            level: plan.opts.as_ref().and_then(|o| o.level),
            ports: plan
                .ports
                .unwrap_or_default()
                .iter()
                .map(|p| p.port)
                .collect(),
        };
        let mut b = client.backend.lock().unwrap();
        if let Some(secret) = plan.secret {
            b.secrets_seen.push(secret);
        }
        b.items.insert(plan.name.clone(), stored.clone());
        ctx.private.set("etag", &1);
        Ok(ItemState::from_stored(&plan.name, &stored, &client.label))
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Client>,
        state: ItemState,
    ) -> Result<Option<ItemState>, Diagnostics> {
        let client = ctx.client()?;
        let etag: Option<i64> = ctx.private.get("etag");
        ctx.private.set("etag", &(etag.unwrap_or(0) + 100));
        let b = client.backend.lock().unwrap();
        let name = state
            .id
            .as_deref()
            .and_then(|i| i.strip_prefix("items/"))
            .unwrap_or(&state.name);
        Ok(b.items
            .get(name)
            .map(|s| ItemState::from_stored(name, s, &client.label)))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Client>,
        _prior: ItemState,
        plan: ItemState,
    ) -> Result<ItemState, Diagnostics> {
        self.create(ctx, plan).await
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Client>, state: ItemState) -> Result<(), Diagnostics> {
        ctx.client()?
            .backend
            .lock()
            .unwrap()
            .items
            .remove(&state.name);
        Ok(())
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(vec![IdentityAttribute::new(
            "id",
            Type::String,
            "The item's API path.",
        )]))
    }

    async fn import(&self, _ctx: &mut Ctx<'_, Client>, id: &str) -> Result<ItemState, Diagnostics> {
        let name = id.strip_prefix("items/").ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Invalid import ID",
                "Expected items/<name>.",
            ))
        })?;
        Ok(ItemState {
            id: Some(id.to_owned()),
            name: name.to_owned(),
            size: None,
            secret: None,
            opts: None,
            ports: None,
        })
    }

    fn modify_plan(&self, plan: &mut tfplugin::Plan) -> Diagnostics {
        // size defaults to 1 at plan time already, so the plan is exact.
        if !plan.is_destroy() && plan.config.attr("size").is_null() && plan.prior.is_null() {
            plan.planned.set_attr("size", Value::from(1));
        }
        Diagnostics::new()
    }

    fn upgrade_state(&self, version: i64, raw: &RawState) -> Result<Value, Diagnostics> {
        if version != 1 {
            return Err(
                Diagnostic::error("Unsupported version", format!("version {version}")).into(),
            );
        }
        // Version 1 called `name` `title` and had no ports or opts.
        let v1 = Type::object([
            ("id", Type::String),
            ("title", Type::String),
            ("size", Type::Number),
        ]);
        let old = raw.decode(&v1)?;
        let mut new = Value::Null;
        new.set_attr("id", old.attr("id").clone());
        new.set_attr("name", old.attr("title").clone());
        new.set_attr("size", old.attr("size").clone());
        Ok(new)
    }

    fn move_state(
        &self,
        source_type_name: &str,
        _v: i64,
        source: &serde_json::Value,
    ) -> Option<Result<MovedState, Diagnostics>> {
        (source_type_name == "mem_old").then(|| {
            let mut v = Value::Null;
            v.set_attr(
                "id",
                Value::from(format!(
                    "items/{}",
                    source["n"].as_str().unwrap_or_default()
                )),
            );
            v.set_attr(
                "name",
                Value::from(source["n"].as_str().unwrap_or_default()),
            );
            v.set_attr("size", Value::from(1));
            let mut moved = MovedState::from(v);
            if source.get("legacy").is_some() {
                moved.warnings.push(Diagnostic::warning(
                    "Attribute not carried over",
                    "legacy has no counterpart",
                ));
            }
            Ok(moved)
        })
    }
}

struct ItemData;

#[derive(Serialize, Deserialize)]
struct ItemDataModel {
    name: String,
    size: Option<i64>,
}

impl DataSource for ItemData {
    type Client = Client;
    type Model = ItemDataModel;

    fn type_name(&self) -> &str {
        "mem_item"
    }

    fn schema(&self) -> Schema {
        Schema::new("Reads an item.")
            .attribute(Attribute::string("name", "Name.").required())
            .attribute(Attribute::number("size", "Size.").computed())
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Client>,
        config: ItemDataModel,
    ) -> Result<ItemDataModel, Diagnostics> {
        if config.name == "wait-for-stop" {
            ctx.stopping().await;
            return Err(
                Diagnostic::error("Stopped", "Terraform asked the provider to stop.").into(),
            );
        }
        let b = ctx.client()?.backend.lock().unwrap();
        let size = b.items.get(&config.name).map(|s| s.size);
        Ok(ItemDataModel {
            name: config.name,
            size,
        })
    }
}

struct Token;

#[derive(Serialize, Deserialize)]
struct TokenModel {
    scope: String,
    token: Maybe<String>,
}

impl EphemeralResource for Token {
    type Client = Client;
    type Model = TokenModel;

    fn type_name(&self) -> &str {
        "mem_token"
    }

    fn schema(&self) -> Schema {
        Schema::new("A token.")
            .attribute(Attribute::string("scope", "Scope.").required())
            .attribute(Attribute::string("token", "Token.").computed().sensitive())
    }

    async fn open(
        &self,
        ctx: &mut Ctx<'_, Client>,
        config: TokenModel,
    ) -> Result<TokenModel, Diagnostics> {
        ctx.private.set("lease", &format!("lease-{}", config.scope));
        ctx.renew_at = Some(SystemTime::now() + Duration::from_secs(60));
        Ok(TokenModel {
            token: Maybe::Known(format!("tok-{}", config.scope)),
            scope: config.scope,
        })
    }

    async fn renew(&self, ctx: &mut Ctx<'_, Client>) -> Result<(), Diagnostics> {
        ctx.client()?.backend.lock().unwrap().renewals += 1;
        ctx.renew_at = Some(SystemTime::now() + Duration::from_secs(60));
        Ok(())
    }

    async fn close(&self, ctx: &mut Ctx<'_, Client>) -> Result<(), Diagnostics> {
        let lease: String = ctx.private.get("lease").unwrap_or_default();
        ctx.client()?.backend.lock().unwrap().closed.push(lease);
        Ok(())
    }
}

struct Add;

impl Function for Add {
    fn name(&self) -> &str {
        "add"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![
                Parameter::new("a", Type::Number, "First."),
                Parameter::new("b", Type::Number, "Second."),
            ],
            variadic: None,
            returns: Type::Number,
            summary: "Adds".into(),
            description: "Adds two integers.".into(),
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let a = args[0]
            .as_i64()
            .ok_or_else(|| FunctionError::argument(0, "not an integer"))?;
        let b = args[1]
            .as_i64()
            .ok_or_else(|| FunctionError::argument(1, "not an integer"))?;
        Ok(Value::from(a + b))
    }
}

struct Join;

impl Function for Join {
    fn name(&self) -> &str {
        "join"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter::new("sep", Type::String, "Separator.")],
            variadic: Some(Parameter::new("parts", Type::String, "Parts.")),
            returns: Type::list(Type::String),
            summary: "Joins".into(),
            description: "Returns the separator and the parts as a list.".into(),
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        Ok(Value::List(args))
    }
}

// ---- harness

async fn start() -> (ProviderClient<Channel>, Shared) {
    let backend = Shared::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = tfplugin::provider_service(MemProvider(backend.clone()));
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    let client = ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    (client, backend)
}

fn dv(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: msgpack::encode(value, ty).unwrap(),
        json: Vec::new(),
    })
}

fn undv(dv: Option<pb::DynamicValue>, ty: &Type) -> Value {
    msgpack::decode(&dv.expect("a dynamic value").msgpack, ty).unwrap()
}

fn item_ty() -> Type {
    item_schema().value_type()
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    let mut v = Value::Null;
    for (k, x) in pairs {
        v.set_attr(*k, x.clone());
    }
    if let Type::Object(attrs) = item_ty() {
        for k in attrs.keys() {
            if let Value::Map(m) = &mut v {
                m.entry(k.clone()).or_insert(Value::Null);
            }
        }
    }
    v
}

fn summaries(diags: &[pb::Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| d.summary.clone()).collect()
}

async fn configure(client: &mut ProviderClient<Channel>, label: Value) -> Vec<pb::Diagnostic> {
    let ty = Type::object([("label", Type::String)]);
    let mut config = Value::Null;
    config.set_attr("label", label);
    client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dv(&config, &ty),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner()
        .diagnostics
}

fn config_value() -> Value {
    obj(&[
        ("name", "a".into()),
        ("secret", "hunter2".into()),
        (
            "ports",
            Value::List(vec![Value::Map(
                [("port".to_owned(), Value::from(80))].into(),
            )]),
        ),
        (
            "opts",
            Value::Map(
                [
                    ("level".to_owned(), Value::from(3)),
                    ("stamp".to_owned(), Value::Null),
                ]
                .into(),
            ),
        ),
    ])
}

/// Plans and applies the creation of item "a"; returns (state, private).
async fn create_item(client: &mut ProviderClient<Channel>) -> (Value, Vec<u8>) {
    let ty = item_ty();
    let config = config_value();
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&Value::Null, &ty),
            proposed_new_state: dv(&config, &ty),
            config: dv(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        plan.diagnostics.is_empty(),
        "{:?}",
        summaries(&plan.diagnostics)
    );
    let applied = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&Value::Null, &ty),
            planned_state: plan.planned_state,
            config: dv(&config, &ty),
            planned_private: plan.planned_private,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        applied.diagnostics.is_empty(),
        "{:?}",
        summaries(&applied.diagnostics)
    );
    (undv(applied.new_state, &ty), applied.private)
}

// ---- tests

#[tokio::test]
async fn metadata_and_schema() {
    let (mut client, _) = start().await;
    let meta = client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(meta.resources[0].type_name, "mem_item");
    assert_eq!(meta.ephemeral_resources[0].type_name, "mem_token");
    assert_eq!(meta.functions.len(), 2);
    assert!(meta.server_capabilities.unwrap().move_resource_state);

    let schema = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    let item = &schema.resource_schemas["mem_item"];
    assert_eq!(item.version, 2);
    let block = item.block.as_ref().unwrap();
    let attr = |n: &str| block.attributes.iter().find(|a| a.name == n).unwrap();
    assert!(attr("secret").write_only && attr("secret").sensitive);
    assert_eq!(attr("name").r#type, br#""string""#);
    assert!(attr("size").optional && attr("size").computed);
    let ports = attr("ports").nested_type.as_ref().unwrap();
    assert_eq!(ports.nesting, pb::schema::object::NestingMode::List as i32);
    assert_eq!(ports.attributes[0].r#type, br#""number""#);
    assert_eq!(block.block_types[0].type_name, "opts");
    assert_eq!(attr("name").description, "Name.");
    assert!(schema.ephemeral_resource_schemas.contains_key("mem_token"));
    assert!(schema.data_source_schemas.contains_key("mem_item"));
    let join = &schema.functions["join"];
    assert_eq!(
        join.r#return.as_ref().unwrap().r#type,
        br#"["list","string"]"#
    );
    assert_eq!(join.variadic_parameter.as_ref().unwrap().name, "parts");
}

#[tokio::test]
async fn provider_config_validation_and_unknowns() {
    let (mut client, backend) = start().await;
    let ty = Type::object([("label", Type::String)]);
    let mut bad = Value::Null;
    bad.set_attr("label", "bad".into());
    let resp = client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: dv(&bad, &ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&resp.diagnostics), ["Bad label"]);
    let path = AttributePath::from_proto(resp.diagnostics[0].attribute.as_ref().unwrap());
    assert_eq!(path.to_string(), "label");

    assert!(configure(&mut client, Value::Unknown).await.is_empty());
    assert!(backend.lock().unwrap().configured_with_unknowns);
    assert!(configure(&mut client, "L".into()).await.is_empty());
    assert!(!backend.lock().unwrap().configured_with_unknowns);
}

#[tokio::test]
async fn write_only_needs_the_client_capability() {
    let (mut client, _) = start().await;
    let ty = item_ty();
    let validate = |caps: Option<pb::ClientCapabilities>| pb::validate_resource_config::Request {
        type_name: "mem_item".into(),
        config: dv(&config_value(), &ty),
        client_capabilities: caps,
    };
    let old = client
        .validate_resource_config(validate(None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&old.diagnostics),
        ["Write-only attribute not supported"]
    );
    let caps = pb::ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: true,
    };
    let new = client
        .validate_resource_config(validate(Some(caps)))
        .await
        .unwrap()
        .into_inner();
    assert!(new.diagnostics.is_empty());
    let unknown_type = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "nope".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&unknown_type.diagnostics),
        ["Unknown resource type"]
    );
}

#[tokio::test]
async fn plan_create_marks_computed_unknown_and_keeps_write_only_out() {
    let (mut client, _) = start().await;
    let ty = item_ty();
    let mut config = config_value();
    config.set_attr("ports", Value::Unknown);
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&Value::Null, &ty),
            proposed_new_state: dv(&config, &ty),
            config: dv(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let planned = undv(plan.planned_state, &ty);
    assert_eq!(planned.attr("id"), &Value::Unknown);
    assert_eq!(
        planned.attr("size"),
        &Value::from(1),
        "modify_plan set the default"
    );
    assert_eq!(
        planned.attr("ports"),
        &Value::Unknown,
        "unknown config stays unknown"
    );
    assert_eq!(
        planned.attr("secret"),
        &Value::Null,
        "write-only never in the plan"
    );
    assert_eq!(
        planned.attr("opts").attr("stamp"),
        &Value::Unknown,
        "nested block computed"
    );
    assert_eq!(planned.attr("opts").attr("level"), &Value::from(3));
    assert!(plan.requires_replace.is_empty());
}

#[tokio::test]
async fn apply_read_update_delete_with_private_state() {
    let (mut client, backend) = start().await;
    configure(&mut client, "L".into()).await;
    let ty = item_ty();
    let (state, private) = create_item(&mut client).await;
    assert_eq!(state.attr("id"), &Value::from("items/a"));
    assert_eq!(
        state.attr("secret"),
        &Value::Null,
        "write-only never in state"
    );
    assert_eq!(
        backend.lock().unwrap().secrets_seen,
        ["hunter2"],
        "but the provider got it"
    );
    assert_eq!(state.attr("opts").attr("stamp"), &Value::from("L:a"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&private).unwrap()["etag"],
        1
    );

    // Read: private in, modified private out.
    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "mem_item".into(),
            current_state: dv(&state, &ty),
            private: private.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(read.diagnostics.is_empty());
    assert_eq!(undv(read.new_state, &ty), state);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&read.private).unwrap()["etag"],
        101
    );

    // Plan with no change: planned equals prior exactly (an empty second plan).
    let mut proposed = state.clone();
    proposed.set_attr("secret", "hunter2".into());
    let config = config_value();
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&state, &ty),
            proposed_new_state: dv(&proposed, &ty),
            config: dv(&config, &ty),
            prior_private: read.private.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(plan.planned_state, &ty), state);
    assert_eq!(
        plan.planned_private, read.private,
        "private passes through plan"
    );

    // Plan with a new name: requires replace; id (use_state_for_unknown) is kept.
    let mut renamed = proposed.clone();
    renamed.set_attr("name", "b".into());
    let mut renamed_config = config.clone();
    renamed_config.set_attr("name", "b".into());
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&state, &ty),
            proposed_new_state: dv(&renamed, &ty),
            config: dv(&renamed_config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        plan.requires_replace
            .iter()
            .map(AttributePath::from_proto)
            .collect::<Vec<_>>(),
        [AttributePath::root("name")]
    );
    let planned = undv(plan.planned_state, &ty);
    assert_eq!(planned.attr("id"), &Value::from("items/a"));
    assert_eq!(planned.attr("opts").attr("stamp"), &Value::Unknown);

    // Update in place (size change) then delete.
    let mut bigger = proposed.clone();
    bigger.set_attr("size", 5.into());
    let mut bigger_config = config.clone();
    bigger_config.set_attr("size", 5.into());
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&state, &ty),
            proposed_new_state: dv(&bigger, &ty),
            config: dv(&bigger_config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let applied = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&state, &ty),
            planned_state: plan.planned_state,
            config: dv(&bigger_config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        applied.diagnostics.is_empty(),
        "{:?}",
        summaries(&applied.diagnostics)
    );
    let updated = undv(applied.new_state, &ty);
    assert_eq!(updated.attr("size"), &Value::from(5));
    assert_eq!(updated.attr("secret"), &Value::Null);

    let deleted = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&updated, &ty),
            planned_state: dv(&Value::Null, &ty),
            config: dv(&Value::Null, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(deleted.diagnostics.is_empty());
    assert_eq!(undv(deleted.new_state, &ty), Value::Null);
    assert!(backend.lock().unwrap().items.is_empty());

    // Reading a vanished object: null state and a warning.
    let gone = client
        .read_resource(pb::read_resource::Request {
            type_name: "mem_item".into(),
            current_state: dv(&updated, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(gone.new_state, &ty), Value::Null);
    assert_eq!(summaries(&gone.diagnostics), ["Resource no longer exists"]);
    assert_eq!(
        gone.diagnostics[0].severity,
        pb::diagnostic::Severity::Warning as i32
    );
}

#[tokio::test]
async fn import_then_read() {
    let (mut client, _) = start().await;
    configure(&mut client, "L".into()).await;
    create_item(&mut client).await;
    let ty = item_ty();
    let imported = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "mem_item".into(),
            id: "items/a".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        summaries(&imported.diagnostics)
    );
    let r = &imported.imported_resources[0];
    assert_eq!(r.type_name, "mem_item");
    let state = undv(r.state.clone(), &ty);
    assert_eq!(state.attr("id"), &Value::from("items/a"));
    assert_eq!(state.attr("name"), &Value::from("a"));
    assert_eq!(state.attr("size"), &Value::Null);
    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "mem_item".into(),
            current_state: r.state.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let full = undv(read.new_state, &ty);
    assert_eq!(full.attr("name"), &Value::from("a"));
    assert_eq!(
        full.attr("ports"),
        &Value::List(vec![Value::Map(
            [("port".to_owned(), Value::from(80))].into()
        )])
    );
}

#[tokio::test]
async fn upgrade_state_json_flatmap_current_and_newer() {
    let (mut client, _) = start().await;
    let ty = item_ty();
    let upgrade = |version: i64, raw: pb::RawState| pb::upgrade_resource_state::Request {
        type_name: "mem_item".into(),
        version,
        raw_state: Some(raw),
    };
    let v1_json = pb::RawState {
        json: br#"{"id":"items/x","title":"x","size":4}"#.to_vec(),
        flatmap: Default::default(),
    };
    let resp = client
        .upgrade_resource_state(upgrade(1, v1_json))
        .await
        .unwrap()
        .into_inner();
    assert!(
        resp.diagnostics.is_empty(),
        "{:?}",
        summaries(&resp.diagnostics)
    );
    let up = undv(resp.upgraded_state, &ty);
    assert_eq!(up.attr("name"), &Value::from("x"));
    assert_eq!(up.attr("size"), &Value::from(4));
    assert_eq!(up.attr("ports"), &Value::Null);

    let flat: std::collections::HashMap<String, String> =
        [("id", "items/y"), ("title", "y"), ("size", "2")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    let resp = client
        .upgrade_resource_state(upgrade(
            1,
            pb::RawState {
                json: Vec::new(),
                flatmap: flat,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let up = undv(resp.upgraded_state, &ty);
    assert_eq!(up.attr("name"), &Value::from("y"));
    assert_eq!(up.attr("size"), &Value::from(2));

    // Current version: decoded as is; the write-only value a state should never hold is dropped.
    let current = pb::RawState {
        json: br#"{"id":"items/z","name":"z","size":1,"secret":"leak","ports":[{"port":1}],"opts":null}"#.to_vec(),
        flatmap: Default::default(),
    };
    let resp = client
        .upgrade_resource_state(upgrade(2, current))
        .await
        .unwrap()
        .into_inner();
    let up = undv(resp.upgraded_state, &ty);
    assert_eq!(up.attr("secret"), &Value::Null);
    assert_eq!(
        up.attr("ports"),
        &Value::List(vec![Value::Map(
            [("port".to_owned(), Value::from(1))].into()
        )])
    );

    let newer = pb::RawState {
        json: b"{}".to_vec(),
        flatmap: Default::default(),
    };
    let resp = client
        .upgrade_resource_state(upgrade(3, newer))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&resp.diagnostics),
        ["State written by a newer provider"]
    );
}

#[tokio::test]
async fn move_state_accepts_known_sources_only() {
    let (mut client, _) = start().await;
    let ty = item_ty();
    let request = |source: &str| pb::move_resource_state::Request {
        source_provider_address: "registry.terraform.io/example/mem".into(),
        source_type_name: source.into(),
        source_schema_version: 0,
        source_state: Some(pb::RawState {
            json: br#"{"n":"m"}"#.to_vec(),
            flatmap: Default::default(),
        }),
        target_type_name: "mem_item".into(),
        source_private: b"{\"k\":1}".to_vec(),
        ..Default::default()
    };
    let moved = client
        .move_resource_state(request("mem_old"))
        .await
        .unwrap()
        .into_inner();
    assert!(moved.diagnostics.is_empty());
    assert_eq!(
        undv(moved.target_state, &ty).attr("id"),
        &Value::from("items/m")
    );
    assert_eq!(moved.target_private, b"{\"k\":1}");
    // Warnings from the move reach Terraform alongside the moved state.
    let mut with_legacy = request("mem_old");
    if let Some(raw) = with_legacy.source_state.as_mut() {
        raw.json = br#"{"n":"m","legacy":true}"#.to_vec();
    }
    let warned = client
        .move_resource_state(with_legacy)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&warned.diagnostics),
        ["Attribute not carried over"]
    );
    assert_eq!(
        undv(warned.target_state, &ty).attr("id"),
        &Value::from("items/m")
    );
    let refused = client
        .move_resource_state(request("other"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summaries(&refused.diagnostics), ["Move not supported"]);
}

#[tokio::test]
async fn data_source_read() {
    let (mut client, _) = start().await;
    configure(&mut client, "L".into()).await;
    create_item(&mut client).await;
    let ty = Type::object([("name", Type::String), ("size", Type::Number)]);
    let mut config = Value::Null;
    config.set_attr("name", "a".into());
    config.set_attr("size", Value::Null);
    let v = client
        .validate_data_resource_config(pb::validate_data_resource_config::Request {
            type_name: "mem_item".into(),
            config: dv(&config, &ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(v.diagnostics.is_empty());
    let read = client
        .read_data_source(pb::read_data_source::Request {
            type_name: "mem_item".into(),
            config: dv(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(undv(read.state, &ty).attr("size"), &Value::from(1));
}

#[tokio::test]
async fn ephemeral_open_renew_close() {
    let (mut client, backend) = start().await;
    configure(&mut client, "L".into()).await;
    let ty = Type::object([("scope", Type::String), ("token", Type::String)]);
    let mut config = Value::Null;
    config.set_attr("scope", "s1".into());
    config.set_attr("token", Value::Null);
    let v = client
        .validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request {
            type_name: "mem_token".into(),
            config: dv(&config, &ty),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(v.diagnostics.is_empty());
    let opened = client
        .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
            type_name: "mem_token".into(),
            config: dv(&config, &ty),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(opened.diagnostics.is_empty());
    assert_eq!(
        undv(opened.result, &ty).attr("token"),
        &Value::from("tok-s1")
    );
    assert!(opened.renew_at.is_some());
    let private = opened.private.clone();
    assert!(private.is_some());
    let renewed = client
        .renew_ephemeral_resource(pb::renew_ephemeral_resource::Request {
            type_name: "mem_token".into(),
            private: private.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(renewed.diagnostics.is_empty());
    assert_eq!(renewed.private, private);
    let closed = client
        .close_ephemeral_resource(pb::close_ephemeral_resource::Request {
            type_name: "mem_token".into(),
            private: renewed.private,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(closed.diagnostics.is_empty());
    let b = backend.lock().unwrap();
    assert_eq!(b.renewals, 1);
    assert_eq!(b.closed, ["lease-s1"]);
}

#[tokio::test]
async fn functions_call_and_errors() {
    let (mut client, _) = start().await;
    let fns = client
        .get_functions(pb::get_functions::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fns.functions["add"].parameters.len(), 2);
    let num = |n: i64| dv(&Value::from(n), &Type::Number).unwrap();
    let ok = client
        .call_function(pb::call_function::Request {
            name: "add".into(),
            arguments: vec![num(2), num(40)],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(ok.error.is_none());
    assert_eq!(undv(ok.result, &Type::Number), Value::from(42));

    let frac = dv(
        &Value::Number(serde_json::Number::from_f64(0.5).unwrap()),
        &Type::Number,
    )
    .unwrap();
    let bad = client
        .call_function(pb::call_function::Request {
            name: "add".into(),
            arguments: vec![num(1), frac],
        })
        .await
        .unwrap()
        .into_inner();
    let err = bad.error.unwrap();
    assert_eq!(err.function_argument, Some(1));
    let null = dv(&Value::Null, &Type::Number).unwrap();
    let bad = client
        .call_function(pb::call_function::Request {
            name: "add".into(),
            arguments: vec![null, num(1)],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bad.error.unwrap().function_argument, Some(0));

    let s = |x: &str| dv(&Value::from(x), &Type::String).unwrap();
    let joined = client
        .call_function(pb::call_function::Request {
            name: "join".into(),
            arguments: vec![s(","), s("a"), s("b")],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        undv(joined.result, &Type::list(Type::String)),
        Value::List(vec![",".into(), "a".into(), "b".into()])
    );
}

#[tokio::test]
async fn identity_later_minors_and_stop() {
    let (mut client, _) = start().await;
    let ids = client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .unwrap()
        .into_inner();
    let item = &ids.identity_schemas["mem_item"];
    assert_eq!(item.identity_attributes[0].name, "id");
    assert!(item.identity_attributes[0].required_for_import);
    let id_ty = Type::object([("id", Type::String)]);
    let up = client
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: "mem_item".into(),
            version: 0,
            raw_identity: Some(pb::RawState {
                json: br#"{"id":"items/q"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(up.diagnostics.is_empty());
    assert_eq!(
        undv(up.upgraded_identity.unwrap().identity_data, &id_ty).attr("id"),
        &Value::from("items/q")
    );
    let newer = client
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: "mem_item".into(),
            version: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&newer.diagnostics),
        ["Unsupported identity version"]
    );

    let generated = client
        .generate_resource_config(pb::generate_resource_config::Request::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&generated.diagnostics),
        ["GenerateResourceConfig is not supported by this provider"]
    );
    let list_validate = client
        .validate_list_resource_config(pb::validate_list_resource_config::Request::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&list_validate.diagnostics),
        ["List resources is not supported by this provider"]
    );
    let mut stream = client
        .list_resource(pb::list_resource::Request::default())
        .await
        .unwrap()
        .into_inner();
    let event = stream.message().await.unwrap().unwrap();
    assert_eq!(
        summaries(&event.diagnostic),
        ["ListResource is not supported by this provider"]
    );
    assert!(stream.message().await.unwrap().is_none());
    let action = client
        .plan_action(pb::plan_action::Request::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summaries(&action.diagnostics),
        ["Actions is not supported by this provider"]
    );

    let stop = client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stop.error, "");
}

#[tokio::test]
async fn stop_provider_reaches_calls_in_flight() {
    let (mut client, _) = start().await;
    configure(&mut client, "L".into()).await;
    let ty = Type::object([("name", Type::String), ("size", Type::Number)]);
    let mut config = Value::Null;
    config.set_attr("name", "wait-for-stop".into());
    let mut reader = client.clone();
    let pending = tokio::spawn(async move {
        reader
            .read_data_source(pb::read_data_source::Request {
                type_name: "mem_item".into(),
                config: dv(&config, &ty),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!pending.is_finished());
    let stop = client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stop.error, "");
    let read = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("the call in flight ends after StopProvider")
        .unwrap();
    assert_eq!(summaries(&read.diagnostics), ["Stopped"]);
}

#[tokio::test]
async fn identity_in_responses_and_import_by_identity() {
    let (mut client, _) = start().await;
    configure(&mut client, "L".into()).await;
    let ty = item_ty();
    let id_ty = Type::object([("id", Type::String)]);
    let config = config_value();

    // At create the id is unknown: no planned identity yet.
    let plan = client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&Value::Null, &ty),
            proposed_new_state: dv(&config, &ty),
            config: dv(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(plan.planned_identity.is_none());
    let applied = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "mem_item".into(),
            prior_state: dv(&Value::Null, &ty),
            planned_state: plan.planned_state,
            config: dv(&config, &ty),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let identity = applied.new_identity.unwrap();
    assert_eq!(
        undv(identity.identity_data.clone(), &id_ty).attr("id"),
        &Value::from("items/a")
    );

    // Import by identity (no ID), then read completes the state and returns the identity.
    let imported = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "mem_item".into(),
            id: String::new(),
            identity: Some(identity.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        imported.diagnostics.is_empty(),
        "{:?}",
        summaries(&imported.diagnostics)
    );
    let r = &imported.imported_resources[0];
    assert_eq!(
        undv(r.state.clone(), &ty).attr("id"),
        &Value::from("items/a")
    );
    assert_eq!(r.identity.as_ref(), Some(&identity));
    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "mem_item".into(),
            current_state: r.state.clone(),
            current_identity: r.identity.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        read.diagnostics.is_empty(),
        "{:?}",
        summaries(&read.diagnostics)
    );
    assert_eq!(undv(read.new_state, &ty).attr("name"), &Value::from("a"));
    assert_eq!(read.new_identity, Some(identity));
}

#[test]
fn typed_models_round_trip_through_msgpack() {
    let state = ItemState {
        id: None,
        name: "n".into(),
        size: Some(2),
        secret: None,
        opts: Some(Opts {
            level: None,
            stamp: Some("s".into()),
        }),
        ports: Some(vec![Port { port: 1 }]),
    };
    let ty = item_ty();
    let bytes = msgpack::encode(&to_value(&state).unwrap(), &ty).unwrap();
    let back: ItemState = tfplugin::from_value(&msgpack::decode(&bytes, &ty).unwrap()).unwrap();
    assert_eq!(back.opts, state.opts);
    assert_eq!(back.ports, state.ports);
}
