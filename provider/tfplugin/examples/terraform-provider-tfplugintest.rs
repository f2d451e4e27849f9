//! A small provider built on tfplugin, used by the acceptance tests to drive the crate with the
//! real `terraform` binary. It is not shipped. Its "API" is a directory of JSON files (the
//! provider's `store_dir`), so objects survive between terraform runs and a test can check what
//! the provider wrote, including the write-only value that reached it from an ephemeral resource.
//!
//! Types: resource `tfplugintest_thing`, data source `tfplugintest_thing`, ephemeral resource
//! `tfplugintest_secret`, function `upper`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use tfplugin::{
    AnyDataSource, AnyEphemeralResource, AnyFunction, AnyResource, Attribute, AttributePath, Block,
    ConfigureCtx, Ctx, DataSource, Diagnostic, Diagnostics, EphemeralResource, Function,
    FunctionError, NestedBlock, Nesting, Parameter, Provider, Resource, Schema, Signature, Type,
    Value,
};

fn main() -> ExitCode {
    tfplugin::serve::main(TestProvider, "registry.terraform.io/vaultpki/tfplugintest")
}

struct TestProvider;

#[derive(Deserialize)]
struct ProviderConfig {
    store_dir: Option<String>,
}

/// The "API client": where objects are stored.
struct Store {
    dir: PathBuf,
}

impl Store {
    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    fn load(&self, id: &str) -> Result<Option<StoredThing>, Diagnostics> {
        let path = self.path(id);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| store_error("reading", &path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(store_error("reading", &path, e)),
        }
    }

    fn save(&self, id: &str, thing: &StoredThing) -> Result<(), Diagnostics> {
        let path = self.path(id);
        let bytes =
            serde_json::to_vec_pretty(thing).map_err(|e| store_error("encoding", &path, e))?;
        write_atomically(&path, &bytes).map_err(|e| store_error("writing", &path, e))
    }

    fn remove(&self, id: &str) -> Result<(), Diagnostics> {
        let path = self.path(id);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(store_error("removing", &path, e))
            }
            _ => Ok(()),
        }
    }
}

/// Temp file + fsync + rename, so a crash never leaves a half-written object.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn store_error(what: &str, path: &Path, e: impl std::fmt::Display) -> Diagnostics {
    Diagnostic::error(
        "Store failure",
        format!("{what} {} failed: {e}", path.display()),
    )
    .into()
}

impl Provider for TestProvider {
    type Client = Store;
    type Config = ProviderConfig;

    fn schema(&self) -> Schema {
        Schema::new("Test provider for the tfplugin crate.").attribute(
            Attribute::string("store_dir", "Directory holding the objects (JSON files).")
                .optional(),
        )
    }

    async fn configure(
        &self,
        _ctx: &mut ConfigureCtx,
        config: ProviderConfig,
    ) -> Result<Store, Diagnostics> {
        let dir = config
            .store_dir
            .or_else(|| std::env::var("TFPLUGINTEST_STORE_DIR").ok())
            .ok_or_else(|| {
                Diagnostics::from(
                    Diagnostic::error(
                        "Missing store directory",
                        "Set store_dir or TFPLUGINTEST_STORE_DIR.",
                    )
                    .at(AttributePath::root("store_dir")),
                )
            })?;
        Ok(Store { dir: dir.into() })
    }

    fn resources(&self) -> Vec<AnyResource<Store>> {
        vec![AnyResource::new(Thing)]
    }

    fn data_sources(&self) -> Vec<AnyDataSource<Store>> {
        vec![AnyDataSource::new(ThingData)]
    }

    fn ephemeral_resources(&self) -> Vec<AnyEphemeralResource<Store>> {
        vec![AnyEphemeralResource::new(Secret)]
    }

    fn functions(&self) -> Vec<AnyFunction> {
        vec![AnyFunction::new(Upper)]
    }
}

// ---- resource tfplugintest_thing

struct Thing;

#[derive(Serialize, Deserialize, Clone, PartialEq)]
struct Rule {
    port: i64,
    note: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ThingState {
    id: Option<String>,
    name: String,
    value: Option<String>,
    tags: Option<std::collections::BTreeMap<String, String>>,
    password_wo: Option<String>,
    password_version: Option<i64>,
    revision: Option<i64>,
    rule: Vec<Rule>,
}

/// What the store keeps for a thing (the "API object").
#[derive(Serialize, Deserialize)]
struct StoredThing {
    name: String,
    value: Option<String>,
    tags: Option<std::collections::BTreeMap<String, String>>,
    password: Option<String>,
    password_version: Option<i64>,
    revision: i64,
    rules: Vec<Rule>,
}

impl ThingState {
    fn from_stored(id: &str, s: StoredThing) -> Self {
        Self {
            id: Some(id.to_owned()),
            name: s.name,
            value: s.value,
            tags: s.tags,
            password_wo: None,
            password_version: s.password_version,
            revision: Some(s.revision),
            rule: s.rules,
        }
    }
}

impl Resource for Thing {
    type Client = Store;
    type State = ThingState;

