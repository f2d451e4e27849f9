//! Data sources `vaultpki_pki_issuers` and `vaultpki_pki_keys`: every issuer or key of a PKI
//! mount (`LIST <mount>/issuers`, `LIST <mount>/keys`) with its name and which one is the
//! mount's default, e.g. to find the current default before rotating onto a new key. The two
//! differ only in the listed path and the attributes of an entry, so [`Listing`] holds those and
//! [`PkiListing`] is the one implementation. An empty mount lists nothing (the server answers
//! the LIST with 404).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};
use tfplugin::{Attribute, Ctx, DataSource, Diagnostics, Schema, Type};

use crate::api::Api;

/// What one listing is made of.
pub(crate) struct Listing {
    type_name: &'static str,
    /// The listed collection under the mount, also the list attribute: `issuers` or `keys`.
    collection: &'static str,
    /// The attribute of an entry holding the LIST's key: `issuer_id` or `key_id`.
    id_attribute: &'static str,
    /// The other string attributes of an entry, copied from `key_info`.
    attributes: &'static [(&'static str, &'static str)],
    description: &'static str,
}

/// The data source type of a [`Listing`].
pub(crate) struct PkiListing(pub(crate) &'static Listing);

/// `vaultpki_pki_issuers`.
pub(crate) const ISSUERS: Listing = Listing {
    type_name: "vaultpki_pki_issuers",
    collection: "issuers",
    id_attribute: "issuer_id",
    attributes: &[
        ("issuer_name", "The issuer's name (empty when it has none)."),
        (
            "key_id",
            "The ID of the issuer's key (empty when the mount holds only the certificate).",
        ),
        (
            "serial_number",
            "Serial number of the issuer's certificate.",
        ),
    ],
    description: "Lists the issuers of a PKI mount (`LIST <mount>/issuers`): ID, name, key and serial of each, and which is the mount's default.",
};

/// `vaultpki_pki_keys`.
pub(crate) const KEYS: Listing = Listing {
    type_name: "vaultpki_pki_keys",
    collection: "keys",
    id_attribute: "key_id",
    attributes: &[("key_name", "The key's name (empty when it has none).")],
    description: "Lists the keys of a PKI mount (`LIST <mount>/keys`): ID and name of each, and which is the mount's default.",
};

/// The model: the mount, then what the server answers (`issuers` or `keys` in `entries`).
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct ListingModel {
    id: Option<String>,
    mount: String,
    default: Option<String>,
    #[serde(flatten)]
    entries: Map<String, Json>,
}

impl DataSource for PkiListing {
    type Client = Api;
    type Model = ListingModel;

    fn type_name(&self) -> &str {
        self.0.type_name
    }

    fn schema(&self) -> Schema {
        let l = self.0;
        let entry = Type::object(
            std::iter::once(l.id_attribute)
                .chain(l.attributes.iter().map(|(name, _)| *name))
                .map(|name| (name, Type::String))
                .chain(std::iter::once(("is_default", Type::Bool))),
        );
        let mut fields = format!("`{}` (the ID)", l.id_attribute);
        for (name, description) in l.attributes {
            fields.push_str(&format!(
                ", `{name}` ({})",
                description.trim_end_matches('.')
            ));
        }
        Schema::new(l.description)
            .attribute(Attribute::string("id", format!("`<mount>/{}`.", l.collection)).computed())
            .attribute(Attribute::string("mount", "Path of the PKI mount.").required())
            .attribute(
                Attribute::string(
                    "default",
                    format!(
                        "The `{}` of the mount's default (empty when there is none).",
                        l.id_attribute
                    ),
                )
                .computed(),
            )
            .attribute(
                Attribute::new(
                    l.collection,
                    Type::list(entry),
                    format!("One object per entry, sorted by ID: {fields}, and `is_default`."),
                )
                .computed(),
            )
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        config: ListingModel,
    ) -> Result<ListingModel, Diagnostics> {
        let l = self.0;
        let mount = config.mount.trim_matches('/').to_owned();
        let path = format!("{mount}/{}", l.collection);
        // `LIST` as a `GET ?list=true`; an empty list is a 404.
        let data = ctx
            .client()?
            .read(
                &format!("list the {} of {mount}", l.collection),
                &format!("{path}?list=true"),
            )
            .await?
            .unwrap_or(Json::Null);
        let (entries, default) = entries(l, &data);
        let mut map = Map::new();
        map.insert(l.collection.to_owned(), Json::Array(entries));
        Ok(ListingModel {
            id: Some(path),
            mount: config.mount,
            default: Some(default),
            entries: map,
        })
    }
}

/// The entries of a LIST answer, sorted by ID, and the default's ID (empty when none).
fn entries(l: &Listing, data: &Json) -> (Vec<Json>, String) {
    let mut ids: Vec<&str> = data
        .get("keys")
        .and_then(Json::as_array)
        .map(|k| k.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    let mut default = String::new();
    let entries = ids
        .into_iter()
        .map(|id| {
            let info = data.get("key_info").and_then(|i| i.get(id));
            let is_default = info
                .and_then(|i| i.get("is_default"))
                .and_then(Json::as_bool)
                .unwrap_or(false);
            if is_default {
                id.clone_into(&mut default);
            }
            let mut entry = Map::new();
            entry.insert(l.id_attribute.to_owned(), json!(id));
            for (name, _) in l.attributes {
                let v = info
                    .and_then(|i| i.get(*name))
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                entry.insert((*name).to_owned(), json!(v));
            }
            entry.insert("is_default".to_owned(), json!(is_default));
            Json::Object(entry)
        })
        .collect();
    (entries, default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_well_formed() {
        PkiListing(&ISSUERS).schema().check().unwrap();
        PkiListing(&KEYS).schema().check().unwrap();
    }

    #[test]
    fn entries_are_sorted_and_the_default_is_marked() {
        let data = json!({
            "keys": ["b", "a"],
            "key_info": {
                "a": {"key_name": "old", "is_default": false},
                "b": {"key_name": "", "is_default": true},
            },
        });
        let (listed, default) = entries(&KEYS, &data);
        assert_eq!(default, "b");
        assert_eq!(
            listed,
            [
                json!({"key_id": "a", "key_name": "old", "is_default": false}),
                json!({"key_id": "b", "key_name": "", "is_default": true}),
            ]
        );
        assert_eq!(entries(&ISSUERS, &Json::Null), (Vec::new(), String::new()));
    }
}
