//! `vaultpki_pki_root_sign_intermediate`: an intermediate CA certificate signed in the server by
//! a root that lives in another mount (`<mount>/root/sign-intermediate` with the mount's default
//! issuer, or `<mount>/issuer/<issuer_ref>/sign-intermediate`), from a CSR made elsewhere —
//! typically `vaultpki_pki_intermediate_csr` in the intermediate's mount, whose key never
//! leaves it. The result is handed on to `vaultpki_pki_intermediate_set_signed`.
//!
//! The ID is the signed certificate's API path in the root's mount, `<mount>/cert/<serial>`,
//! and import takes it: the certificate comes from there, the issuing CA and chain from the
//! mount's issuer whose subject and key identifier match. The request inputs are derived from
//! the certificate where it tells them (subject, SANs, path length, the TTL as its lifetime);
//! the CSR, the issuer reference and the request switches are left as placeholders (an empty
//! `csr`), and `revoke` takes its default. Until the next apply the state is marked as imported
//! (see `imports`): configured inputs that mean the same as the certificate, and any CSR, are no
//! change, so `terraform plan` right after the import is empty; inputs that differ are recorded
//! in place by the next apply without signing again. Any other change of an input signs a new
//! certificate; a certificate found revoked is replaced; with `revoke = true` destroying or
//! replacing it revokes it in the root's mount.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use tfplugin::{Attribute, AttributePath, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::Api;
use crate::diagnostics;
use crate::imports::{self, Compare};
use crate::issuance::{
    CA_LISTS, Found, NameConstraints, OUTPUTS, Outputs, Pem, Request, Subject, attributes,
    find_issuer, insert_lists, is_revoked, issue, not_after, pems, read_cert, revoke_on_destroy,
    trimmed,
};
use crate::paths::{cert_path, parse_cert_id};
use crate::validation;

/// The resource type.
pub(crate) struct PkiRootSignIntermediate;

/// The state model (public material only: the intermediate's key stays in its own mount).
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct PkiRootSignIntermediateState {
    id: Option<String>,
    mount: String,
    issuer_ref: Option<String>,
    csr: String,
    common_name: Option<String>,
    alt_names: Option<Vec<String>>,
    ip_sans: Option<Vec<String>>,
    uri_sans: Option<Vec<String>>,
    other_sans: Option<Vec<String>>,
    organization: Option<Vec<String>>,
    #[serde(flatten)]
    subject: Subject,
    #[serde(flatten)]
    constraints: NameConstraints,
    key_usage: Option<Vec<String>>,
    ttl: Option<String>,
    not_after: Option<String>,
    max_path_length: Option<i64>,
    signature_bits: Option<i64>,
    use_pss: Option<bool>,
    use_csr_values: Option<bool>,
    exclude_cn_from_sans: Option<bool>,
    revoke: Option<bool>,
    #[serde(flatten)]
    out: Outputs,
    revoked: Option<bool>,
}

/// The request inputs, each of which shapes the certificate (a change signs a new one), and how
/// a configured value compares with what an import found (see `imports`).
fn inputs() -> Vec<(&'static str, Compare)> {
    let head = [
        ("issuer_ref", Compare::Untold),
        ("csr", Compare::Untold),
        ("common_name", Compare::Exact),
        ("alt_names", Compare::Names),
        ("ip_sans", Compare::Set),
        ("uri_sans", Compare::Set),
        ("other_sans", Compare::Untold),
        ("organization", Compare::Set),
    ];
    let tail = [
        ("ttl", Compare::Duration),
        ("not_after", Compare::Exact),
        ("max_path_length", Compare::Exact),
        ("signature_bits", Compare::Untold),
        ("use_pss", Compare::Untold),
        ("use_csr_values", Compare::Untold),
        ("exclude_cn_from_sans", Compare::Untold),
    ];
    head.into_iter()
        .chain(CA_LISTS.map(|name| (name, Compare::Set)))
        .chain(tail)
        .collect()
}

