//! The Terraform/OpenTofu plugin protocol 6 (up to 6.9), as a library a provider is written
//! against.
//!
//! - [`proto`]: tonic/prost bindings for `tfplugin6.proto` and go-plugin's services, generated at
//!   build time without a system `protoc`.
//! - [`mod@serve`]: serving as go-plugin does (magic cookie, protocol negotiation, AutoMTLS, the
//!   handshake line, health, controller shutdown, `--debug` reattach mode).
//! - [`Value`], [`Type`], [`msgpack`]: the value model and its wire encodings, with a serde bridge
//!   ([`to_value`], [`from_value`], [`Maybe`]) so providers work with plain structs.
//! - [`mod@log`]: `tracing` events forwarded to Terraform's log (`TF_LOG`, `TF_LOG_PROVIDER`)
//!   in go-plugin's hclog JSON format, with the RPC and type name as fields.
//! - [`Provider`], [`Resource`], [`DataSource`], [`EphemeralResource`], [`Function`]: the
//!   provider-author traits, with [`Schema`] and [`Diagnostics`].
//!
//! It knows nothing about any particular provider so that it can be published on its own.
//!
//! # A complete provider
//!
//! A provider is a [`Provider`] (configuration schema, `configure` building the client every
//! call receives, and one registry list per kind of type) plus one type per resource. Models are
//! plain serde structs; `Option` is null. This one keeps "notes" in memory; a real one would
//! call its API in the same four functions. `serve::main` is the whole `main`: it checks that
//! Terraform started the process, prints the handshake, forwards `tracing` events to
//! Terraform's log and serves until Terraform shuts it down.
//!
//! ```no_run
//! use std::collections::BTreeMap;
//! use std::sync::Mutex;
//!
//! use serde::{Deserialize, Serialize};
//! use tfplugin::{AnyResource, Attribute, ConfigureCtx, Ctx, Diagnostics, Provider, Resource, Schema};
//!
//! /// What `configure` builds and every call receives: here, the notes themselves.
//! struct Notes(Mutex<BTreeMap<String, String>>);
//!
//! struct NotesProvider;
//!
//! #[derive(Deserialize)]
//! struct NotesConfig {
//!     prefix: Option<String>,
//! }
//!
//! impl Provider for NotesProvider {
//!     type Client = Notes;
//!     type Config = NotesConfig;
//!
//!     fn schema(&self) -> Schema {
//!         Schema::new("Notes kept by the provider process.")
//!             .attribute(Attribute::string("prefix", "Prepended to every note.").optional())
//!     }
//!
//!     async fn configure(&self, _ctx: &mut ConfigureCtx, _config: NotesConfig) -> Result<Notes, Diagnostics> {
//!         Ok(Notes(Mutex::new(BTreeMap::new())))
//!     }
//!
//!     // The one list of resource types: the RPCs and the schema read it (and a docs
//!     // generator can, through `AnyResource::type_name` and `AnyResource::schema`).
//!     fn resources(&self) -> Vec<AnyResource<Notes>> {
//!         vec![AnyResource::new(Note)]
//!     }
//! }
//!
//! struct Note;
//!
//! #[derive(Serialize, Deserialize)]
//! struct NoteState {
//!     id: Option<String>,
//!     name: String,
//!     text: String,
//! }
//!
//! impl Resource for Note {
//!     type Client = Notes;
//!     type State = NoteState;
//!
//!     fn type_name(&self) -> &str {
//!         "notes_note"
//!     }
//!
//!     fn schema(&self) -> Schema {
//!         Schema::new("A note.")
//!             .attribute(Attribute::string("id", "The note's name.").computed().use_state_for_unknown())
//!             .attribute(Attribute::string("name", "Name; changing it replaces the note.").required().requires_replace())
//!             .attribute(Attribute::string("text", "The text.").required())
//!     }
//!
//!     async fn create(&self, ctx: &mut Ctx<'_, Notes>, plan: NoteState) -> Result<NoteState, Diagnostics> {
//!         tracing::debug!(name = %plan.name, "creating a note"); // shows with TF_LOG=debug
//!         let notes = ctx.client()?;
//!         notes.0.lock().map_err(|_| tfplugin::Diagnostic::error("Notes unusable", "A previous call panicked."))?
//!             .insert(plan.name.clone(), plan.text.clone());
//!         Ok(NoteState { id: Some(plan.name.clone()), ..plan })
//!     }
//!
//!     async fn read(&self, ctx: &mut Ctx<'_, Notes>, state: NoteState) -> Result<Option<NoteState>, Diagnostics> {
//!         let notes = ctx.client()?;
//!         let text = notes.0.lock().ok().and_then(|n| n.get(&state.name).cloned());
//!         // `None`: gone, so Terraform drops it from state and plans to create it again.
//!         Ok(text.map(|text| NoteState { text, ..state }))
//!     }
//!
//!     async fn update(&self, ctx: &mut Ctx<'_, Notes>, _prior: NoteState, plan: NoteState) -> Result<NoteState, Diagnostics> {
//!         self.create(ctx, plan).await
//!     }
//!
//!     async fn delete(&self, ctx: &mut Ctx<'_, Notes>, state: NoteState) -> Result<(), Diagnostics> {
//!         if let Ok(mut notes) = ctx.client()?.0.lock() {
//!             notes.remove(&state.name);
//!         }
//!         Ok(())
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     tfplugin::serve::main(NotesProvider, "registry.terraform.io/example/notes")
//! }
//! ```
//!
//! The default import sets `id` and lets `read` fill in the rest; the default plan marks
//! computed attributes unknown where they may change and replaces on `requires_replace`
//! attributes. The example provider `examples/terraform-provider-tfplugintest.rs` shows the rest:
//! nested blocks, write-only attributes fed by an ephemeral resource, a data source, a function.

#![deny(missing_docs)]

pub mod proto;

mod de;
mod diag;
mod error;
mod flatmap;
pub mod log;
pub mod msgpack;
mod planning;
mod provider;
mod schema;
mod ser;
pub mod serve;
mod server;
mod tls;
mod types;
mod value;

pub use de::from_value;
pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use error::ValueError;
pub use provider::{
    AnyDataSource, AnyEphemeralResource, AnyFunction, AnyResource, ConfigureCtx, Ctx, DataSource,
    EphemeralResource, Function, FunctionError, MovedState, Parameter, Plan, Private, Provider,
    RawState, Resource, Signature,
};
pub use schema::{
    Attribute, AttributeKind, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting,
    Schema,
};
pub use ser::to_value;
pub use serve::{ServeError, ServeOptions, serve};
pub use server::{MAX_MESSAGE_SIZE, ProviderService, provider_service};
pub use types::Type;
pub use value::{Maybe, Value};
