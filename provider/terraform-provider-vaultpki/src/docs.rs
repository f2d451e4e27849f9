//! The provider documentation in the Terraform Registry layout (`docs/index.md`,
//! `docs/resources/<name>.md`, `docs/data-sources/<name>.md`,
//! `docs/ephemeral-resources/<name>.md`, `docs/functions/<name>.md`), generated from the schema
//! descriptions and the examples under `examples/` (`examples/provider/provider.tf`,
//! `examples/resources/<type>/resource.tf` and `import.sh`, `examples/data-sources/<type>/
//! data-source.tf`, `examples/ephemeral-resources/<type>/ephemeral-resource.tf`,
//! `examples/functions/<name>/function.tf`; function pages from the function signatures). The unit
//! test `docs::tests::committed_docs_are_current` fails when the committed files differ from
//! what this module generates; run it with `VAULTPKI_UPDATE_DOCS=1` to rewrite them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use tfplugin::{Attribute, AttributeKind, Block, Nesting, Provider as _, Schema, Signature, Type};

use crate::provider::provider_schema;

/// Every generated file: path relative to the docs directory → contents.
pub fn generate(examples: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let read = |rel: &str| -> std::io::Result<Option<String>> {
        match std::fs::read_to_string(examples.join(rel)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    };
    let provider = provider_schema();
    files.insert(
        "index.md".to_owned(),
        page(
            "vaultpki Provider",
            "vaultpki Provider",
            &provider,
            read("provider/provider.tf")?.as_deref(),
            None,
        ),
    );
    let registry = crate::VaultPkiProvider;
    for r in registry.resources() {
        let (name, schema) = (r.type_name(), r.schema());
        let example = read(&format!("resources/{name}/resource.tf"))?;
        let import = read(&format!("resources/{name}/import.sh"))?;
        files.insert(
            format!("resources/{}.md", short(name)),
            page(
                &format!("{name} Resource - vaultpki"),
                &format!("{name} (Resource)"),
                &schema,
                example.as_deref(),
                import.as_deref(),
            ),
        );
    }
    for d in registry.data_sources() {
        let (name, schema) = (d.type_name(), d.schema());
        let example = read(&format!("data-sources/{name}/data-source.tf"))?;
        files.insert(
            format!("data-sources/{}.md", short(name)),
            page(
                &format!("{name} Data Source - vaultpki"),
                &format!("{name} (Data Source)"),
                &schema,
                example.as_deref(),
                None,
            ),
        );
    }
    for e in registry.ephemeral_resources() {
        let (name, schema) = (e.type_name(), e.schema());
        let example = read(&format!("ephemeral-resources/{name}/ephemeral-resource.tf"))?;
        files.insert(
            format!("ephemeral-resources/{}.md", short(name)),
            page(
                &format!("{name} Ephemeral Resource - vaultpki"),
                &format!("{name} (Ephemeral Resource)"),
                &schema,
                example.as_deref(),
                None,
            ),
        );
    }
    for f in registry.functions() {
        let (name, signature) = (f.name(), f.signature());
        let example = read(&format!("functions/{name}/function.tf"))?;
        files.insert(
            format!("functions/{name}.md"),
            function_page(name, &signature, example.as_deref()),
        );
    }
    Ok(files)
}

/// Writes `files` under `dir` (temp file, fsync, rename for each).
pub fn write(dir: &Path, files: &BTreeMap<String, String>) -> std::io::Result<()> {
    for (rel, contents) in files {
        let path = dir.join(rel);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(".{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(())
}

/// The registry file name drops the provider prefix (`vaultpki_mount` → `mount`).
fn short(name: &str) -> &str {
    name.strip_prefix("vaultpki_").unwrap_or(name)
}

fn page(
    title: &str,
    heading: &str,
    schema: &Schema,
    example: Option<&str>,
    import: Option<&str>,
) -> String {
    let mut out = String::new();
    let desc = schema.block.description.trim();
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "page_title: {title:?}");
    let _ = writeln!(out, "subcategory: \"\"");
    let _ = writeln!(out, "description: |-");
    for line in desc.lines() {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "---\n");
    let _ = writeln!(
        out,
        "<!-- Generated by terraform-provider-vaultpki's docs module; do not edit. -->\n"
    );
    let _ = writeln!(out, "# {heading}\n");
    let _ = writeln!(out, "{desc}\n");
    if let Some(ex) = example {
        let _ = writeln!(out, "## Example Usage\n");
        let _ = writeln!(out, "```terraform\n{}\n```\n", ex.trim_end());
    }
    let _ = writeln!(out, "## Schema\n");
    block_doc(&mut out, &schema.block, "");
    if let Some(im) = import {
        let _ = writeln!(out, "## Import\n");
        let _ = writeln!(out, "Import is supported using the following syntax:\n");
        let _ = writeln!(out, "```shell\n{}\n```", im.trim_end());
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A provider function's page: summary, description, example, the call signature and one line
/// per argument (the registry's function page layout).
fn function_page(name: &str, signature: &Signature, example: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---");
    let _ = writeln!(
        out,
        "page_title: {:?}",
        format!("{name} function - vaultpki")
    );
    let _ = writeln!(out, "subcategory: \"\"");
    let _ = writeln!(out, "description: |-");
    let _ = writeln!(out, "  {}", signature.summary.trim());
    let _ = writeln!(out, "---\n");
    let _ = writeln!(
        out,
        "<!-- Generated by terraform-provider-vaultpki's docs module; do not edit. -->\n"
    );
    let _ = writeln!(out, "# function: {name}\n");
    let _ = writeln!(out, "{}\n", signature.description.trim());
    if let Some(ex) = example {
        let _ = writeln!(out, "## Example Usage\n");
        let _ = writeln!(out, "```terraform\n{}\n```\n", ex.trim_end());
    }
    let mut params: Vec<String> = signature
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.name, fn_ty(&p.ty)))
        .collect();
    if let Some(v) = &signature.variadic {
        params.push(format!("{}... {}", v.name, fn_ty(&v.ty)));
    }
    let _ = writeln!(out, "## Signature\n");
    let _ = writeln!(
        out,
        "```text\n{name}({}) {}\n```\n",
        params.join(", "),
        fn_ty(&signature.returns)
    );
    let _ = writeln!(out, "## Arguments\n");
    let all = signature.parameters.iter().chain(&signature.variadic);
    for (i, p) in all.enumerate() {
        let nullable = if p.allow_null { ", Nullable" } else { "" };
        let _ = writeln!(
            out,
            "{}. `{}` ({}{nullable}) {}",
            i + 1,
            p.name,
            ty(&p.ty),
            p.description.trim()
        );
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// A type as function signatures show it (`string`, `list of string`, `object`).
fn fn_ty(t: &Type) -> String {
    ty(t).to_lowercase()
}

/// Picks the attributes of one documentation group.
type Pick = fn(&Attribute) -> bool;

fn block_doc(out: &mut String, block: &Block, anchor: &str) {
    let groups: [(&str, Pick); 3] = [
        ("Required", |a| a.required),
        ("Optional", |a| a.optional),
        ("Read-Only", |a| a.computed && !a.optional),
    ];
    let mut nested = Vec::new();
    for (heading, pick) in groups {
        let attrs: Vec<&Attribute> = block.attributes.iter().filter(|a| pick(a)).collect();
        let blocks: Vec<_> = block
            .blocks
            .iter()
            .filter(|b| match heading {
                "Required" => b.min_items > 0,
                "Optional" => b.min_items == 0,
                _ => false,
            })
            .collect();
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {heading}\n");
        let mut lines: Vec<(String, String)> = attrs
            .iter()
            .map(|a| {
                let mut flags = type_name(a);
                if a.sensitive {
                    flags.push_str(", Sensitive");
                }
                if a.deprecated {
                    flags.push_str(", Deprecated");
                }
                if a.write_only {
                    flags.push_str(", Write-only");
                }
                (
                    a.name.clone(),
                    format!("- `{}` ({flags}) {}", a.name, a.description.trim()),
                )
            })
            .collect();
        for b in blocks {
            let kind = match b.nesting {
                Nesting::List => "Block List",
                Nesting::Set => "Block Set",
                _ => "Block",
            };
            let max = if b.max_items > 0 {
                format!(", Max: {}", b.max_items)
            } else {
                String::new()
            };
            let id = format!("{anchor}nestedblock--{}", b.type_name);
            lines.push((
                b.type_name.clone(),
                format!(
                    "- `{}` ({kind}{max}) {} (see [below for nested schema](#{id}))",
                    b.type_name,
                    b.block.description.trim()
                ),
            ));
            nested.push((id, b));
        }
        lines.sort();
        for (_, l) in lines {
            let _ = writeln!(out, "{l}");
        }
        let _ = writeln!(out);
    }
    for (id, b) in nested {
        let _ = writeln!(out, "<a id=\"{id}\"></a>");
        let _ = writeln!(out, "### Nested Schema for `{}`\n", b.type_name);
        block_doc(out, &b.block, &format!("{id}--"));
    }
}

fn type_name(a: &Attribute) -> String {
    match &a.kind {
        AttributeKind::Typed(t) => ty(t),
        AttributeKind::Nested(..) => "Attributes".to_owned(),
    }
}

fn ty(t: &Type) -> String {
    match t {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(e) => format!("List of {}", ty(e)),
        Type::Set(e) => format!("Set of {}", ty(e)),
        Type::Map(e) => format!("Map of {}", ty(e)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_docs_are_current() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let files = generate(&root.join("examples")).unwrap();
        let docs = root.join("docs");
        if std::env::var_os("VAULTPKI_UPDATE_DOCS").is_some() {
            write(&docs, &files).unwrap();
        }
        let mut stale = Vec::new();
        for (rel, want) in &files {
            let have = std::fs::read_to_string(docs.join(rel)).unwrap_or_default();
            if &have != want {
                stale.push(rel.clone());
            }
        }
        assert!(
            stale.is_empty(),
            "docs/ is stale for {stale:?}; regenerate with \
             `VAULTPKI_UPDATE_DOCS=1 cargo test -p terraform-provider-vaultpki docs` and commit"
        );
    }

    #[test]
    fn every_type_has_an_example() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let registry = crate::VaultPkiProvider;
        for r in registry.resources() {
            let name = r.type_name();
            for file in ["resource.tf", "import.sh"] {
                let p = root.join(format!("resources/{name}/{file}"));
                assert!(p.is_file(), "missing example {}", p.display());
            }
        }
        for d in registry.data_sources() {
            let name = d.type_name();
            let p = root.join(format!("data-sources/{name}/data-source.tf"));
            assert!(p.is_file(), "missing example {}", p.display());
        }
        for e in registry.ephemeral_resources() {
            let name = e.type_name();
            let p = root.join(format!("ephemeral-resources/{name}/ephemeral-resource.tf"));
            assert!(p.is_file(), "missing example {}", p.display());
        }
        for f in registry.functions() {
            let name = f.name();
            let p = root.join(format!("functions/{name}/function.tf"));
            assert!(p.is_file(), "missing example {}", p.display());
        }
        assert!(root.join("provider/provider.tf").is_file());
    }
}
