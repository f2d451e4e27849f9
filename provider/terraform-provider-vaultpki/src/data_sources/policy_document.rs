//! Data source `vaultpki_policy_document`: builds ACL policy HCL from `rule { path, capabilities }`
//! blocks, locally (no server call), so that policies are written as Terraform values rather than
//! heredocs. Rules may also restrict request parameters (`required_parameters`,
//! `allowed_parameter` and `denied_parameter` blocks, as hashicorp/vault's `vault_policy_document`
//! spells them). The output is canonical (one rule per block, fixed indentation), which together with
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
    #[serde(default)]
    required_parameters: Option<Vec<String>>,
    #[serde(default)]
    allowed_parameter: Vec<Parameter>,
    #[serde(default)]
    denied_parameter: Vec<Parameter>,
}

/// One `allowed_parameter` or `denied_parameter` block: a parameter name (`*` for any) and the
/// values it may (or may not) take; no values means any value.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) struct Parameter {
    key: String,
    value: Option<Vec<String>>,
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
                        .attribute(Attribute::string("description", "A comment written above the rule."))
                        .attribute(Attribute::string_list("required_parameters", "Parameters a request on the path must carry.").optional())
                        .block(parameter_block("allowed_parameter", "A parameter the request may carry, with the values it may take (`allowed_parameters`). Once one is given, parameters not listed are refused; key `*` allows any."))
                        .block(parameter_block("denied_parameter", "A parameter the request may not carry, or values it may not take (`denied_parameters`); key `*` denies every parameter.")),
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

fn parameter_block(name: &str, description: &str) -> NestedBlock {
    NestedBlock::new(
        name,
        Nesting::List,
        Block::new(description)
            .attribute(Attribute::string("key", "The parameter name, or `*`.").required())
            .attribute(
                Attribute::string_list(
                    "value",
                    "The values concerned; left out or empty: any value.",
                )
                .optional(),
            ),
    )
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
        let caps = quoted(&rule.capabilities);
        out.push_str(&format!(
            "path {:?} {{\n  capabilities = [{}]\n",
            rule.path, caps
        ));
        if let Some(required) = &rule.required_parameters {
            out.push_str(&format!("  required_parameters = [{}]\n", quoted(required)));
        }
        render_parameters(&mut out, "allowed_parameters", &rule.allowed_parameter);
        render_parameters(&mut out, "denied_parameters", &rule.denied_parameter);
        out.push_str("}\n");
    }
    out
}

/// `name = { "key" = ["value", ...] ... }`, keys in the order given; nothing when empty.
fn render_parameters(out: &mut String, name: &str, parameters: &[Parameter]) {
    if parameters.is_empty() {
        return;
    }
    out.push_str(&format!("  {name} = {{\n"));
    for p in parameters {
        let values = p.value.as_deref().unwrap_or_default();
        out.push_str(&format!("    {:?} = [{}]\n", p.key, quoted(values)));
    }
    out.push_str("  }\n");
}

fn quoted(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    items.join(", ")
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
                required_parameters: None,
                allowed_parameter: Vec::new(),
                denied_parameter: Vec::new(),
            },
            Rule {
                path: "pki/cert/*".into(),
                capabilities: vec!["read".into()],
                description: None,
                required_parameters: None,
                allowed_parameter: Vec::new(),
                denied_parameter: Vec::new(),
            },
        ];
        assert_eq!(
            render(&rules),
            "# issue\npath \"pki/issue/web\" {\n  capabilities = [\"create\", \"update\"]\n}\n\npath \"pki/cert/*\" {\n  capabilities = [\"read\"]\n}\n"
        );
    }

    #[test]
    fn renders_parameter_restrictions() {
        let rules = vec![Rule {
            path: "pki/sign/web".into(),
            capabilities: vec!["update".into()],
            description: None,
            required_parameters: Some(vec!["csr".into()]),
            allowed_parameter: vec![
                Parameter {
                    key: "csr".into(),
                    value: None,
                },
                Parameter {
                    key: "ttl".into(),
                    value: Some(vec!["24h".into(), "72h".into()]),
                },
            ],
            denied_parameter: vec![Parameter {
                key: "exclude_cn_from_sans".into(),
                value: Some(Vec::new()),
            }],
        }];
        assert_eq!(
            render(&rules),
            "path \"pki/sign/web\" {\n  capabilities = [\"update\"]\n  required_parameters = [\"csr\"]\n  allowed_parameters = {\n    \"csr\" = []\n    \"ttl\" = [\"24h\", \"72h\"]\n  }\n  denied_parameters = {\n    \"exclude_cn_from_sans\" = []\n  }\n}\n"
        );
    }

    #[test]
    fn schema_is_well_formed() {
        PolicyDocument.schema().check().unwrap();
    }
}
