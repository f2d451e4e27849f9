//! How Terraform installs our provider without `dev_overrides`: the `provider_installation`
//! blocks of a CLI configuration for a filesystem mirror or a network mirror (what the
//! installation guide tells a reader to write), and a filesystem mirror of the provider just
//! built, for the guides runner, which runs `terraform init` as a reader does.

use std::path::{Path, PathBuf};

use crate::bin_path;

/// A CLI configuration that installs `sources` (e.g. `vaultpki/vaultpki`) only from the
/// filesystem mirror at `dir`, everything else directly.
pub fn filesystem_mirror(dir: &Path, sources: &[&str]) -> String {
    installation(
        "filesystem_mirror",
        "path",
        &dir.display().to_string(),
        sources,
    )
}

/// A CLI configuration that installs `sources` only from the network mirror at `url` (which
/// ends with `/`), everything else directly.
pub fn network_mirror(url: &str, sources: &[&str]) -> String {
    installation("network_mirror", "url", url, sources)
}

fn installation(kind: &str, key: &str, value: &str, sources: &[&str]) -> String {
    let list = sources
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "provider_installation {{\n  {kind} {{\n    {key:<7} = {value:?}\n    include = [{list}]\n  \
         }}\n  direct {{\n    exclude = [{list}]\n  }}\n}}\n"
    )
}

/// A filesystem mirror in `dir` (unpacked layout) serving the built provider as
/// `vaultpki/vaultpki` 0.1.0, and (for the migration guide) the same binary standing in for
/// `hashicorp/vault`, which cannot be downloaded here (see `provider_migrate.rs`); returns the
/// path of a CLI configuration that uses it.
pub fn dev_mirror(dir: &Path) -> PathBuf {
    let provider = bin_path("terraform-provider-vaultpki");
    let mirror = dir.join("mirror");
    let sources = ["vaultpki/vaultpki", "hashicorp/vault"];
    for source in sources {
        let (ns, ty) = source.split_once('/').expect("namespace/type");
        let d = mirror
            .join("registry.terraform.io")
            .join(ns)
            .join(ty)
            .join("0.1.0")
            .join("linux_amd64");
        std::fs::create_dir_all(&d).expect("create the provider mirror");
        std::os::unix::fs::symlink(&provider, d.join(format!("terraform-provider-{ty}")))
            .expect("link the provider into the mirror");
    }
    let path = dir.join("terraform.tfrc");
    std::fs::write(&path, filesystem_mirror(&mirror, &sources))
        .expect("write the Terraform CLI configuration");
    path
}
