//! `vaultpki_pki_cert`: a certificate issued through `<mount>/issue/<role>`, with its private
//! key (sensitive). The certificate is never re-issued silently: only a change of an input that
//! shapes it (mount, role, names, TTL), a revocation seen on refresh, or — with `auto_renew` —
//! entering the renewal window replaces it. The renewal decision is made at plan time from the
//! *configured* `min_seconds_remaining` and the certificate's own NotAfter, so changing the
//! window takes effect in the same run, and a certificate is replaced in the run that first
//! finds it inside the window (not one run late).
//!
//! Import takes `<mount>/cert/<serial>` and brings in the public material only (certificate,
//! issuing CA, serial, expiration): the server never keeps the private key, so `private_key`
//! stays null. The request inputs are derived from the certificate where it tells them (SANs,
//! the TTL as its lifetime), the role is left empty (the server does not say which role issued
//! a certificate) and the settings (`auto_renew`, `revoke`) take their defaults. Until the next
//! apply the state is marked as imported (see `imports`): configured inputs that mean the same
//! as the certificate, and any role, are no change, so `terraform plan` right after the import
//! is empty; inputs that differ are recorded in place by the next apply without re-issuing.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::Api;
use crate::diagnostics;
use crate::imports::{self, Compare};
use crate::issuance::{
    Found, IssuedKey, OUTPUTS, Outputs, Pem, Request, attributes, find_issuer, is_revoked, issue,
    issuer_ref_attribute, issuing_path, read_cert, revoke_on_destroy,
};
use crate::paths::{cert_path, parse_cert_id};
use crate::renewal::{plan_renewal, validate_window};

/// The resource type.
pub(crate) struct PkiCert;

/// The state model.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiCertState {
    id: Option<String>,
    mount: String,
    role: String,
    issuer_ref: Option<String>,
    common_name: String,
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
    #[serde(flatten)]
    key: IssuedKey,
    revoked: Option<bool>,
}

/// Computed with the issued certificate besides [`OUTPUTS`], replaced together on renewal.
const KEY_OUTPUTS: [&str; 2] = ["private_key", "private_key_type"];

/// The request inputs an import derives from the certificate (or, for the role, cannot tell),
/// and how a configured value is compared with them (see `imports`).
const INPUTS: [(&str, Compare); 7] = [
    ("role", Compare::Untold),
    ("issuer_ref", Compare::Untold),
    ("alt_names", Compare::Names),
    ("ip_sans", Compare::Set),
    ("uri_sans", Compare::Set),
    ("ttl", Compare::Duration),
    ("exclude_cn_from_sans", Compare::Untold),
];

