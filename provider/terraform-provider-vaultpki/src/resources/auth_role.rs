//! The table-driven roles of auth methods that carry nothing but fields: a Kubernetes auth role
//! (`auth/<mount>/role/<role_name>`) and a token store role (`auth/token/roles/<role_name>`).
//! [`AuthRole`] holds what differs (type name, wording, where the role lives, its table of
//! fields); [`Role`] is the one resource implementation they share, in the shape of
//! `vaultpki_approle_role` minus the role ID: the ID is the API path and import takes it, a
//! role deleted out of band is planned again, fields left out keep the server's values.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use tfplugin::{Attribute, Ctx, Diagnostics, Plan, Resource, Schema, Value};

use crate::api::{Api, Write};
use crate::diagnostics;
use crate::fields::{self, Field};

/// What one table-driven auth role type is made of.
pub(crate) trait AuthRole: Send + Sync + 'static {
    /// The resource type name, e.g. `vaultpki_kubernetes_auth_backend_role`.
    const TYPE_NAME: &'static str;
    /// The resource's schema description.
    const DESCRIPTION: &'static str;
    /// How diagnostics name the object, e.g. `the Kubernetes auth role`.
    const WHAT: &'static str;
    /// Where the role lives.
    const PLACE: Place;
    /// One row per API field.
    fn fields(&self) -> Vec<Field>;
}

/// Where an auth role lives.
#[derive(Clone, Copy)]
pub(crate) enum Place {
    /// `auth/<mount>/role/<role_name>` under a `mount` attribute with this default.
    Mounted(&'static str),
    /// `auth/token/roles/<role_name>`: the token store, one per server (no `mount`).
    TokenStore,
}

/// The resource type of an [`AuthRole`].
pub(crate) struct Role<R>(pub(crate) R);

/// The state model: identity plus one entry per field row.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct RoleState {
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mount: Option<String>,
    role_name: String,
    #[serde(flatten)]
    fields: Map<String, Json>,
}

impl<R: AuthRole> Resource for Role<R> {
    type Client = Api;
    type State = RoleState;

    fn type_name(&self) -> &str {
        R::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let mut schema = Schema::new(R::DESCRIPTION).attribute(
            Attribute::string(
                "id",
                format!("The API path, `{}`; import takes it.", template(R::PLACE)),
            )
            .computed()
            .use_state_for_unknown(),
        );
        if let Place::Mounted(default) = R::PLACE {
            schema = schema.attribute(
                Attribute::string(
                    "mount",
                    format!("Path of the auth method (default `{default}`). Changing it replaces the role."),
                )
                .optional_computed()
                .use_state_for_unknown()
                .requires_replace(),
            );
        }
        schema = schema.attribute(
            Attribute::string("role_name", "The role name. Changing it replaces the role.")
                .required()
                .requires_replace(),
        );
        for a in fields::attributes(&self.0.fields()) {
            schema = schema.attribute(a);
        }
        schema
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        fields::validate(&self.0.fields(), config)
    }

    fn modify_plan(&self, plan: &mut Plan) -> Diagnostics {
        fields::plan(&self.0.fields(), plan);
        let mount = match R::PLACE {
            Place::Mounted(default) => {
                if plan.config.attr("mount").is_null()
                    && plan.planned.attr("mount") == &Value::Unknown
                {
                    plan.planned.set_attr("mount", Value::from(default));
                }
                match plan.planned.attr("mount").as_str() {
                    Some(m) => Some(m.to_owned()),
                    None => return Diagnostics::new(),
                }
            }
            Place::TokenStore => None,
        };
        if let Some(name) = plan.planned.attr("role_name").as_str() {
            let id = role_path::<R>(mount.as_deref(), name);
            plan.planned.set_attr("id", Value::from(id));
        }
        Diagnostics::new()
    }

    async fn create(
        &self,
        ctx: &mut Ctx<'_, Api>,
        plan: RoleState,
    ) -> Result<RoleState, Diagnostics> {
        self.write_and_read(ctx.client()?, plan).await
    }

    async fn read(
        &self,
        ctx: &mut Ctx<'_, Api>,
        state: RoleState,
    ) -> Result<Option<RoleState>, Diagnostics> {
        self.fetch(ctx.client()?, state).await
    }

    async fn update(
        &self,
        ctx: &mut Ctx<'_, Api>,
        _prior: RoleState,
        plan: RoleState,
    ) -> Result<RoleState, Diagnostics> {
        self.write_and_read(ctx.client()?, plan).await
    }

