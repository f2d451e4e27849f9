//! What the AppRole types share (the role, and the managed and ephemeral secret IDs): the
//! default mount, the role's API path, and planning the optional `mount` and the ID from it.

use tfplugin::{Plan, Value};

/// The mount AppRole uses when none is configured.
pub(crate) const DEFAULT_MOUNT: &str = "approle";

/// `auth/<mount>/role/<role_name>`, with the default mount when none is set.
pub(crate) fn role_path(mount: Option<&str>, role_name: &str) -> String {
    let mount = mount.map_or(DEFAULT_MOUNT, |m| m.trim_matches('/'));
    format!("auth/{mount}/role/{role_name}")
}

/// Plans `mount` (the default when not configured) and then `id` from it, for the AppRole
/// resources whose `mount` is optional.
pub(crate) fn plan_mount_and_id(plan: &mut Plan, id: impl Fn(&str, &Plan) -> Option<String>) {
    if plan.config.attr("mount").is_null() && plan.planned.attr("mount") == &Value::Unknown {
        plan.planned.set_attr("mount", Value::from(DEFAULT_MOUNT));
    }
    let Some(mount) = plan.planned.attr("mount").as_str().map(str::to_owned) else {
        return;
    };
    if let Some(id) = id(&mount, plan) {
        plan.planned.set_attr("id", Value::from(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_paths_default_the_mount() {
        assert_eq!(role_path(None, "ci"), "auth/approle/role/ci");
        assert_eq!(role_path(Some("/ar/"), "ci"), "auth/ar/role/ci");
    }
}
