//! What the CA types share about issuers and keys inside a PKI mount: checking that a new-key
//! setting is not combined with `key_ref`, renaming a key or an issuer in place (an issuer
//! write resets the fields it does not carry), and the warning when destroy leaves an issuer on
//! the server.

use serde_json::{Map, Value as Json, json};
use tfplugin::{Diagnostic, Diagnostics, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::paths::issuer_path;

/// The warning when destroy leaves a CA issuer on the server.
pub(crate) fn issuer_left_on_server(what: &str, path: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("The {what} was left on the server"),
        format!(
            "`delete_on_destroy` is not true, so destroying only removed it from the Terraform state; the issuer is still at {path}, with its key. Delete it there if it is no longer needed, or set `delete_on_destroy = true` and apply before destroying."
        ),
    )
}

/// Refuses a configuration that describes a new key (`key_type`, `key_bits`, `key_name`)
/// together with `key_ref`, which `existing` (e.g. "signs with an existing key") instead.
pub(crate) fn validate_key_ref(config: &Value, existing: &str) -> Diagnostics {
    if config.attr("key_ref").is_null() {
        return Diagnostics::new();
    }
    match ["key_type", "key_bits", "key_name"]
        .into_iter()
        .find(|a| !config.attr(a).is_null())
    {
        Some(a) => diagnostics::invalid_attribute(
            a,
            format!(
                "`{a}` describes a new key and cannot be set together with `key_ref`, which {existing}."
            ),
        ),
        None => Diagnostics::new(),
    }
}

/// Renames the key `path` (`<mount>/key/<key_id>`) when `planned` sets a name other than
/// `prior`'s.
pub(crate) async fn rename_key(
    api: &Api,
    path: &str,
    prior: Option<&str>,
    planned: Option<&str>,
) -> Result<(), Diagnostics> {
    if planned.is_none() || planned == prior {
        return Ok(());
    }
    api.write(
        &format!("rename the key {path}"),
        path,
        &json!({ "key_name": planned }),
        Write::SetsState,
    )
    .await
    .map(|_| ())
}

/// Renames an issuer without resetting its other settings: a POST to `<mount>/issuer/<ref>`
/// resets every field it does not carry, so the current ones are sent along.
pub(crate) async fn rename_issuer(
    api: &Api,
    mount: &str,
    issuer: &str,
    name: &str,
) -> Result<(), Diagnostics> {
    let path = issuer_path(mount, issuer);
    let action = format!("rename the issuer {path}");
    let current = api.read_pki(&action, &path).await?.ok_or_else(|| {
        diagnostics::unexpected_response(&action, &path, "the issuer does not exist")
    })?;
    let mut body = Map::new();
    for key in [
        "leaf_not_after_behavior",
        "usage",
        "manual_chain",
        "revocation_signature_algorithm",
        "issuing_certificates",
        "crl_distribution_points",
        "ocsp_servers",
        "delta_crl_distribution_points",
        "enable_aia_url_templating",
    ] {
        if let Some(v) = current.get(key).filter(|v| !v.is_null()) {
            body.insert(key.into(), v.clone());
        }
    }
    body.insert("issuer_name".into(), json!(name));
    api.write(&action, &path, &Json::Object(body), Write::SetsState)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_setting_conflicts_with_key_ref() {
        let mut config = Value::Null;
        config.set_attr("key_ref", Value::from("k1"));
        assert!(
            validate_key_ref(&config, "signs with an existing key")
                .0
                .is_empty()
        );
        config.set_attr("key_bits", Value::from(256_i64));
        let d = validate_key_ref(&config, "signs with an existing key");
        assert_eq!(
            d.0[0].detail,
            "`key_bits` describes a new key and cannot be set together with `key_ref`, which signs with an existing key."
        );
        let mut no_ref = Value::Null;
        no_ref.set_attr("key_bits", Value::from(256_i64));
        assert!(
            validate_key_ref(&no_ref, "uses an existing key")
                .0
                .is_empty()
        );
    }

    #[test]
    fn the_warning_names_the_path_and_the_switch() {
        let d = issuer_left_on_server("root CA", "pki/issuer/abc");
        let text = format!("{d:?}");
        assert!(
            text.contains("pki/issuer/abc") && text.contains("delete_on_destroy"),
            "{text}"
        );
    }
}
