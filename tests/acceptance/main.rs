//! The one acceptance-test binary: one `mod` per area, each driving real OpenBao, terraform and
//! moto_server through the `vaultpki_tests` harness. The environment is started once per run.

mod acme;
mod cert_deploy;
mod guides;
mod harness;
mod modules;
mod pki_bootstrap;
mod provider;
mod provider_acme;
mod provider_approle;
mod provider_auth;
mod provider_ca;
mod provider_functions;
mod provider_migrate;
mod provider_pki_certs;
mod provider_pki_config;
mod provider_sys;
mod release;
mod snapshot_cron;
mod tfplugin;