impl Resource for PkiCert {
    type Client = Api;
    type State = PkiCertState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_cert"
    }

    fn schema(&self) -> Schema {
        let replace = |a: Attribute| a.requires_replace();
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        let schema = Schema::new("A certificate and private key issued by a PKI role (`<mount>/issue/<role>`). Changing an input that shapes the certificate re-issues it; with `auto_renew`, a plan replaces it once fewer than `min_seconds_remaining` seconds of validity are left; a certificate found revoked on refresh is replaced. Import takes `<mount>/cert/<serial>` and brings in the public material only: the server never keeps the private key, so `private_key` stays null; the role and request settings are taken from the configuration by the next apply without re-issuing.")
            .attribute(kept(Attribute::string("id", "The API path of the certificate, `<mount>/cert/<serial_number>`.")))
            .attribute(replace(Attribute::string("mount", "Path of the PKI mount.").required()))
            .attribute(replace(Attribute::string("role", "The role to issue through.").required()))
            .attribute(replace(issuer_ref_attribute()).optional_computed())
            .attribute(replace(Attribute::string("common_name", "The certificate's common name.").required()));
        // Computed only so that an import can hold what the certificate says (see `imports`);
        // otherwise they follow the configuration exactly.
        let input = |a: Attribute| a.optional_computed().requires_replace();
        let schema = attributes::add(schema, input, attributes::sans())
            .attribute(input(attributes::ttl()))
            .attribute(input(attributes::exclude_cn_from_sans()));
        // `auto_renew` and `revoke` are planned at their default, false, when left out (see
        // `imports`), so an import that sets the defaults matches such a configuration.
        let defaulted = |a: Attribute| {
            if a.name == "min_seconds_remaining" {
                a
            } else {
                a.optional_computed()
            }
        };
        let schema = attributes::add(schema, defaulted, attributes::renewal());
        let schema = attributes::add(schema, kept, attributes::certificate())
            .attribute(kept(Attribute::string("private_key", "The private key (PEM). Stored in the state: protect the state. Null after an import (the server never keeps it).")).sensitive())
            .attribute(kept(attributes::private_key_type()));
        attributes::add(schema, kept, attributes::serial_and_expiration())
            .attribute(kept(attributes::revoked()))
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = validate_window(config);
        diags.extend(crate::fields::validate_duration(config, "ttl"));
        diags
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_destroy() {
            return Diagnostics::new();
        }
        for setting in ["auto_renew", "revoke"] {
            imports::plan_default(plan, setting, Value::Bool(false));
        }
        if plan.is_create() {
            imports::plan_create(plan, &INPUTS);
            return Diagnostics::new();
        }
        crate::fields::keep_duration_spelling(plan, "ttl");
        // Imported (the mark, or the empty role of older imports): what matches the
        // certificate is no change, the rest is recorded without re-issuing.
        let imported =
            imports::is_marked(&plan.private) || plan.prior.attr("role").as_str() == Some("");
        imports::plan_inputs(plan, imported, &INPUTS);
        plan_renewal(plan, OUTPUTS.into_iter().chain(KEY_OUTPUTS));
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiCertState,
    ) -> Result<PkiCertState, Diagnostics> {
        let api = ctx.client()?;
        let path = issuing_path(&plan.mount, "issue", &plan.role, plan.issuer_ref.as_deref());
        let body = Request {
            common_name: Some(&plan.common_name),
            alt_names: &plan.alt_names,
            ip_sans: &plan.ip_sans,
            uri_sans: &plan.uri_sans,
            ttl: &plan.ttl,
            exclude_cn_from_sans: plan.exclude_cn_from_sans,
        }
        .body();
        let action = format!("issue a certificate for {} with {path}", plan.common_name);
        let issued = issue(api, &action, &path, &Json::Object(body), Pem::AsSent).await?;
        ctx.diagnostics
            .extend(diagnostics::server_warnings(&action, &issued.warnings));
        let id = cert_path(&plan.mount, &issued.serial_number);
        let (out, key) = issued.into_parts();
        Ok(PkiCertState {
            id: Some(id),
            out,
            key,
            revoked: Some(false),
            ..plan
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiCertState,
    ) -> Result<Option<PkiCertState>, Diagnostics> {
        let Some(serial) = &state.out.serial_number else {
            return Ok(None);
        };
        let Some((path, data)) =
            read_cert(ctx.client()?, "the certificate", &state.mount, serial).await?
        else {
            return Ok(None);
        };
        Ok(Some(PkiCertState {
            out: state.out.refreshed(&path, &data)?,
            id: Some(path),
            revoked: Some(is_revoked(&data)),
            ..state
        }))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiCertState,
        plan: PkiCertState,
    ) -> Result<PkiCertState, Diagnostics> {
        // Only the renewal and revocation settings change in place (and, once after an import,
        // the request inputs the server does not keep); the certificate stays.
        let imported = imports::is_marked(&ctx.private) || prior.role.is_empty();
        imports::unmark(&mut ctx.private);
        if imported {
            return Ok(PkiCertState {
                role: plan.role,
                issuer_ref: plan.issuer_ref,
                alt_names: plan.alt_names,
                ip_sans: plan.ip_sans,
                uri_sans: plan.uri_sans,
                ttl: plan.ttl,
                exclude_cn_from_sans: plan.exclude_cn_from_sans,
                auto_renew: plan.auto_renew,
                min_seconds_remaining: plan.min_seconds_remaining,
                revoke: plan.revoke,
                ..prior
            });
        }
        Ok(PkiCertState {
            auto_renew: plan.auto_renew,
            min_seconds_remaining: plan.min_seconds_remaining,
            revoke: plan.revoke,
            ..prior
        })
    }

    async fn import(&self, ctx: &mut Ctx<'_, Api>, id: &str) -> Result<PkiCertState, Diagnostics> {
        let (mount, serial) = parse_cert_id(self.type_name(), id)?;
        let api = ctx.client()?;
        let path = cert_path(mount, serial);
        let action = format!("import the certificate {serial}");
        let data = api
            .read(&action, &path)
            .await?
            .ok_or_else(|| diagnostics::certificate_not_found(&path))?;
        let certificate = data
            .get("certificate")
            .and_then(Json::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| diagnostics::certificate_not_found(&path))?;
        let (common_name, expiration) =
            identity(&certificate).map_err(|e| diagnostics::bad_certificate(&path, &e))?;
        let issuer = issuer_of(api, &action, mount, &data, &certificate).await?;
        // The issuer endpoint ends its PEMs with a newline, `issue` does not: store them as
        // `issue` does so that an import matches a created certificate.
        let issuing_ca = issuer
            .as_ref()
            .and_then(|i| i.get("certificate"))
            .and_then(Json::as_str)
            .map(|c| c.trim_end().to_owned());
        let ca_chain = issuer
            .as_ref()
            .and_then(|i| i.get("ca_chain"))
            .and_then(|c| serde_json::from_value::<Vec<String>>(c.clone()).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.trim_end().to_owned())
            .collect();
        let revoked = is_revoked(&data);
        let found = Found::of(&certificate).map_err(|e| diagnostics::bad_certificate(&path, &e))?;
        ctx.diagnostics
            .push(diagnostics::private_key_not_importable());
        imports::mark(&mut ctx.private);
        Ok(PkiCertState {
            id: Some(path),
            mount: mount.to_owned(),
            role: String::new(),
            issuer_ref: Some(
                issuer
                    .as_ref()
                    .and_then(|i| i.get("issuer_id"))
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            common_name,
            alt_names: Some(found.alt_names),
            ip_sans: Some(found.ip_sans),
            uri_sans: Some(found.uri_sans),
            ttl: Some(found.ttl),
            exclude_cn_from_sans: Some(found.exclude_cn_from_sans),
            auto_renew: Some(false),
            min_seconds_remaining: None,
            revoke: Some(false),
            out: Outputs {
                certificate: Some(certificate),
                issuing_ca,
                ca_chain: Some(ca_chain),
                serial_number: Some(serial.to_owned()),
                expiration: Some(expiration),
            },
            key: IssuedKey::default(),
            revoked: Some(revoked),
        })
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Api>, state: PkiCertState) -> Result<(), Diagnostics> {
        let serial = state.out.serial_number.as_deref();
        revoke_on_destroy(ctx, state.revoke, &state.mount, serial).await
    }
}

/// The issuer (its `<mount>/issuer/<ref>` data) that signed `certificate`: the one the server
/// names in `issuer_id` (Vault), else the mount's issuer whose subject and key identifier match
/// the certificate's issuer and authority key identifier (OpenBao does not say).
async fn issuer_of(
    api: &Api,
    action: &str,
    mount: &str,
    cert_data: &Json,
    certificate: &str,
) -> Result<Option<Json>, Diagnostics> {
    if let Some(id) = cert_data
        .get("issuer_id")
        .and_then(Json::as_str)
        .filter(|i| !i.is_empty())
    {
        return api.read(action, &format!("{mount}/issuer/{id}")).await;
    }
    find_issuer(api, action, mount, certificate).await
}

/// The subject common name (empty when absent) and NotAfter of a PEM certificate.
fn identity(pem: &str) -> Result<(String, i64), String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| e.to_string())?;
    let cert = pem.parse_x509().map_err(|e| e.to_string())?;
    let common_name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((common_name, cert.validity().not_after.timestamp()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renewal::value;
    use tfplugin::AttributePath;

    #[test]
    fn schema_is_well_formed() {
        PkiCert.schema().check().unwrap();
    }

    /// After an import (empty `role`) the request inputs are adopted in place; the mount and
    /// common name still replace, and so does a changed input once the role is known.
    #[test]
    fn imported_certificate_adopts_request_inputs() {
        let planned = |role: &str| {
            value(&[
                ("role", Value::from(role)),
                ("expiration", Value::from(i64::MAX)),
            ])
        };
        let replace = || {
            ["role", "ttl", "alt_names", "mount", "common_name"]
                .map(AttributePath::root)
                .to_vec()
        };
        let mut plan = Plan {
            config: planned("web"),
            prior: planned(""),
            planned: planned("web"),
            requires_replace: replace(),
            private: tfplugin::Private::default(),
        };
        PkiCert.modify_plan(&mut plan);
        assert_eq!(
            plan.requires_replace,
            vec![
                AttributePath::root("mount"),
                AttributePath::root("common_name")
            ]
        );
        let mut plan = Plan {
            config: planned("web"),
            prior: planned("api"),
            planned: planned("web"),
            requires_replace: replace(),
            private: tfplugin::Private::default(),
        };
        PkiCert.modify_plan(&mut plan);
        assert_eq!(
            plan.requires_replace,
            ["mount", "common_name", "role"].map(AttributePath::root)
        );
    }
}
