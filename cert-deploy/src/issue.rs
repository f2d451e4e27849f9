//! The two things cert-deploy asks the server: which CA a role issues from (the role's
//! `issuer_ref`, then that issuer's certificate) and a new certificate with its key. Both go
//! through `vaultpki-client`'s one request path; issuing is not idempotent (each call makes a
//! certificate), so it is only retried when the server cannot have acted.

use anyhow::{Context as _, anyhow};
use openssl::x509::X509;
use serde_json::{Value, json};
use vaultpki_client::{Client, Idempotency, JsonRequest};

use crate::config::CertSpec;
use crate::deploy::Material;
use crate::inspect::Issuer;

/// The issuer `pki`'s role `role` signs with. Reading the role needs `read` on
/// `<pki>/roles/<role>`; without it the mount's default issuer is assumed, with a warning.
pub async fn role_issuer(client: &Client, pki: &str, role: &str) -> anyhow::Result<Issuer> {
    let role_path = format!("{pki}/roles/{role}");
    let issuer_ref = match client.execute(JsonRequest::get(&role_path)).await {
        Ok(Some(v)) => v
            .pointer("/data/issuer_ref")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .unwrap_or("default")
            .to_owned(),
        Ok(None) => {
            return Err(anyhow!(
                "the role {role_path} does not exist; check config.pki and config.role"
            ));
        }
        Err(e) if e.status() == Some(403) => {
            tracing::warn!(
                role = %role_path,
                "the token may not read the role, so its issuer_ref is unknown; assuming the mount's default issuer (grant `read` on {role_path} to check the issuer exactly)"
            );
            "default".to_owned()
        }
        Err(e) => return Err(e).context("reading the role"),
    };
    // `issuer/<ref>/json` is one of the PKI engine's unauthenticated reads.
    let issuer_path = format!("{pki}/issuer/{issuer_ref}/json");
    let answer = client
        .execute(JsonRequest::get(&issuer_path))
        .await
        .context("reading the role's issuer")?
        .ok_or_else(|| anyhow!("the issuer {issuer_path} does not exist"))?;
    let pem = answer
        .pointer("/data/certificate")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{issuer_path} answered without a certificate"))?;
    let cert = X509::from_pem(pem.as_bytes())
        .with_context(|| format!("{issuer_path}: the certificate is not PEM"))?;
    Ok(Issuer { cert })
}

/// A new certificate and key for `spec` from its role.
pub async fn issue(client: &Client, spec: &CertSpec) -> anyhow::Result<Material> {
    let path = format!("{}/issue/{}", spec.pki, spec.role);
    let mut body = json!({
        "common_name": spec.name,
        "format": "pem",
        "private_key_format": "pkcs8",
    });
    if !spec.dns_sans.is_empty() {
        body["alt_names"] = json!(spec.dns_sans.join(","));
    }
    if !spec.ip_sans.is_empty() {
        let ips: Vec<String> = spec.ip_sans.iter().map(ToString::to_string).collect();
        body["ip_sans"] = json!(ips.join(","));
    }
    if let Some(ttl) = spec.ttl {
        body["ttl"] = json!(format!("{}s", ttl.as_secs()));
    }
    let answer = client
        .execute(JsonRequest::post(&path, &body).idempotency(Idempotency::NonIdempotent))
        .await
        .with_context(|| format!("issuing {} from {path}", spec.name))?
        .ok_or_else(|| anyhow!("{path} answered with no body"))?;
    let field = |name: &str| {
        answer
            .pointer(&format!("/data/{name}"))
            .and_then(Value::as_str)
            .map(|s| format!("{}\n", s.trim_end()))
            .ok_or_else(|| anyhow!("{path} answered without {name}"))
    };
    let chain = match answer.pointer("/data/ca_chain").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => list
            .iter()
            .filter_map(Value::as_str)
            .map(|s| format!("{}\n", s.trim_end()))
            .collect(),
        _ => field("issuing_ca")?,
    };
    Ok(Material {
        key: field("private_key")?,
        cert: field("certificate")?,
        chain,
    })
}
