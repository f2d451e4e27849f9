//! `vaultpki_pki_root_cert`: a self-signed root CA generated inside the server
//! (`<mount>/root/generate/internal`), so its private key never leaves it and never reaches the
//! state. The ID is the issuer's API path, `<mount>/issuer/<issuer_id>`, and import takes it
//! (the official provider cannot import a root).
//!
//! Everything that shapes the certificate (subject, SANs, key, path length) is read back from
//! the certificate itself, so import restores it and drift shows. The one input the certificate
//! cannot give back is `ttl` (only its result): an import records NotAfter − NotBefore less the
//! server's 30-second backdating (see `imports`), so a configured `ttl` that means the same is
//! no change and `terraform plan` right after the import is empty; a `ttl` that differs from
//! the imported lifetime is only recorded, while later changes of a `ttl` Terraform set (compared
//! by meaning: `"8760h"` is `"31536000"`) replace the root. `delete_on_destroy` is imported at
//! its default, false. Renaming the issuer or key is done in place.
//!
//! Destroying does not delete the root unless `delete_on_destroy = true`: a root CA is the
//! hardest object of a PKI to get back, so by default destroy only forgets it, and says so.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, AttributePath, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::functions::describe_pem;
use crate::generation::{self, Generation};
use crate::imports::{self, Compare};
use crate::issuance::{
    CA_LISTS, Found, NameConstraints, Subject, attributes, insert_lists, lifetime,
};
use crate::issuers::{issuer_left_on_server, rename_issuer, rename_key, validate_key_ref};
use crate::paths::{issuer_path, split_issuer_id};
use crate::validation;

/// The resource type.
pub(crate) struct PkiRootCert;

/// The lists read back from the certificate, compared by their members (any order or case).
fn read_back() -> Vec<(&'static str, Compare)> {
    [
        ("organization", Compare::Set),
        ("alt_names", Compare::Names),
        ("ip_sans", Compare::Set),
        ("uri_sans", Compare::Set),
    ]
    .into_iter()
    .chain(CA_LISTS.map(|name| (name, Compare::Set)))
    .collect()
}

/// The inputs the certificate cannot give back (see the module doc).
const INPUTS: [(&str, Compare); 3] = [
    ("ttl", Compare::Duration),
    ("other_sans", Compare::Untold),
    ("exclude_cn_from_sans", Compare::Untold),
];

/// The state model.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) struct PkiRootCertState {
    id: Option<String>,
    mount: String,
    common_name: String,
    organization: Option<Vec<String>>,
    alt_names: Option<Vec<String>>,
    ip_sans: Option<Vec<String>>,
    uri_sans: Option<Vec<String>>,
    other_sans: Option<Vec<String>>,
    exclude_cn_from_sans: Option<bool>,
    #[serde(flatten)]
    subject: Subject,
    #[serde(flatten)]
    constraints: NameConstraints,
    key_usage: Option<Vec<String>>,
    signature_bits: Option<i64>,
    use_pss: Option<bool>,
    key_type: Option<String>,
    key_bits: Option<i64>,
    max_path_length: Option<i64>,
    ttl: Option<String>,
    issuer_name: Option<String>,
    key_name: Option<String>,
    key_ref: Option<String>,
    #[serde(flatten)]
    generation: Generation,
    delete_on_destroy: Option<bool>,
    issuer_id: Option<String>,
    key_id: Option<String>,
    certificate: Option<String>,
    serial_number: Option<String>,
    not_after: Option<String>,
}

impl Resource for PkiRootCert {
    type Client = Api;
    type State = PkiRootCertState;

    fn type_name(&self) -> &str {
        "vaultpki_pki_root_cert"
    }

