//! The acceptance-test harness: everything a vaultpki acceptance test needs to drive the real
//! components — the shared OpenBao/moto environment started once per test run
//! ([`env()`]), extra servers a test owns ([`ExtraServer`]), per-test unique names
//! ([`unique_name`]), workspace binaries ([`bin_path`]) and the real `terraform`/`tofu` with our
//! providers wired in through `dev_overrides` ([`Terraform`], [`provider_terraform`]), and the
//! `openssl`/`curl` CLIs ([`openssl`], [`curl`]), a fault-injecting TCP proxy ([`proxy`]), and
//! the tools' systemd units checked and run as systemd would ([`systemd`]).
//!
//! The environment itself is `scripts/testenv`; this crate only calls it, so the tests, the
//! quickstart and developers share one implementation.

pub mod bao;
mod bins;
mod environment;
pub mod guides;
pub mod hosts;
pub mod installation;
pub mod jwt;
pub mod module_docs;
mod names;
pub mod official;
pub mod proxy;
pub mod site;
pub mod systemd;
mod terraform;
mod tools;

pub use bins::{bin_path, workspace_root};
pub use environment::{ExtraServer, ExtraServerOptions, TestEnv, env};
pub use names::unique_name;
pub use terraform::{Terraform, planned_changes};
pub use tools::{
    PROVIDER_SOURCE, curl, openssl, openssl_offline_root, provider_config, provider_dir,
    provider_terraform, provider_terraform_at,
};