impl Resource for PkiRootSignIntermediate {
    type Client = Api;
    type State = PkiRootSignIntermediateState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_root_sign_intermediate"
    }

    fn schema(&self) -> Schema {
        let replace = |a: Attribute| a.requires_replace();
        // Computed only so that an import can hold what the certificate says (see `imports`);
        // otherwise they follow the configuration exactly.
        let input = |a: Attribute| a.optional_computed().requires_replace();
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        let schema = Schema::new("An intermediate CA certificate signed in the server by a root in another mount (`<mount>/root/sign-intermediate`, or `<mount>/issuer/<issuer_ref>/sign-intermediate` for a given issuer), from a CSR such as `vaultpki_pki_intermediate_csr`'s; pass `certificate` and `issuing_ca` on to `vaultpki_pki_intermediate_set_signed`. Changing an input signs a new certificate; a certificate found revoked is replaced. Destroying it revokes it only with `revoke = true`; otherwise nothing changes on the server. Import takes `<mount>/cert/<serial>`; the request inputs are then taken from the configuration by the next apply without signing again.")
            .attribute(kept(Attribute::string("id", "The signed certificate's API path in the root's mount, `<mount>/cert/<serial_number>`; import takes it.")))
            .attribute(replace(Attribute::string("mount", "Path of the PKI mount holding the root.").required()))
            .attribute(input(Attribute::string("issuer_ref", "The issuer to sign with, by name or ID; left out, the mount's default issuer.")))
            .attribute(replace(Attribute::string("csr", "The intermediate's certificate signing request (PEM).").required()))
            .attribute(input(Attribute::string("common_name", "The subject common name (the server requires one unless `use_csr_values` is set).")));
        let schema = attributes::add(schema, input, attributes::sans())
            .attribute(input(attributes::other_sans()))
            .attribute(input(Attribute::string_list(
                "organization",
                "Subject O values.",
            )));
        let schema = attributes::add(schema, input, attributes::subject());
        let schema = attributes::add(schema, input, attributes::name_constraints());
        let schema = schema
            .attribute(input(attributes::ca_key_usage()))
            .attribute(input(Attribute::string("ttl", "Requested lifetime, e.g. `43800h`; at most the root mount's max lease TTL and, unless the issuer permits it, the root's own lifetime.")))
            .attribute(input(attributes::not_after()));
        attributes::add(schema, input, attributes::signature())
            .attribute(input(Attribute::number("max_path_length", "Maximum number of CAs below the intermediate (basic constraints path length); left out, one less than the root's.")))
            .attribute(input(Attribute::bool("use_csr_values", "Take the subject and extensions from the CSR instead of the request fields.")))
            .attribute(input(attributes::exclude_cn_from_sans()))
            .attribute(Attribute::bool("revoke", "Revoke the certificate in the root's mount when it is destroyed or replaced (default false; an import sets the default).").optional_computed())
            .attribute(kept(Attribute::string("certificate", "The signed intermediate certificate (PEM).")))
            .attribute(kept(Attribute::string("issuing_ca", "The certificate of the issuer that signed it (PEM).")))
            .attribute(kept(Attribute::string_list("ca_chain", "The chain: the intermediate first, then its issuer's chain (PEM each).")))
            .attribute(kept(Attribute::string("serial_number", "The serial number, colon-separated hex.")))
            .attribute(kept(Attribute::number("expiration", "NotAfter of the certificate, in seconds since the Unix epoch.")))
            .attribute(kept(Attribute::bool("revoked", "Whether the root's mount reports the certificate revoked (a revoked certificate is replaced by the next apply).")))
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = crate::fields::validate_duration(config, "ttl");
        diags.extend(validation::ca_inputs(config));
        diags
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_destroy() {
            return Diagnostics::new();
        }
        imports::plan_default(plan, "revoke", Value::Bool(false));
        if plan.is_create() {
            imports::plan_create(plan, &inputs());
            return Diagnostics::new();
        }
        crate::fields::keep_duration_spelling(plan, "ttl");
        // Imported (the mark, or the empty CSR of older imports): what matches the certificate
        // is no change, the rest is recorded without signing again.
        let imported =
            imports::is_marked(&plan.private) || plan.prior.attr("csr").as_str() == Some("");
        imports::plan_inputs(plan, imported, &inputs());
        if plan.prior.attr("revoked").as_bool() == Some(true) {
            for name in OUTPUTS {
                plan.planned.set_attr(name, Value::Unknown);
            }
            plan.requires_replace.push(AttributePath::root("revoked"));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiRootSignIntermediateState,
    ) -> Result<PkiRootSignIntermediateState, Diagnostics> {
        let api = ctx.client()?;
        let (flavour, address) = api.flavour().await?;
        plan.constraints.check_flavour(flavour, &address)?;
        let mount = plan.mount.trim_matches('/').to_owned();
        let path = sign_path(&mount, plan.issuer_ref.as_deref());
        let body = request_body(&plan);
        let action = format!("sign the intermediate with {path}");
        let issued = issue(api, &action, &path, &body, Pem::Trimmed).await?;
        ctx.diagnostics
            .extend(diagnostics::server_warnings(&action, &issued.warnings));
        let id = cert_path(&mount, &issued.serial_number);
        Ok(PkiRootSignIntermediateState {
            id: Some(id),
            out: issued.into_parts().0,
            revoked: Some(false),
            ..plan
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiRootSignIntermediateState,
    ) -> Result<Option<PkiRootSignIntermediateState>, Diagnostics> {
        let Some(serial) = &state.out.serial_number else {
            return Ok(None);
        };
        let what = "the intermediate certificate";
        let Some((path, data)) = read_cert(ctx.client()?, what, &state.mount, serial).await? else {
            return Ok(None);
        };
        Ok(Some(PkiRootSignIntermediateState {
            id: Some(path),
            revoked: Some(is_revoked(&data)),
            ..state
        }))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiRootSignIntermediateState,
        plan: PkiRootSignIntermediateState,
    ) -> Result<PkiRootSignIntermediateState, Diagnostics> {
        // Only `revoke` changes in place, and, once after an import, the request inputs the
        // server does not keep; the certificate stays.
        let imported = imports::is_marked(&ctx.private) || prior.csr.is_empty();
        imports::unmark(&mut ctx.private);
        if imported {
            return Ok(PkiRootSignIntermediateState {
                out: prior.out,
                revoked: prior.revoked,
                id: prior.id,
                ..plan
            });
        }
        Ok(PkiRootSignIntermediateState {
            revoke: plan.revoke,
            ..prior
        })
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiRootSignIntermediateState,
    ) -> Result<(), Diagnostics> {
        let serial = state.out.serial_number.as_deref();
        revoke_on_destroy(ctx, state.revoke, &state.mount, serial).await
    }

    async fn import(
        &self,
        ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiRootSignIntermediateState, Diagnostics> {
        let (mount, serial) = parse_cert_id(self.type_name(), id)?;
        let api = ctx.client()?;
        let path = cert_path(mount, serial);
        let action = format!("import the intermediate certificate {serial}");
        let data = api
            .read(&action, &path)
            .await?
            .ok_or_else(|| diagnostics::certificate_not_found(&path))?;
        let certificate = data
            .get("certificate")
            .and_then(Json::as_str)
            .filter(|c| !c.is_empty())
            .map(trimmed)
            .ok_or_else(|| diagnostics::certificate_not_found(&path))?;
        let expiration =
            not_after(&certificate).map_err(|e| diagnostics::bad_certificate(&path, &e))?;
        let issuer = find_issuer(api, &action, mount, &certificate).await?;
        let issuing_ca = issuer
            .as_ref()
            .and_then(|i| i.get("certificate"))
            .and_then(Json::as_str)
            .map(trimmed);
        let mut ca_chain = vec![certificate.clone()];
        ca_chain.extend(pems(issuer.as_ref().and_then(|i| i.get("ca_chain"))));
        let found = Found::of(&certificate).map_err(|e| diagnostics::bad_certificate(&path, &e))?;
        imports::mark(&mut ctx.private);
        Ok(PkiRootSignIntermediateState {
            id: Some(path),
            mount: mount.to_owned(),
            issuer_ref: Some(String::new()),
            csr: String::new(),
            common_name: Some(found.common_name),
            alt_names: Some(found.alt_names),
            ip_sans: Some(found.ip_sans),
            uri_sans: Some(found.uri_sans),
            organization: Some(found.organization),
            other_sans: Some(Vec::new()),
            subject: found.subject,
            constraints: found.constraints,
            key_usage: Some(found.key_usage),
            ttl: Some(found.ttl),
            not_after: Some(found.not_after),
            max_path_length: found.max_path_length,
            signature_bits: Some(found.signature_bits),
            use_pss: Some(found.use_pss),
            use_csr_values: Some(false),
            exclude_cn_from_sans: Some(found.exclude_cn_from_sans),
            revoke: Some(false),
            revoked: Some(is_revoked(&data)),
            out: Outputs {
                certificate: Some(certificate),
                issuing_ca,
                ca_chain: Some(ca_chain),
                serial_number: Some(serial.to_owned()),
                expiration: Some(expiration),
            },
        })
    }
}

fn sign_path(mount: &str, issuer_ref: Option<&str>) -> String {
    match issuer_ref.filter(|r| !r.is_empty()) {
        Some(issuer) => format!("{mount}/issuer/{issuer}/sign-intermediate"),
        None => format!("{mount}/root/sign-intermediate"),
    }
}

fn request_body(plan: &PkiRootSignIntermediateState) -> Json {
    let mut body = Request {
        common_name: plan.common_name.as_deref(),
        alt_names: &plan.alt_names,
        ip_sans: &plan.ip_sans,
        uri_sans: &plan.uri_sans,
        ttl: &plan.ttl,
        exclude_cn_from_sans: plan.exclude_cn_from_sans,
    }
    .body();
    body.insert("csr".to_owned(), json!(plan.csr));
    // Unlike the SANs, the subject fields, name constraints and key usages are lists here.
    insert_lists(
        &mut body,
        [
            ("organization", &plan.organization),
            ("other_sans", &plan.other_sans),
            ("key_usage", &plan.key_usage),
        ],
    );
    insert_lists(&mut body, plan.subject.fields());
    insert_lists(&mut body, plan.constraints.fields());
    if let Some(n) = plan.max_path_length {
        body.insert("max_path_length".to_owned(), json!(n));
    }
    if let Some(t) = &plan.not_after {
        body.insert("not_after".to_owned(), json!(t));
    }
    if let Some(n) = plan.signature_bits.filter(|n| *n != 0) {
        body.insert("signature_bits".to_owned(), json!(n));
    }
    if let Some(b) = plan.use_pss {
        body.insert("use_pss".to_owned(), json!(b));
    }
    if let Some(b) = plan.use_csr_values {
        body.insert("use_csr_values".to_owned(), json!(b));
    }
    Json::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiRootSignIntermediate.schema().check().unwrap();
    }

    #[test]
    fn the_path_depends_on_the_issuer() {
        assert_eq!(sign_path("pki", None), "pki/root/sign-intermediate");
        assert_eq!(sign_path("pki", Some("")), "pki/root/sign-intermediate");
        assert_eq!(
            sign_path("pki", Some("root-2026")),
            "pki/issuer/root-2026/sign-intermediate"
        );
    }

    #[test]
    fn the_request_carries_only_what_is_set() {
        let plan: PkiRootSignIntermediateState = serde_json::from_value(json!({
            "mount": "pki", "csr": "CSR", "common_name": "Int",
            "alt_names": ["a.example", "b.example"], "organization": ["Example"],
            "ttl": "8760h", "max_path_length": 0,
        }))
        .unwrap();
        assert_eq!(
            request_body(&plan),
            json!({
                "csr": "CSR", "common_name": "Int", "alt_names": "a.example,b.example",
                "organization": ["Example"], "ttl": "8760h", "max_path_length": 0,
            })
        );
    }
}
