//! `vaultpki_pki_sign`: a certificate signed from a CSR given in configuration
//! (`<mount>/sign/<role>`), so the private key never reaches the server or the state. The same
//! renewal, revocation and replacement rules as `vaultpki_pki_cert` apply (see there); only the
//! key handling differs.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::Api;
use crate::diagnostics;
use crate::issuance::{
    OUTPUTS, Outputs, Pem, Request, attributes, is_revoked, issue, issuer_ref_attribute,
    issuing_path, read_cert, revoke_on_destroy,
};
use crate::paths::cert_path;
use crate::renewal::{plan_renewal, validate_window};

/// The resource type.
pub(crate) struct PkiSign;

/// The state model.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiSignState {
    id: Option<String>,
    mount: String,
    role: String,
    issuer_ref: Option<String>,
    csr: String,
    common_name: Option<String>,
    alt_names: Option<Vec<String>>,
    ip_sans: Option<Vec<String>>,
    uri_sans: Option<Vec<String>>,
    ttl: Option<String>,
    exclude_cn_from_sans: Option<bool>,
    auto_renew: Option<bool>,
    min_seconds_remaining: Option<i64>,
    revoke: Option<bool>,
    #[serde(flatten)]
    out: Outputs,
    revoked: Option<bool>,
}

impl Resource for PkiSign {
    type Client = Api;
    type State = PkiSignState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_sign"
    }

    fn schema(&self) -> Schema {
        let replace = |a: Attribute| a.requires_replace();
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        let schema = Schema::new("A certificate signed from a CSR by a PKI role (`<mount>/sign/<role>`); the private key stays with whoever made the CSR. Renewal, revocation and replacement work as for `vaultpki_pki_cert`.")
            .attribute(kept(Attribute::string("id", "The API path of the certificate, `<mount>/cert/<serial_number>`.")))
            .attribute(replace(Attribute::string("mount", "Path of the PKI mount.").required()))
            .attribute(replace(Attribute::string("role", "The role to sign with.").required()))
            .attribute(replace(issuer_ref_attribute()))
            .attribute(replace(Attribute::string("csr", "The certificate signing request (PEM).").required()))
            .attribute(replace(Attribute::string("common_name", "The common name; defaults to the CSR's when the role uses it.")));
        let schema = attributes::add(schema, replace, attributes::sans())
            .attribute(replace(attributes::ttl()))
            .attribute(replace(attributes::exclude_cn_from_sans()));
        let schema = attributes::add(schema, |a| a, attributes::renewal());
        let schema = attributes::add(schema, kept, attributes::certificate());
        attributes::add(schema, kept, attributes::serial_and_expiration())
            .attribute(kept(attributes::revoked()))
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = validate_window(config);
        diags.extend(crate::fields::validate_duration(config, "ttl"));
        diags
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_create() || plan.is_destroy() {
            return Diagnostics::new();
        }
        crate::fields::keep_duration_spelling(plan, "ttl");
        plan_renewal(plan, OUTPUTS);
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiSignState,
    ) -> Result<PkiSignState, Diagnostics> {
        let api = ctx.client()?;
        let path = issuing_path(&plan.mount, "sign", &plan.role, plan.issuer_ref.as_deref());
        let mut body = Request {
            common_name: plan.common_name.as_deref(),
            alt_names: &plan.alt_names,
            ip_sans: &plan.ip_sans,
            uri_sans: &plan.uri_sans,
            ttl: &plan.ttl,
            exclude_cn_from_sans: plan.exclude_cn_from_sans,
        }
        .body();
        body.insert("csr".to_owned(), Json::from(plan.csr.as_str()));
        let action = format!("sign a certificate with {path}");
        let issued = issue(api, &action, &path, &Json::Object(body), Pem::AsSent).await?;
        ctx.diagnostics
            .extend(diagnostics::server_warnings(&action, &issued.warnings));
        let id = cert_path(&plan.mount, &issued.serial_number);
        Ok(PkiSignState {
            id: Some(id),
            out: issued.into_parts().0,
            revoked: Some(false),
            ..plan
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiSignState,
    ) -> Result<Option<PkiSignState>, Diagnostics> {
        let Some(serial) = &state.out.serial_number else {
            return Ok(None);
        };
        let Some((path, data)) =
            read_cert(ctx.client()?, "the certificate", &state.mount, serial).await?
        else {
            return Ok(None);
        };
        Ok(Some(PkiSignState {
            id: Some(path),
            revoked: Some(is_revoked(&data)),
            ..state
        }))
    }

    async fn update(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        prior: PkiSignState,
        plan: PkiSignState,
    ) -> Result<PkiSignState, Diagnostics> {
        Ok(PkiSignState {
            auto_renew: plan.auto_renew,
            min_seconds_remaining: plan.min_seconds_remaining,
            revoke: plan.revoke,
            ..prior
        })
    }

    async fn import(
        &self,
        _ctx: &mut Ctx<'_, Api>,
        _id: &str,
    ) -> Result<PkiSignState, Diagnostics> {
        Err(diagnostics::certificate_not_importable(
            "vaultpki_pki_sign",
            "the CSR and the request a certificate was signed from",
        ))
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Api>, state: PkiSignState) -> Result<(), Diagnostics> {
        let serial = state.out.serial_number.as_deref();
        revoke_on_destroy(ctx, state.revoke, &state.mount, serial).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiSign.schema().check().unwrap();
    }
}
