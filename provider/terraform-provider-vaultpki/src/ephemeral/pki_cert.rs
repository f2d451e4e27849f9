//! Ephemeral `vaultpki_pki_cert`: a certificate and private key issued through
//! `<mount>/issue/<role>` for the length of one Terraform run. Nothing of it reaches the plan
//! or the state, so the private key can feed a write-only attribute without ever being stored.
//! With `revoke_on_close` the certificate is revoked when Terraform closes the resource at the
//! end of the run; otherwise it stays valid until it expires (the server keeps the certificate,
//! never the key).

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::{Attribute, Ctx, Diagnostics, EphemeralResource, Schema};

use crate::api::Api;
use crate::diagnostics;
use crate::issuance::{IssuedKey, Outputs, Pem, Request, attributes, issue, revoke};

/// The ephemeral resource type.
pub(crate) struct EphemeralPkiCert;

/// Configuration in, result out.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct EphemeralPkiCertModel {
    mount: String,
    role: String,
    common_name: String,
    alt_names: Option<Vec<String>>,
    ip_sans: Option<Vec<String>>,
    uri_sans: Option<Vec<String>>,
    ttl: Option<String>,
    exclude_cn_from_sans: Option<bool>,
    revoke_on_close: Option<bool>,
    #[serde(flatten)]
    out: Outputs,
    #[serde(flatten)]
    key: IssuedKey,
}

/// Private keys: what `close` needs (no secret among them).
const PRIVATE_MOUNT: &str = "mount";
const PRIVATE_SERIAL: &str = "serial_number";

impl EphemeralResource for EphemeralPkiCert {
    type Client = Api;
    type Model = EphemeralPkiCertModel;

    fn type_name(&self) -> &str {
        "vaultpki_pki_cert"
    }

    fn validate(&self, config: &tfplugin::Value) -> Diagnostics {
        crate::fields::validate_duration(config, "ttl")
    }

    fn schema(&self) -> Schema {
        let out = |a: Attribute| a.computed();
        let schema = Schema::new("A certificate and private key issued by a PKI role (`<mount>/issue/<role>`) for one Terraform run only: nothing of it is stored in the plan or the state, so the private key can be passed to write-only attributes. Every run issues a new certificate. With `revoke_on_close` the certificate is revoked when the run ends; otherwise it stays valid until it expires.")
            .attribute(Attribute::string("mount", "Path of the PKI mount.").required())
            .attribute(Attribute::string("role", "The role to issue through.").required())
            .attribute(Attribute::string("common_name", "The certificate's common name.").required());
        let schema = attributes::add(schema, Attribute::optional, attributes::sans())
            .attribute(Attribute::string("ttl", "Requested lifetime, e.g. `1h` or seconds; at most the role's `max_ttl`.").optional())
            .attribute(attributes::exclude_cn_from_sans().optional())
            .attribute(Attribute::bool("revoke_on_close", "Revoke the certificate when Terraform closes the ephemeral resource at the end of the run.").optional());
        let schema = attributes::add(schema, out, attributes::certificate())
            .attribute(
                out(Attribute::string(
                    "private_key",
                    "The private key (PEM). Exists only during the run.",
                ))
                .sensitive(),
            )
            .attribute(out(attributes::private_key_type()));
        attributes::add(schema, out, attributes::serial_and_expiration())
    }

    async fn open(
        &self,
        ctx: &mut Ctx<'_, Api>,
        config: EphemeralPkiCertModel,
    ) -> Result<EphemeralPkiCertModel, Diagnostics> {
        let api = ctx.client()?;
        let mount = config.mount.trim_matches('/').to_owned();
        let path = format!("{mount}/issue/{}", config.role);
        let body = Request {
            common_name: Some(&config.common_name),
            alt_names: &config.alt_names,
            ip_sans: &config.ip_sans,
            uri_sans: &config.uri_sans,
            ttl: &config.ttl,
            exclude_cn_from_sans: config.exclude_cn_from_sans,
        }
        .body();
        let action = format!("issue a certificate for {} with {path}", config.common_name);
        let issued = issue(api, &action, &path, &Json::Object(body), Pem::AsSent).await?;
        ctx.diagnostics
            .extend(diagnostics::server_warnings(&action, &issued.warnings));
        if config.revoke_on_close == Some(true) {
            ctx.private.set(PRIVATE_MOUNT, &mount);
            ctx.private.set(PRIVATE_SERIAL, &issued.serial_number);
        }
        let (out, key) = issued.into_parts();
        Ok(EphemeralPkiCertModel { out, key, ..config })
    }

    async fn close(&self, ctx: &mut Ctx<'_, Api>) -> Result<(), Diagnostics> {
        // Only a certificate opened with `revoke_on_close` left its serial in the private data.
        let (Some(mount), Some(serial)) = (
            ctx.private.get::<String>(PRIVATE_MOUNT),
            ctx.private.get::<String>(PRIVATE_SERIAL),
        ) else {
            return Ok(());
        };
        revoke(ctx.client()?, &mount, &serial).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        EphemeralPkiCert.schema().check().unwrap();
    }

    #[test]
    fn debug_hides_the_private_key() {
        let m = EphemeralPkiCertModel {
            mount: "pki".into(),
            role: "web".into(),
            common_name: "a.example".into(),
            alt_names: None,
            ip_sans: None,
            uri_sans: None,
            ttl: None,
            exclude_cn_from_sans: None,
            revoke_on_close: None,
            out: Outputs::default(),
            key: IssuedKey {
                private_key: Some("-----BEGIN PRIVATE KEY-----".into()),
                private_key_type: None,
            },
        };
        let shown = format!("{m:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("BEGIN"),
            "{shown}"
        );
    }
}
