//! The `terraform-provider-vaultpki` binary: serves the provider over plugin protocol 6. Terraform
//! or OpenTofu starts it; run by hand it explains that and exits 1 (tfplugin checks the magic
//! cookie), except for `--version`, which prints the version `scripts/release` checks against the
//! release's file names. All logic lives in the `vaultpki_provider` library.

use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!(
            "terraform-provider-vaultpki {} (plugin protocol 6)",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    let code = tfplugin::serve::main(
        vaultpki_provider::VaultPkiProvider,
        vaultpki_provider::PROVIDER_ADDRESS,
    );
    // Serving ended (Terraform's shutdown, or an interrupt in debug mode): the tokens this
    // process logged in for are revoked before it exits.
    vaultpki_provider::revoke_logins();
    vaultpki_provider::stats::append_process_stats();
    code
}