    fn schema(&self) -> Schema {
        let [a, b, c] = generation::attributes();
        // Read back from the certificate: left out, the server's choice is kept without a diff.
        let shaped = |a: Attribute| {
            a.optional_computed()
                .use_state_for_unknown()
                .requires_replace()
        };
        // Not in the certificate: planned as configured (computed only so that an import can
        // hold a placeholder, see `imports`).
        let input = |a: Attribute| a.optional_computed().requires_replace();
        let kept = |a: Attribute| a.computed().use_state_for_unknown();
        let schema = Schema::new("A root CA generated inside the server (`<mount>/root/generate/internal`): its private key never leaves the server and is never in the state. Changing the subject, SANs, key or TTL plans a replacement. Destroying it deletes the issuer only with `delete_on_destroy = true`; otherwise the root stays on the server and Terraform only forgets it (with a warning saying so).")
            .attribute(kept(Attribute::string("id", "The issuer's API path, `<mount>/issuer/<issuer_id>`; import takes it.")))
            .attribute(Attribute::string("mount", "Path of the PKI mount. Changing it replaces the root.").required().requires_replace())
            .attribute(Attribute::string("common_name", "The subject's common name. Changing it replaces the root.").required().requires_replace())
            .attribute(shaped(Attribute::string_list("organization", "Subject O values.")))
            .attribute(shaped(Attribute::string_list("alt_names", "DNS subject alternative names (the server adds a hostname-like common name unless it is listed).")))
            .attribute(shaped(Attribute::string_list("ip_sans", "IP subject alternative names.")))
            .attribute(shaped(Attribute::string_list("uri_sans", "URI subject alternative names.")))
            .attribute(input(attributes::other_sans()))
            .attribute(input(Attribute::bool("exclude_cn_from_sans", "Leave the common name out of the DNS SANs (the server otherwise adds a hostname-like common name).")));
        let schema = attributes::add(schema, shaped, attributes::subject());
        let schema = attributes::add(schema, shaped, attributes::name_constraints());
        attributes::add(schema, shaped, attributes::signature())
            .attribute(shaped(attributes::ca_key_usage()))
            .attribute(shaped(Attribute::string("key_type", "Key type: `rsa`, `ec` or `ed25519` (server default `rsa`).")))
            .attribute(shaped(Attribute::number("key_bits", "Key size (RSA) or curve size (EC); left out, the type's default.")))
            .attribute(shaped(Attribute::number("max_path_length", "Maximum number of intermediate CAs below this root; -1 (the default) for no limit.")))
            .attribute(Attribute::string("ttl", "Requested lifetime, e.g. `87600h` or seconds, compared by meaning. Changing it replaces the root. An import records the certificate's lifetime (NotAfter − NotBefore less the server's 30-second backdating); a configured value within 90 seconds of it is no change, another one is only recorded (the certificate keeps its NotAfter).").optional_computed())
            .attribute(Attribute::string("issuer_name", "Name of the new issuer. Changing it renames the issuer in place.").optional_computed().use_state_for_unknown())
            .attribute(Attribute::string("key_name", "Name of the new key. Changing it renames the key in place.").optional_computed().use_state_for_unknown())
            .attribute(Attribute::string("key_ref", "An existing key of the mount (name or ID) to sign with instead of generating one (`<mount>/root/generate/existing`); `key_type` and `key_bits` then come from that key. Left out, a new key is generated and this holds its ID. Changing it to another key replaces the root; naming the same key by name instead of ID (as after an import) is no change.").optional_computed().use_state_for_unknown())
            .attribute(Attribute::bool("delete_on_destroy", "Delete the issuer from the server when the resource is destroyed or replaced (default false: the root is left on the server and Terraform only forgets it). An import sets the default.").optional_computed())
            .attribute(kept(Attribute::string("issuer_id", "The issuer's ID.")))
            .attribute(kept(Attribute::string("key_id", "The ID of the issuer's key (which stays in the server).")))
            .attribute(kept(Attribute::string("certificate", "The root certificate (PEM).")))
            .attribute(kept(Attribute::string("serial_number", "The serial number, colon-separated hex.")))
            .attribute(shaped(Attribute::string("not_after", "NotAfter of the certificate as `YYYY-MM-DDTHH:MM:SSZ` (UTC): set it instead of `ttl` to choose the date; left out, read from the certificate.")))
            .attribute(a)
            .attribute(b)
            .attribute(c)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut diags = validate_key_ref(config, "signs with an existing key");
        diags.extend(validation::key(config, false));
        diags.extend(crate::fields::validate_duration(config, "ttl"));
        diags.extend(validation::ca_inputs(config));
        diags.extend(generation::validate(config));
        diags
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        if plan.is_destroy() {
            return Diagnostics::new();
        }
        imports::plan_default(plan, "delete_on_destroy", Value::Bool(false));
        generation::plan(plan);
        if plan.is_create() {
            imports::plan_create(plan, &INPUTS);
            return Diagnostics::new();
        }
        crate::fields::keep_duration_spelling(plan, "ttl");
        // `ttl` cannot be read back: an import derives it from the certificate (older imports
        // left it null), and recording the configured value must not replace a root that is
        // already right.
        // `key_ref` names a key by name or ID: another spelling of the same key is no change
        // (the state keeps its spelling), another key replaces the root.
        let prior_ref = plan.prior.attr("key_ref").clone();
        let planned_ref = plan.planned.attr("key_ref").clone();
        if let (Some(p), Some(n)) = (prior_ref.as_str(), planned_ref.as_str())
            && p != n
        {
            let same_key = plan.prior.attr("key_id").as_str() == Some(n)
                || plan.prior.attr("key_name").as_str() == Some(n);
            if same_key {
                plan.planned.set_attr("key_ref", prior_ref);
            } else {
                plan.requires_replace.push(AttributePath::root("key_ref"));
            }
        }
        imports::keep_same(plan, &read_back());
        let marked = imports::is_marked(&plan.private);
        if !marked && plan.prior.attr("ttl").is_null() {
            imports::plan_inputs(plan, true, &INPUTS[..1]);
            imports::plan_inputs(plan, false, &INPUTS[1..]);
        } else {
            imports::plan_inputs(plan, marked, &INPUTS);
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: PkiRootCertState,
    ) -> Result<PkiRootCertState, Diagnostics> {
        let api = ctx.client()?;
        let (flavour, address) = api.flavour().await?;
        plan.constraints.check_flavour(flavour, &address)?;
        let mount = plan.mount.trim_matches('/');
        let kind = if plan.key_ref.is_some() {
            "existing"
        } else {
            "internal"
        };
        let path = format!("{mount}/root/generate/{kind}");
        let mut body = Map::new();
        body.insert("common_name".into(), json!(plan.common_name));
        for (name, list) in [
            ("organization", &plan.organization),
            ("alt_names", &plan.alt_names),
            ("ip_sans", &plan.ip_sans),
            ("uri_sans", &plan.uri_sans),
        ] {
            if let Some(l) = list.as_ref().filter(|l| !l.is_empty()) {
                body.insert(name.into(), json!(l.join(",")));
            }
        }
        insert_lists(
            &mut body,
            [
                ("other_sans", &plan.other_sans),
                ("key_usage", &plan.key_usage),
            ],
        );
        insert_lists(&mut body, plan.subject.fields());
        insert_lists(&mut body, plan.constraints.fields());
        for (name, v) in [
            (
                "exclude_cn_from_sans",
                plan.exclude_cn_from_sans.map(|v| json!(v)),
            ),
            ("not_after", plan.not_after.as_ref().map(|v| json!(v))),
            (
                "signature_bits",
                plan.signature_bits.filter(|n| *n != 0).map(|v| json!(v)),
            ),
            ("use_pss", plan.use_pss.map(|v| json!(v))),
            ("key_type", plan.key_type.as_ref().map(|v| json!(v))),
            ("key_bits", plan.key_bits.map(|v| json!(v))),
            ("max_path_length", plan.max_path_length.map(|v| json!(v))),
            ("ttl", plan.ttl.as_ref().map(|v| json!(v))),
            ("issuer_name", plan.issuer_name.as_ref().map(|v| json!(v))),
            ("key_name", plan.key_name.as_ref().map(|v| json!(v))),
            ("key_ref", plan.key_ref.as_ref().map(|v| json!(v))),
        ] {
            if let Some(v) = v {
                body.insert(name.into(), v);
            }
        }
        let action = format!("generate the root CA {:?} with {path}", plan.common_name);
        let answer = api
            .write(&action, &path, &Json::Object(body), Write::Creates)
            .await?;
        let issuer_id = answer
            .as_ref()
            .and_then(|a| a.pointer("/data/issuer_id"))
            .and_then(Json::as_str)
            .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no issuer_id"))?
            .to_owned();
        let state = PkiRootCertState {
            issuer_id: Some(issuer_id),
            ..plan
        };
        fetch(api, state).await?.ok_or_else(|| {
            diagnostics::unexpected_response(
                &action,
                &path,
                "the issuer is gone right after creating it",
            )
        })
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiRootCertState,
    ) -> Result<Option<PkiRootCertState>, Diagnostics> {
        let state = fetch(ctx.client()?, state).await?;
        if !imports::is_marked(&ctx.private) {
            return Ok(state);
        }
        // Right after an import: what the configuration cannot be asked for yet.
        Ok(state.map(|s| PkiRootCertState {
            ttl: s.ttl.clone().or_else(|| {
                let pem = s.certificate.as_deref()?;
                lifetime(pem).ok().map(imports::derived_ttl)
            }),
            delete_on_destroy: s.delete_on_destroy.or(Some(false)),
            ..s
        }))
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        prior: PkiRootCertState,
        plan: PkiRootCertState,
    ) -> Result<PkiRootCertState, Diagnostics> {
        imports::unmark(&mut ctx.private);
        let api = ctx.client()?;
        let mount = plan.mount.trim_matches('/').to_owned();
        let mount = mount.as_str();
        let issuer_id = prior.issuer_id.clone().unwrap_or_default();
        if plan.issuer_name.is_some() && plan.issuer_name != prior.issuer_name {
            rename_issuer(
                api,
                mount,
                &issuer_id,
                plan.issuer_name.as_deref().unwrap_or(""),
            )
            .await?;
        }
        let key_path = format!(
            "{mount}/key/{}",
            prior.key_id.as_deref().unwrap_or_default()
        );
        let (prior_name, planned_name) = (prior.key_name.as_deref(), plan.key_name.as_deref());
        rename_key(api, &key_path, prior_name, planned_name).await?;
        let state = PkiRootCertState {
            issuer_id: prior.issuer_id,
            key_id: prior.key_id,
            ..plan
        };
        let path = issuer_path(mount, &issuer_id);
        fetch(api, state).await?.ok_or_else(|| {
            diagnostics::unexpected_response("update the root CA", &path, "the issuer is gone")
        })
    }

    async fn delete(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: PkiRootCertState,
    ) -> Result<(), Diagnostics> {
        let api = ctx.client()?;
        let path = issuer_path(&state.mount, state.issuer_id.as_deref().unwrap_or_default());
        if state.delete_on_destroy == Some(true) {
            return api
                .delete(&format!("delete the root CA issuer {path}"), &path)
                .await;
        }
        ctx.diagnostics
            .push(issuer_left_on_server("root CA", &path));
        Ok(())
    }

    async fn import(
        &self,
        ctx: &mut Ctx<'_, Api>,
        id: &str,
    ) -> Result<PkiRootCertState, Diagnostics> {
        let (mount, issuer) = split_issuer_id("vaultpki_pki_root_cert", id)?;
        imports::mark(&mut ctx.private);
        Ok(PkiRootCertState {
            id: None,
            mount: mount.to_owned(),
            common_name: String::new(),
            organization: None,
            alt_names: None,
            ip_sans: None,
            uri_sans: None,
            other_sans: Some(Vec::new()),
            exclude_cn_from_sans: Some(false),
            subject: Subject::default(),
            constraints: NameConstraints::default(),
            key_usage: None,
            signature_bits: None,
            use_pss: None,
            key_type: None,
            key_bits: None,
            max_path_length: None,
            ttl: None,
            issuer_name: None,
            key_name: None,
            key_ref: None,
            generation: Generation::default(),
            delete_on_destroy: None,
            issuer_id: Some(issuer.to_owned()),
            key_id: None,
            certificate: None,
            serial_number: None,
            not_after: None,
        })
    }
}

/// Reads the issuer (and its key's name) and completes `state` from its certificate, keeping
/// configured lists that mean the same as what the certificate says.
async fn fetch(
    api: &Api,
    state: PkiRootCertState,
) -> Result<Option<PkiRootCertState>, Diagnostics> {
    let mount = state.mount.trim_matches('/').to_owned();
    let issuer_ref = state.issuer_id.clone().unwrap_or_default();
    let path = issuer_path(&mount, &issuer_ref);
    let Some(data) = api
        .read_pki(&format!("read the issuer {path}"), &path)
        .await?
    else {
        return Ok(None);
    };
    let text = |k: &str| data.get(k).and_then(Json::as_str).map(str::to_owned);
    let action = format!("read the issuer {path}");
    let certificate = text("certificate")
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no certificate"))?;
    let issuer_id = text("issuer_id")
        .ok_or_else(|| diagnostics::unexpected_response(&action, &path, "no issuer_id"))?;
    let key_id = text("key_id").unwrap_or_default();
    let key_name = if key_id.is_empty() {
        Some(String::new())
    } else {
        let key_path = format!("{mount}/key/{key_id}");
        api.read_pki(&format!("read the key {key_path}"), &key_path)
            .await?
            .and_then(|k| k.get("key_name").and_then(Json::as_str).map(str::to_owned))
    };
    let facts = describe_pem(&certificate).map_err(|e| diagnostics::bad_certificate(&path, &e))?;
    let common_name = facts
        .attr("common_name")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let strings = |name: &str| -> Vec<String> {
        match facts.attr(name) {
            Value::List(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    };
    let found = Found::of(&certificate).map_err(|e| diagnostics::bad_certificate(&path, &e))?;
    let mut subject = state.subject;
    for ((_, kept), (_, server)) in subject.fields_mut().into_iter().zip(found.subject.fields()) {
        *kept = Some(keep_if_same(
            kept.take(),
            server.clone().unwrap_or_default(),
            None,
        ));
    }
    let mut constraints = state.constraints;
    for ((_, kept), (_, server)) in constraints
        .fields_mut()
        .into_iter()
        .zip(found.constraints.fields())
    {
        *kept = Some(keep_if_same(
            kept.take(),
            server.clone().unwrap_or_default(),
            None,
        ));
    }
    Ok(Some(PkiRootCertState {
        id: Some(issuer_path(&mount, &issuer_id)),
        generation: state.generation.read_back(),
        uri_sans: Some(keep_if_same(state.uri_sans, found.uri_sans, None)),
        other_sans: state.other_sans,
        exclude_cn_from_sans: state.exclude_cn_from_sans,
        subject,
        constraints,
        key_usage: Some(keep_if_same(state.key_usage, found.key_usage, None)),
        // 0 asks the server to choose: kept as configured.
        signature_bits: match state.signature_bits {
            Some(0) => Some(0),
            _ => Some(found.signature_bits),
        },
        use_pss: Some(found.use_pss),
        organization: Some(keep_if_same(
            state.organization,
            strings("organization"),
            None,
        )),
        alt_names: Some(keep_if_same(
            state.alt_names,
            strings("dns_names"),
            Some(&common_name),
        )),
        ip_sans: Some(keep_if_same(state.ip_sans, strings("ip_addresses"), None)),
        key_type: facts.attr("key_algorithm").as_str().map(str::to_owned),
        key_bits: facts.attr("key_bits").as_i64(),
        max_path_length: Some(facts.attr("max_path_length").as_i64().unwrap_or(-1)),
        issuer_name: text("issuer_name"),
        key_ref: Some(match state.key_ref {
            Some(r) if r == key_id || key_name.as_deref() == Some(r.as_str()) => r,
            _ => key_id.clone(),
        }),
        key_name,
        issuer_id: Some(issuer_id),
        key_id: Some(key_id),
        serial_number: Some(
            facts
                .attr("serial_number")
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ),
        not_after: facts.attr("not_after").as_str().map(str::to_owned),
        certificate: Some(certificate),
        common_name,
        mount: state.mount,
        ttl: state.ttl,
        delete_on_destroy: state.delete_on_destroy,
    }))
}

/// `prior` when it names the same set as `server` (also when the server added `implied`, the
/// common name it puts among the DNS SANs), else `server`.
fn keep_if_same(
    prior: Option<Vec<String>>,
    server: Vec<String>,
    implied: Option<&str>,
) -> Vec<String> {
    let Some(prior) = prior else { return server };
    let canon = |v: &[String]| {
        let mut v: Vec<String> = v.iter().map(|s| s.to_ascii_lowercase()).collect();
        v.sort();
        v.dedup();
        v
    };
    let want = canon(&server);
    let mut with_implied = prior.clone();
    with_implied.extend(implied.map(str::to_owned));
    if canon(&prior) == want || canon(&with_implied) == want {
        prior
    } else {
        server
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_well_formed() {
        PkiRootCert.schema().check().unwrap();
    }

    #[test]
    fn configured_lists_survive_the_servers_spelling_and_implied_common_name() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let prior = Some(s(&["b.test", "A.test"]));
        assert_eq!(
            keep_if_same(prior.clone(), s(&["a.test", "b.test"]), None),
            s(&["b.test", "A.test"])
        );
        assert_eq!(
            keep_if_same(
                prior.clone(),
                s(&["root.test", "a.test", "b.test"]),
                Some("root.test")
            ),
            s(&["b.test", "A.test"])
        );
        // A real difference shows.
        assert_eq!(keep_if_same(prior, s(&["c.test"]), None), s(&["c.test"]));
        // Nothing configured (import): the certificate's names.
        assert_eq!(keep_if_same(None, s(&["x.test"]), None), s(&["x.test"]));
    }

    fn plan_with_ttl(prior: Value, planned: Value) -> Plan {
        let mut p = Value::Null;
        p.set_attr("ttl", prior);
        let mut n = Value::Null;
        n.set_attr("ttl", planned);
        Plan {
            config: n.clone(),
            prior: p,
            planned: n,
            requires_replace: Vec::new(),
            private: tfplugin::Private::default(),
        }
    }

    #[test]
    fn a_ttl_change_replaces_but_the_first_ttl_after_import_does_not() {
        let mut changed = plan_with_ttl(Value::from("8760h"), Value::from("4380h"));
        PkiRootCert.modify_plan(&mut changed);
        assert_eq!(changed.requires_replace, [AttributePath::root("ttl")]);
        let mut imported = plan_with_ttl(Value::Null, Value::from("8760h"));
        PkiRootCert.modify_plan(&mut imported);
        assert!(imported.requires_replace.is_empty());
        let mut same = plan_with_ttl(Value::from("8760h"), Value::from("8760h"));
        PkiRootCert.modify_plan(&mut same);
        assert!(same.requires_replace.is_empty());
    }
}
