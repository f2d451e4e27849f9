//! Data source `vaultpki_policy_document`: builds ACL policy HCL from `rule { path, capabilities }`
//! blocks, locally (no server call), so that policies are written as Terraform values rather than
//! heredocs. The output is canonical (one rule per block, fixed indentation), which together with
//! `vaultpki_policy`'s whitespace-insensitive read keeps plans empty.

use serde::{Deserialize, Serialize};
use tfplugin::{Attribute, Block, Ctx, DataSource, Diagnostics, NestedBlock, Nesting, Schema};

use crate::api::Api;
use crate::diagnostics;

/// The data source type.
pub(crate) struct PolicyDocument;

/// One `rule` block.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) struct Rule {
    path: String,
    capabilities: Vec<String>,
    description: Option<String>,
}

/// The model.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PolicyDocumentModel {
    id: Option<String>,
    rule: Vec<Rule>,
    hcl: Option<String>,
}

const CAPABILITIES: [&str; 9] = [
    "create",
    "read",
    "update",
    "patch",
    "delete",
    "list",
    "sudo",
    "deny",
    "subscribe",
];

impl DataSource for PolicyDocument {
    type Client = Api;
    type Model = PolicyDocumentModel;

    fn type_name(&self) -> &str {
        "vaultpki_policy_document"
    }

    fn schema(&self) -> Schema {
        Schema::new("Builds an ACL policy document (HCL) from `rule` blocks, without contacting the server. Use its `hcl` as the `policy` of a `vaultpki_policy`.")
            .attribute(Attribute::string("id", "A digest-free identifier: always `policy_document`.").computed())
            .attribute(Attribute::string("hcl", "The policy document in HCL.").computed())
            .block(
                NestedBlock::new(
                    "rule",
                    Nesting::List,
                    Block::new("One path rule.")
                        .attribute(Attribute::string("path", "The API path the rule applies to; may end in `*` or contain `+`.").required())
                        .attribute(Attribute::string_list("capabilities", "Capabilities granted on the path: create, read, update, patch, delete, list, sudo, deny, subscribe.").required())
                        .attribute(Attribute::string("description", "A comment written above the rule.")),
                )
                .items(1, 0),
            )
    }

    async fn read(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        config: PolicyDocumentModel,
    ) -> Result<PolicyDocumentModel, Diagnostics> {
        for rule in &config.rule {
            if let Some(bad) = rule
                .capabilities
                .iter()
                .find(|c| !CAPABILITIES.contains(&c.as_str()))
            {
                return Err(diagnostics::invalid_attribute(
                    "rule",
                    format!(
                        "Unknown capability {bad:?} in the rule for {:?}; use one of {}.",
                        rule.path,
                        CAPABILITIES.join(", ")
                    ),
                ));
            }
        }
        let hcl = render(&config.rule);
        Ok(PolicyDocumentModel {
            id: Some("policy_document".to_owned()),
            rule: config.rule,
            hcl: Some(hcl),
        })
    }
}

fn render(rules: &[Rule]) -> String {
    let mut out = String::new();
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if let Some(d) = &rule.description {
            for line in d.lines() {
                out.push_str(&format!("# {line}\n"));
            }
        }
        let caps: Vec<String> = rule.capabilities.iter().map(|c| format!("{c:?}")).collect();
        out.push_str(&format!(
            "path {:?} {{\n  capabilities = [{}]\n}}\n",
            rule.path,
            caps.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_canonical_hcl() {
        let rules = vec![
            Rule {
                path: "pki/issue/web".into(),
                capabilities: vec!["create".into(), "update".into()],
                description: Some("issue".into()),
            },
            Rule {
                path: "pki/cert/*".into(),
                capabilities: vec!["read".into()],
                description: None,
            },
        ];
        assert_eq!(
            render(&rules),
            "# issue\npath \"pki/issue/web\" {\n  capabilities = [\"create\", \"update\"]\n}\n\npath \"pki/cert/*\" {\n  capabilities = [\"read\"]\n}\n"
        );
    }

    #[test]
    fn schema_is_well_formed() {
        PolicyDocument.schema().check().unwrap();
    }
}
