//! The `terraform-provider-vaultpki` binary: glue between the `tfplugin` protocol crate and the
//! `vaultpki-client` crate. It will register the PKI resources, data sources, ephemeral resources
//! and functions and serve them to Terraform/OpenTofu.

fn main() {
    eprintln!(
        "terraform-provider-vaultpki: this binary is a plugin for Terraform/OpenTofu and is not \
         meant to be run directly; the provider resources are not implemented yet"
    );
    std::process::exit(1);
}
