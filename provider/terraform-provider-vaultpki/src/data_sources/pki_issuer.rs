//! Data source `vaultpki_pki_issuer`: one issuer of a PKI mount by name or ID, with its
//! certificate, chain, key and settings, e.g. to hand a CA certificate to clients or to chain a
//! second mount to an issuer made elsewhere. It reads `<mount>/issuer/<ref>` rather than the
//! unauthenticated `<mount>/issuer/<ref>/json`: both carry `certificate`, `ca_chain`,
//! `issuer_id` and `issuer_name`, but only the former has `key_id`, `usage` and the other
//! settings. A missing issuer is an error (a data source has nothing to fall back to).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::{Attribute, Ctx, DataSource, Diagnostics, Schema, Type};

use crate::api::Api;
use crate::diagnostics;

/// The data source type.
pub(crate) struct PkiIssuerData;

/// The model: the two inputs, then what the server answers. Holds public material only.
#[derive(Serialize, Deserialize, Debug, Default)]
pub(crate) struct PkiIssuerModel {
    id: Option<String>,
    mount: String,
    issuer_ref: String,
    issuer_id: Option<String>,
    issuer_name: Option<String>,
    key_id: Option<String>,
    certificate: Option<String>,
    ca_chain: Option<Vec<String>>,
    usage: Option<Vec<String>>,
    leaf_not_after_behavior: Option<String>,
    manual_chain: Option<Vec<String>>,
    revocation_signature_algorithm: Option<String>,
    issuing_certificates: Option<Vec<String>>,
    crl_distribution_points: Option<Vec<String>>,
    ocsp_servers: Option<Vec<String>>,
    revoked: Option<bool>,
}

impl DataSource for PkiIssuerData {
    type Client = Api;
    type Model = PkiIssuerModel;

    fn type_name(&self) -> &str {
        "vaultpki_pki_issuer"
    }

    fn schema(&self) -> Schema {
        let list = |name: &str, description: &str| {
            Attribute::new(name, Type::list(Type::String), description).computed()
        };
        Schema::new("Reads one issuer of a PKI mount (`<mount>/issuer/<issuer_ref>`) by name or ID: its certificate, the chain the server builds for it, its key ID and settings. Fails when the issuer does not exist.")
            .attribute(Attribute::string("id", "The issuer's API path, `<mount>/issuer/<issuer_id>`.").computed())
            .attribute(Attribute::string("mount", "Path of the PKI mount.").required())
            .attribute(Attribute::string("issuer_ref", "The issuer, by name or ID; `default` is the mount's default issuer.").required())
            .attribute(Attribute::string("issuer_id", "The issuer's ID.").computed())
            .attribute(Attribute::string("issuer_name", "The issuer's name (empty when it has none).").computed())
            .attribute(Attribute::string("key_id", "The ID of the issuer's key in the mount (empty when the mount holds only the certificate).").computed())
            .attribute(Attribute::string("certificate", "The issuer's certificate, PEM.").computed())
            .attribute(list("ca_chain", "The chain the server builds for the issuer, PEM each, the issuer first."))
            .attribute(list("usage", "Allowed usages, sorted: `crl-signing`, `issuing-certificates`, `ocsp-signing`, `read-only`."))
            .attribute(Attribute::string("leaf_not_after_behavior", "What happens when a leaf would outlive the issuer: `err`, `truncate` or `permit`.").computed())
            .attribute(list("manual_chain", "The chain configured instead of the built one (empty when none)."))
            .attribute(Attribute::string("revocation_signature_algorithm", "Signature algorithm of CRLs and OCSP responses.").computed())
            .attribute(list("issuing_certificates", "AIA: URLs where the issuer's certificate can be fetched."))
            .attribute(list("crl_distribution_points", "AIA: URLs of the issuer's CRL."))
            .attribute(list("ocsp_servers", "AIA: URLs of OCSP responders."))
            .attribute(Attribute::bool("revoked", "Whether the issuer's certificate has been revoked.").computed())
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        config: PkiIssuerModel,
    ) -> Result<PkiIssuerModel, Diagnostics> {
        let mount = config.mount.trim_matches('/').to_owned();
        let path = format!("{mount}/issuer/{}", config.issuer_ref);
        let action = format!("read the issuer {path}");
        let data = match ctx.client()?.read(&action, &path).await {
            // The PKI engine says "no such issuer" with a 500, not a 404.
            Err(d) if d.0.iter().any(|x| x.detail.contains("unable to find PKI")) => None,
            other => other?,
        }
        .ok_or_else(|| diagnostics::issuer_not_found(&mount, &config.issuer_ref))?;
        let model = from_server(&data, config)
            .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no issuer_id"))?;
        Ok(model)
    }
}

/// The model from the server's answer `data`; `None` when it has no issuer ID.
fn from_server(data: &Json, config: PkiIssuerModel) -> Option<PkiIssuerModel> {
    let text = |k: &str| {
        Some(
            data.get(k)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let issuer_id = data.get("issuer_id").and_then(Json::as_str)?.to_owned();
    let mount = config.mount.trim_matches('/').to_owned();
    let mut usage = strings(data.get("usage"));
    usage.sort();
    Some(PkiIssuerModel {
        id: Some(format!("{mount}/issuer/{issuer_id}")),
        issuer_id: Some(issuer_id),
        issuer_name: text("issuer_name"),
        key_id: text("key_id"),
        certificate: text("certificate"),
        ca_chain: Some(strings(data.get("ca_chain"))),
        usage: Some(usage),
        leaf_not_after_behavior: text("leaf_not_after_behavior"),
        manual_chain: Some(strings(data.get("manual_chain"))),
        revocation_signature_algorithm: text("revocation_signature_algorithm"),
        issuing_certificates: Some(strings(data.get("issuing_certificates"))),
        crl_distribution_points: Some(strings(data.get("crl_distribution_points"))),
        ocsp_servers: Some(strings(data.get("ocsp_servers"))),
        revoked: Some(data.get("revoked").and_then(Json::as_bool).unwrap_or(false)),
        mount: config.mount,
        issuer_ref: config.issuer_ref,
    })
}

/// A list of strings from an array, or from one comma-separated string (how the server answers
/// `usage`); null or absent is empty.
fn strings(v: Option<&Json>) -> Vec<String> {
    match v {
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Json::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_is_well_formed() {
        PkiIssuerData.schema().check().unwrap();
    }

    #[test]
    fn the_answer_maps_to_the_model() {
        let data = json!({
            "issuer_id": "abc",
            "issuer_name": "root",
            "key_id": "k1",
            "certificate": "PEM",
            "ca_chain": ["PEM"],
            "usage": "read-only,issuing-certificates,crl-signing",
            "manual_chain": null,
            "revoked": false,
        });
        let config = PkiIssuerModel {
            mount: "/pki/".to_owned(),
            issuer_ref: "root".to_owned(),
            ..PkiIssuerModel::default()
        };
        let m = from_server(&data, config).unwrap();
        assert_eq!(m.id.as_deref(), Some("pki/issuer/abc"));
        assert_eq!(m.mount, "/pki/");
        assert_eq!(
            m.usage.unwrap(),
            ["crl-signing", "issuing-certificates", "read-only"]
        );
        assert_eq!(m.manual_chain.unwrap(), Vec::<String>::new());
        assert_eq!(m.ocsp_servers.unwrap(), Vec::<String>::new());
    }

    #[test]
    fn an_answer_without_an_issuer_id_is_refused() {
        assert!(from_server(&json!({}), PkiIssuerModel::default()).is_none());
    }
}
