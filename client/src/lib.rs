//! Everything the provider, snapshot-cron and cert-deploy need to talk to OpenBao or Vault,
//! written once: the address and TLS settings (CA file, skip-verify), namespace, token /
//! AppRole / Kubernetes login (and, for the jobs, choosing the method from their settings),
//! detecting the server's flavour and version, finding the active node, and retrying 429, 5xx
//! and connection errors with bounded backoff. Built on `vaultrs`; endpoints it lacks go through
//! a generic request path on the reqwest client inside vaultrs's `VaultClient`, which is also
//! what streams large bodies such as Raft snapshots. Knows nothing about Terraform or S3.

mod client;
mod config;
mod error;
mod health;
mod retry;
mod secret;
mod settings;

pub use client::{Client, Idempotency, JsonRequest};
pub use config::{Auth, Config};
pub use error::{Error, Result};
pub use health::{Flavour, Health, HealthState, Leader, ServerInfo};
pub use retry::RetryPolicy;
pub use secret::Secret;
#[cfg(feature = "clap")]
pub use settings::args;
#[cfg(feature = "clap")]
pub mod tool;
pub use settings::{AuthSettings, AuthVarNames, ServerSettings};