    fn type_name(&self) -> &str {
        "tfplugintest_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new("A thing in the store.")
            .attribute(
                Attribute::string("id", "The thing's ID (its name).")
                    .computed()
                    .use_state_for_unknown(),
            )
            .attribute(
                Attribute::string("name", "Name; changing it replaces the thing.")
                    .required()
                    .requires_replace(),
            )
            .attribute(Attribute::string("value", "Any value."))
            .attribute(Attribute::string_map("tags", "Tags."))
            .attribute(
                Attribute::string("password_wo", "A password, sent but never stored in state.")
                    .sensitive()
                    .write_only(),
            )
            .attribute(Attribute::number(
                "password_version",
                "Bump to send password_wo again.",
            ))
            .attribute(Attribute::number("revision", "Incremented by every update.").computed())
            .block(NestedBlock::new(
                "rule",
                Nesting::List,
                Block::new("A port rule.")
                    .attribute(Attribute::number("port", "Port.").required())
                    .attribute(Attribute::string("note", "Note.")),
            ))
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Store>,
        plan: ThingState,
    ) -> Result<ThingState, Diagnostics> {
        let store = ctx.client()?;
        let id = plan.name.clone();
        if store.load(&id)?.is_some() {
            return Err(Diagnostic::error(
                "Thing exists",
                format!("A thing named {id:?} already exists; import it instead."),
            )
            .at(AttributePath::root("name"))
            .into());
        }
        let stored = StoredThing {
            name: plan.name,
            value: plan.value,
            tags: plan.tags,
            password: plan.password_wo,
            password_version: plan.password_version,
            revision: 1,
            rules: plan.rule,
        };
        store.save(&id, &stored)?;
        ctx.private.set("created_by", &"tfplugintest");
        Ok(ThingState::from_stored(&id, stored))
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Store>,
        state: ThingState,
    ) -> Result<Option<ThingState>, Diagnostics> {
        let store = ctx.client()?;
        let id = state.id.unwrap_or(state.name);
        Ok(store.load(&id)?.map(|s| ThingState::from_stored(&id, s)))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Store>,
        prior: ThingState,
        plan: ThingState,
    ) -> Result<ThingState, Diagnostics> {
        let store = ctx.client()?;
        let id = prior.id.unwrap_or(prior.name);
        let old = store.load(&id)?;
        let password_changed = plan.password_version != prior.password_version;
        let stored = StoredThing {
            name: plan.name,
            value: plan.value,
            tags: plan.tags,
            password: if password_changed {
                plan.password_wo
            } else {
                old.as_ref().and_then(|o| o.password.clone())
            },
            password_version: plan.password_version,
            revision: old.map_or(1, |o| o.revision + 1),
            rules: plan.rule,
        };
        store.save(&id, &stored)?;
        Ok(ThingState::from_stored(&id, stored))
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Store>, state: ThingState) -> Result<(), Diagnostics> {
        let store = ctx.client()?;
        store.remove(&state.id.unwrap_or(state.name))
    }

    async fn import(&self, _ctx: &mut Ctx<'_, Store>, id: &str) -> Result<ThingState, Diagnostics> {
        Ok(ThingState {
            id: Some(id.to_owned()),
            name: id.to_owned(),
            value: None,
            tags: None,
            password_wo: None,
            password_version: None,
            revision: None,
            rule: Vec::new(),
        })
    }
}

// ---- data source tfplugintest_thing

struct ThingData;

#[derive(Serialize, Deserialize)]
struct ThingDataModel {
    name: String,
    value: Option<String>,
    revision: Option<i64>,
}

impl DataSource for ThingData {
    type Client = Store;
    type Model = ThingDataModel;

    fn type_name(&self) -> &str {
        "tfplugintest_thing"
    }

    fn schema(&self) -> Schema {
        Schema::new("Reads a thing.")
            .attribute(Attribute::string("name", "Name of the thing.").required())
            .attribute(Attribute::string("value", "Its value.").computed())
            .attribute(Attribute::number("revision", "Its revision.").computed())
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Store>,
        config: ThingDataModel,
    ) -> Result<ThingDataModel, Diagnostics> {
        let stored = ctx.client()?.load(&config.name)?.ok_or_else(|| {
            Diagnostics::from(
                Diagnostic::error(
                    "Thing not found",
                    format!("No thing named {:?}.", config.name),
                )
                .at(AttributePath::root("name")),
            )
        })?;
        Ok(ThingDataModel {
            name: config.name,
            value: stored.value,
            revision: Some(stored.revision),
        })
    }
}

// ---- ephemeral resource tfplugintest_secret

struct Secret;

#[derive(Serialize, Deserialize)]
struct SecretModel {
    seed: String,
    value: Option<String>,
}

impl EphemeralResource for Secret {
    type Client = Store;
    type Model = SecretModel;

    fn type_name(&self) -> &str {
        "tfplugintest_secret"
    }

    fn schema(&self) -> Schema {
        Schema::new("A secret derived from a seed, never stored.")
            .attribute(Attribute::string("seed", "Seed.").required())
            .attribute(
                Attribute::string("value", "The secret.")
                    .computed()
                    .sensitive(),
            )
    }

    async fn open(
        &self,
        ctx: &mut Ctx<'_, Store>,
        config: SecretModel,
    ) -> Result<SecretModel, Diagnostics> {
        ctx.private.set("seed_len", &config.seed.len());
        let value = format!("{}-secret", config.seed);
        Ok(SecretModel {
            seed: config.seed,
            value: Some(value),
        })
    }
}

// ---- function upper

struct Upper;

impl Function for Upper {
    fn name(&self) -> &str {
        "upper"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![Parameter::new(
                "input",
                Type::String,
                "The string to upper-case.",
            )],
            variadic: None,
            returns: Type::String,
            summary: "Upper-cases a string".to_owned(),
            description: "Returns `input` in upper case.".to_owned(),
        }
    }

    fn call(&self, args: Vec<Value>) -> Result<Value, FunctionError> {
        let input = args
            .first()
            .and_then(Value::as_str)
            .ok_or_else(|| FunctionError::argument(0, "input must be a string"))?;
        Ok(Value::from(input.to_uppercase()))
    }
}