    async fn delete(&self, ctx: &mut Ctx<'_, Api>, state: RoleState) -> Result<(), Diagnostics> {
        let path = role_path::<R>(state.mount.as_deref(), &state.role_name);
        ctx.client()?
            .delete(&format!("delete {} {path}", R::WHAT), &path)
            .await
    }

    async fn import(&self, _ctx: &mut Ctx<'_, Api>, id: &str) -> Result<RoleState, Diagnostics> {
        let (mount, role_name) = parse_id::<R>(id)?;
        Ok(RoleState {
            id: Some(role_path::<R>(mount.as_deref(), &role_name)),
            mount,
            role_name,
            fields: fields::nulls(&self.0.fields()),
        })
    }
}

impl<R: AuthRole> Role<R> {
    async fn write_and_read(&self, api: &Api, plan: RoleState) -> Result<RoleState, Diagnostics> {
        let fields = self.0.fields();
        let path = role_path::<R>(plan.mount.as_deref(), &plan.role_name);
        let (flavour, address) = api.flavour().await?;
        fields::check_flavour(&fields, &plan.fields, flavour, &address)?;
        let action = format!("write {} {path}", R::WHAT);
        let body = Json::Object(fields::body_for(&fields, &plan.fields, flavour));
        api.write(&action, &path, &body, Write::SetsState).await?;
        self.fetch(api, plan).await?.ok_or_else(|| {
            diagnostics::unexpected_response(
                &action,
                &path,
                "the role is gone right after writing it",
            )
        })
    }

    async fn fetch(&self, api: &Api, state: RoleState) -> Result<Option<RoleState>, Diagnostics> {
        let mount = match R::PLACE {
            Place::Mounted(default) => {
                Some(state.mount.clone().unwrap_or_else(|| default.to_owned()))
            }
            Place::TokenStore => None,
        };
        let path = role_path::<R>(mount.as_deref(), &state.role_name);
        let Some(data) = api.read(&format!("read {} {path}", R::WHAT), &path).await? else {
            return Ok(None);
        };
        Ok(Some(RoleState {
            id: Some(path),
            mount,
            fields: fields::from_server(&self.0.fields(), &data, &state.fields),
            role_name: state.role_name,
        }))
    }
}

/// The API path of a role; `mount` is ignored for the token store.
fn role_path<R: AuthRole>(mount: Option<&str>, role_name: &str) -> String {
    match R::PLACE {
        Place::Mounted(default) => {
            let mount = mount.map_or(default, |m| m.trim_matches('/'));
            format!("auth/{mount}/role/{role_name}")
        }
        Place::TokenStore => format!("auth/token/roles/{role_name}"),
    }
}

fn template(place: Place) -> &'static str {
    match place {
        Place::Mounted(_) => "auth/<mount>/role/<role_name>",
        Place::TokenStore => "auth/token/roles/<role_name>",
    }
}

/// The mount (for mounted roles) and role name of an import ID.
fn parse_id<R: AuthRole>(id: &str) -> Result<(Option<String>, String), Diagnostics> {
    let bad = || diagnostics::bad_import_id(R::TYPE_NAME, id, template(R::PLACE));
    let trimmed = id.trim_matches('/');
    let (mount, name) = match R::PLACE {
        Place::Mounted(_) => {
            let rest = trimmed.strip_prefix("auth/").ok_or_else(bad)?;
            let (mount, name) = rest.rsplit_once("/role/").ok_or_else(bad)?;
            if mount.is_empty() {
                return Err(bad());
            }
            (Some(mount.to_owned()), name)
        }
        Place::TokenStore => (
            None,
            trimmed.strip_prefix("auth/token/roles/").ok_or_else(bad)?,
        ),
    };
    if name.is_empty() || name.contains('/') {
        return Err(bad());
    }
    Ok((mount, name.to_owned()))
}

/// Checks shared by every auth role's unit tests.
#[cfg(test)]
pub(crate) fn check<R: AuthRole>(r: R, good_id: &str, bad_ids: &[&str]) {
    let (mount, name) = parse_id::<R>(good_id).unwrap();
    assert_eq!(
        role_path::<R>(mount.as_deref(), &name),
        good_id.trim_matches('/')
    );
    for bad in bad_ids {
        assert!(parse_id::<R>(bad).is_err(), "{bad}");
    }
    let resource = Role(r);
    resource.schema().check().unwrap();
    assert_eq!(resource.type_name(), R::TYPE_NAME);
}
