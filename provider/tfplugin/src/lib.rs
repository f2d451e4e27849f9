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

pub mod proto;

mod de;
mod diag;
mod flatmap;
pub mod log;
pub mod msgpack;
mod provider;
mod schema;
mod ser;
pub mod serve;
mod server;
mod tls;
mod types;
mod value;

pub use diag::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use provider::{
    AnyDataSource, AnyEphemeralResource, AnyFunction, AnyResource, ConfigureCtx, Ctx, DataSource,
    EphemeralResource, Function, FunctionError, MovedState, Parameter, Plan, Private, Provider,
    RawState, Resource, Signature,
};
pub use schema::{
    Attribute, AttributeKind, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting,
    Schema,
};
pub use serve::{ServeError, ServeOptions, serve};
pub use server::{MAX_MESSAGE_SIZE, ProviderService, provider_service};
pub use types::Type;
pub use value::{Maybe, Value, ValueError, from_value, to_value};
