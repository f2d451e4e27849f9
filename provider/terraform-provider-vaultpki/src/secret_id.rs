//! What the managed and the ephemeral `vaultpki_approle_secret_id` share: the role path, the
//! request that creates a secret ID, reading the secret and its accessor from the answer, and
//! looking up and destroying a secret ID through its accessor (the secret itself is never shown
//! again, so the accessor is all either type keeps to find it).

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};
use tfplugin::Diagnostics;

use crate::api::{Api, Write, required_str};
use crate::diagnostics;

/// The settings a new secret ID may carry.
pub(crate) struct Request<'a> {
    pub(crate) metadata: &'a Option<BTreeMap<String, String>>,
    pub(crate) cidr_list: &'a Option<Vec<String>>,
    pub(crate) token_bound_cidrs: &'a Option<Vec<String>>,
    pub(crate) ttl: Option<i64>,
    pub(crate) num_uses: Option<i64>,
}

impl Request<'_> {
    /// The body with the settings that are set (`metadata` as the JSON string the API takes).
    pub(crate) fn body(&self) -> Result<Map<String, Json>, Diagnostics> {
        let mut body = Map::new();
        if let Some(m) = self.metadata {
            let text = serde_json::to_string(m).map_err(|e| diagnostics::model("metadata", e))?;
            body.insert("metadata".to_owned(), json!(text));
        }
        if let Some(c) = self.cidr_list {
            body.insert("cidr_list".to_owned(), json!(c));
        }
        if let Some(c) = self.token_bound_cidrs {
            body.insert("token_bound_cidrs".to_owned(), json!(c));
        }
        if let Some(t) = self.ttl {
            body.insert("ttl".to_owned(), json!(t));
        }
        if let Some(n) = self.num_uses {
            body.insert("num_uses".to_owned(), json!(n));
        }
        Ok(body)
    }
}

/// A new secret ID. The hand-written `Debug` hides the secret.
pub(crate) struct Created {
    pub(crate) secret_id: String,
    pub(crate) accessor: String,
}

impl std::fmt::Debug for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Created")
            .field("secret_id", &"[redacted]")
            .field("accessor", &self.accessor)
            .finish()
    }
}

/// Sends `body` to `path` (`secret-id` or `custom-secret-id` of a role) and reads the secret
/// and its accessor from the answer; `action` names the step in diagnostics.
pub(crate) async fn create(
    api: &Api,
    action: &str,
    path: &str,
    body: &Json,
) -> Result<Created, Diagnostics> {
    let answer = api.write(action, path, body, Write::Creates).await?;
    // An answer without `data` is reported by what is missing from it.
    let data = answer
        .and_then(|mut a| a.get_mut("data").map(Json::take))
        .unwrap_or(Json::Null);
    Ok(Created {
        secret_id: required_str(&data, "secret_id", action, path)?,
        accessor: required_str(&data, "secret_id_accessor", action, path)?,
    })
}

/// What the server knows of the secret ID behind `accessor`; `None` when it no longer exists.
pub(crate) async fn lookup(
    api: &Api,
    role_path: &str,
    accessor: &str,
) -> Result<Option<Json>, Diagnostics> {
    api.lookup(
        &format!("look up the secret ID {accessor} of {role_path}"),
        &format!("{role_path}/secret-id-accessor/lookup"),
        &json!({ "secret_id_accessor": accessor }),
    )
    .await
}

/// Destroys the secret ID behind `accessor`.
pub(crate) async fn destroy(api: &Api, role_path: &str, accessor: &str) -> Result<(), Diagnostics> {
    api.write(
        &format!("destroy the secret ID {accessor} of {role_path}"),
        &format!("{role_path}/secret-id-accessor/destroy"),
        &json!({ "secret_id_accessor": accessor }),
        Write::SetsState,
    )
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_carries_only_what_is_set() {
        let metadata = Some(BTreeMap::from([("team".to_owned(), "pki".to_owned())]));
        let request = Request {
            metadata: &metadata,
            cidr_list: &None,
            token_bound_cidrs: &Some(vec!["10.0.0.0/8".to_owned()]),
            ttl: Some(60),
            num_uses: None,
        };
        assert_eq!(
            Json::Object(request.body().unwrap()),
            json!({"metadata": "{\"team\":\"pki\"}", "token_bound_cidrs": ["10.0.0.0/8"], "ttl": 60})
        );
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let created = Created {
            secret_id: "s3cr3t".to_owned(),
            accessor: "acc".to_owned(),
        };
        let shown = format!("{created:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
