//! The offline root CA ceremony as a library: creating a root and offline intermediates, the
//! OpenBao/Vault listener certificate, signing CSRs made inside a PKI mount under fixed profiles,
//! CRLs, and verifying all of it independently with OpenSSL. It never touches the network.
//!
//! The binary (`main.rs`, `cli.rs`, `commands/`) only turns flags into the option structs of
//! [`ops`] and [`ceremony`]; everything that decides what gets signed lives here so the ceremony
//! file and the single commands share one code path.

pub mod ca;
pub mod ceremony;
pub mod crl;
pub mod csr;
pub mod custody;
pub mod defaults;
pub mod dn;
mod error;
pub mod extensions;
pub mod fsio;
pub mod hsm;
pub mod journal;
pub mod keys;
pub mod lint;
pub mod offline;
pub mod ops;
pub mod record;
pub mod secret;
pub mod verify;

pub use error::{Error, Result};
