//! The vaultpki Terraform/OpenTofu provider as a library, so that the binary stays a thin
//! `main` and the documentation generator and unit tests can reach the same schemas.
//!
//! - [`provider`]: the provider configuration and the registry of every resource and data
//!   source type.
//! - `api`: the lazily opened, shared connection to OpenBao/Vault (built on `vaultpki-client`).
//! - `diagnostics`: every message the provider shows, in one place.
//! - `resources`, `data_sources`: one file per type.
//! - `issuance`: what the certificate-issuing types share (request fields, answer, revocation).
//! - `secret_id`: what the managed and ephemeral AppRole secret-ID types share; `approle`: what
//!   every AppRole type shares (default mount, role path).
//! - `paths`: API paths that are resource IDs and the parsing of import IDs; `issuers`: issuer
//!   and key helpers of the CA types; `imports`: how the CA and certificate types plan right
//!   after an import; `renewal`: when a managed certificate is replaced.
//!   Resource files depend on these shared modules, never on each other.
//! - [`docs`]: the registry-layout Markdown documentation, generated from the schemas and the
//!   `examples/` directory.
//! - [`stats`]: opt-in CPU and memory figures for the benchmark.

mod api;
mod approle;
mod diagnostics;
pub mod docs;
mod duration;
mod fields;
mod generation;
mod imports;
mod issuance;
mod issuers;
mod migrate;
mod paths;
pub mod provider;
mod renewal;
mod secret_id;
mod spelling;
pub mod stats;
mod token_fields;
mod validation;

mod data_sources;
mod ephemeral;
mod functions;
mod resources;

pub use api::revoke_logins;
pub use provider::{PROVIDER_ADDRESS, VaultPkiProvider};
