//! The Inputs and Outputs tables of each module's README, generated from its `variables.tf` and
//! `outputs.tf` so they cannot drift from the module (the `modules::readmes_*` test checks them;
//! `VAULTPKI_UPDATE_DOCS=1` rewrites them, as for the provider docs).
//!
//! The files are read as `terraform fmt` writes them (which `scripts/test` checks): top-level
//! `variable "…" {` / `output "…" {` blocks closed by a `}` in column 0, their attributes indented
//! by two spaces. A value spanning lines (an `object({…})` type, say) is read until its brackets
//! close. Anything else in that shape is an error naming the file and line, never a silent gap.

use std::path::Path;

/// The line before the generated section of a module README.
pub const BEGIN: &str = "<!-- BEGIN GENERATED INPUTS/OUTPUTS: from variables.tf and outputs.tf; \
                         regenerate with VAULTPKI_UPDATE_DOCS=1 cargo test -p vaultpki-tests \
                         --test acceptance -- modules::readmes -->";
/// The line after it.
pub const END: &str = "<!-- END GENERATED INPUTS/OUTPUTS -->";

/// One `variable` or `output` block: its name and top-level attributes as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    pub attrs: Vec<(String, String)>,
}

impl Block {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The `kind` ("variable" or "output") blocks of one file, in order.
pub fn parse(kind: &str, text: &str, file: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    let open = format!("{kind} \"");
    while let Some((i, line)) = lines.next() {
        let Some(rest) = line.strip_prefix(&open) else {
            if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return Err(format!(
                    "{file}:{}: expected only {kind} blocks, found {line:?}",
                    i + 1
                ));
            }
            continue;
        };
        let name = rest
            .strip_suffix("\" {")
            .ok_or_else(|| format!("{file}:{}: expected `{kind} \"name\" {{`", i + 1))?
            .to_owned();
        let mut attrs = Vec::new();
        loop {
            let Some((j, l)) = lines.next() else {
                return Err(format!("{file}:{}: {kind} {name:?} is never closed", i + 1));
            };
            if l == "}" {
                break;
            }
            let Some(body) = l.strip_prefix("  ") else {
                if l.trim().is_empty() {
                    continue;
                }
                return Err(format!("{file}:{}: unexpected line {l:?}", j + 1));
            };
            if body.starts_with(' ') || body.trim().is_empty() || body.starts_with('#') {
                continue;
            }
            if let Some((key, value)) = body.split_once('=') {
                let key = key.trim();
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    let mut value = value.trim().to_owned();
                    while depth(&value) > 0 {
                        let Some((_, more)) = lines.next() else {
                            return Err(format!("{file}:{}: {key} never closes", j + 1));
                        };
                        value.push(' ');
                        value.push_str(more.trim());
                    }
                    attrs.push((key.to_owned(), value));
                    continue;
                }
            }
            if body.ends_with('{') {
                // A nested block (validation, precondition): skip to its closing line.
                for (_, n) in lines.by_ref() {
                    if n == "  }" {
                        break;
                    }
                }
                continue;
            }
            return Err(format!("{file}:{}: unexpected line {l:?}", j + 1));
        }
        out.push(Block { name, attrs });
    }
    Ok(out)
}

/// Open brackets minus closed ones outside string literals.
fn depth(s: &str) -> i32 {
    let (mut d, mut in_str, mut esc) = (0, false, false);
    for c in s.chars() {
        match (in_str, esc, c) {
            (true, true, _) => esc = false,
            (true, false, '\\') => esc = true,
            (true, false, '"') => in_str = false,
            (false, _, '"') => in_str = true,
            (false, _, '(' | '[' | '{') => d += 1,
            (false, _, ')' | ']' | '}') => d -= 1,
            _ => {}
        }
    }
    d
}

/// The text of an HCL string literal, or the expression itself when it is not one.
fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => v.to_owned(),
    }
}

/// A table cell: pipes escaped, code spans where the text is an expression.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn code(s: &str) -> String {
    format!("`{}`", cell(s))
}

/// The generated section (between [`BEGIN`] and [`END`], both included) for a module directory.
pub fn section(module: &Path) -> Result<String, String> {
    let read = |f: &str| {
        let p = module.join(f);
        std::fs::read_to_string(&p)
            .map(|t| (t, p.display().to_string()))
            .map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let (vars_tf, vars_name) = read("variables.tf")?;
    let (outs_tf, outs_name) = read("outputs.tf")?;
    let vars = parse("variable", &vars_tf, &vars_name)?;
    let outs = parse("output", &outs_tf, &outs_name)?;
    let mut s = format!("{BEGIN}\n\n## Inputs\n\n");
    s.push_str("| Name | Type | Default | Description |\n|---|---|---|---|\n");
    for v in &vars {
        let description = v
            .attr("description")
            .map(unquote)
            .ok_or_else(|| format!("{vars_name}: variable {:?} has no description", v.name))?;
        let ty = v.attr("type").unwrap_or("any");
        let default = v
            .attr("default")
            .map_or_else(|| "required".to_owned(), code);
        let sensitive = if v.attr("sensitive") == Some("true") {
            " (sensitive)"
        } else {
            ""
        };
        s.push_str(&format!(
            "| `{}` | {} | {default} | {}{sensitive} |\n",
            v.name,
            code(ty),
            cell(&description)
        ));
    }
    s.push_str("\n## Outputs\n\n| Name | Description |\n|---|---|\n");
    for o in &outs {
        let description = o
            .attr("description")
            .map(unquote)
            .ok_or_else(|| format!("{outs_name}: output {:?} has no description", o.name))?;
        let sensitive = if o.attr("sensitive") == Some("true") {
            " (sensitive)"
        } else {
            ""
        };
        s.push_str(&format!(
            "| `{}` | {}{sensitive} |\n",
            o.name,
            cell(&description)
        ));
    }
    s.push('\n');
    s.push_str(END);
    s.push('\n');
    Ok(s)
}

/// `readme` with its generated section replaced by `section` (appended when it has none yet).
pub fn splice(readme: &str, section: &str) -> String {
    match (readme.find(BEGIN), readme.find(END)) {
        (Some(b), Some(e)) if e > b => {
            let after = &readme[e + END.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            format!("{}{section}{after}", &readme[..b])
        }
        _ => {
            let mut out = readme.trim_end().to_owned();
            out.push_str("\n\n");
            out.push_str(section);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_attributes_nested_blocks_and_multiline_values() {
        let tf = "variable \"a\" {\n  description = \"Say \\\"hi\\\" | bye\"\n  type = object({\n    x = string\n  })\n  default = null\n\n  validation {\n    condition = true\n  }\n  sensitive = true\n}\n";
        let b = parse("variable", tf, "v.tf").expect("parses");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].name, "a");
        assert_eq!(b[0].attr("type"), Some("object({ x = string })"));
        assert_eq!(b[0].attr("sensitive"), Some("true"));
        assert_eq!(
            unquote(b[0].attr("description").unwrap_or("")),
            "Say \"hi\" | bye"
        );
        let err = parse("variable", "locals {\n}\n", "v.tf").expect_err("only variables");
        assert!(err.starts_with("v.tf:1:"), "{err}");
    }

    #[test]
    fn splice_replaces_only_the_section() {
        let s = format!("{BEGIN}\nnew\n{END}\n");
        let r = format!("intro\n\n{BEGIN}\nold\n{END}\ntail\n");
        assert_eq!(
            splice(&r, &s),
            format!("intro\n\n{BEGIN}\nnew\n{END}\ntail\n")
        );
        assert_eq!(splice("intro\n", &s), format!("intro\n\n{s}"));
    }
}
