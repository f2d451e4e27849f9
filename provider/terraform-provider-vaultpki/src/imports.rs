//! How the CA and certificate types plan right after an import, so that `terraform import` (or
//! an `import` block) followed by `terraform plan` is empty when the configuration matches the
//! object.
//!
//! Import cannot see the configuration, and the server does not keep every request input (the
//! role a certificate was issued through, the CSR, the TTL asked for). The imported state
//! therefore holds what the certificate tells (names, the TTL as NotAfter − NotBefore) and a
//! placeholder for what it cannot tell, and the private state marks it as imported. While that
//! mark is there, a configured input that means the same as the imported value, or whose
//! imported value is a placeholder, is planned as the prior value: Terraform accepts a planned
//! value equal to a non-null prior as "no change". An input that differs is recorded in place
//! by the next apply, without replacing the object, since the object already exists. Settings
//! that are not part of the object (`delete_on_destroy`, `revoke`, `auto_renew`) are imported
//! at their defaults, which are planned as values.
//!
//! Without the mark, inputs follow the configuration exactly (a removed line is planned as null
//! and replaces the object when the input shapes it), and durations compare by meaning (`"72h"`
//! is `"259200"`).

use tfplugin::{AttributePath, Plan, Private, Value};

use crate::duration::parse_seconds;

/// The private-state key marking a state made by import and not yet applied.
const IMPORTED: &str = "imported";

/// Allowed distance, in seconds, between a configured TTL and the one an import derived from the
/// certificate (the server backdates NotBefore, by 30 seconds unless told otherwise).
const TTL_SLACK: i64 = 90;

/// Marks the private state of an import.
pub(crate) fn mark(private: &mut Private) {
    private.set(IMPORTED, &true);
}

/// Removes the import mark (once an apply has recorded the configuration).
pub(crate) fn unmark(private: &mut Private) {
    private.0.remove(IMPORTED);
}

/// Whether the private state carries the import mark.
pub(crate) fn is_marked(private: &Private) -> bool {
    private.get::<bool>(IMPORTED) == Some(true)
}

/// How a configured input is compared with the imported value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compare {
    /// The server cannot tell it: the import holds a placeholder and any configured value is
    /// accepted as is.
    Untold,
    /// Equal values.
    Exact,
    /// The same members, in any order or case.
    Set,
    /// A DNS-name list that may leave out the common name the server adds.
    Names,
    /// A duration, by meaning; after an import, within [`TTL_SLACK`] of the derived one.
    Duration,
}

/// Plans the request inputs `inputs` (name, comparison) of an update, as the module doc says;
/// `imported` says whether the prior state is an import not yet applied. Entries of
/// `requires_replace` for these inputs are recomputed: after an import, none; otherwise a
/// planned value other than the prior one replaces the object.
///
/// After an import, when something is to change anyway (an input that differs, a setting), all
/// inputs are planned exactly as configured, so the apply records the configuration and later
/// plans compare with it rather than with what the import found.
pub(crate) fn plan_inputs(plan: &mut Plan, imported: bool, inputs: &[(&str, Compare)]) {
    let common_name = plan.prior.attr("common_name").as_str().map(str::to_owned);
    for (name, _) in inputs {
        let path = AttributePath::root(*name);
        plan.requires_replace.retain(|p| *p != path);
    }
    if imported {
        for (name, how) in inputs {
            let config = plan.config.attr(name).clone();
            let prior = plan.prior.attr(name).clone();
            let kept = config.is_null()
                || (!prior.is_null()
                    && !config.has_unknowns()
                    && same(*how, &config, &prior, true, common_name.as_deref()));
            plan.planned
                .set_attr(*name, if kept { prior } else { config });
        }
        if plan.planned != plan.prior {
            plan_create(plan, inputs);
        }
        return;
    }
    for (name, how) in inputs {
        let config = plan.config.attr(name).clone();
        let prior = plan.prior.attr(name).clone();
        let kept = !config.is_null()
            && !prior.is_null()
            && !config.has_unknowns()
            && same(*how, &config, &prior, false, common_name.as_deref());
        let planned = if kept { prior.clone() } else { config };
        if planned != prior {
            plan.requires_replace.push(AttributePath::root(*name));
        }
        plan.planned.set_attr(*name, planned);
    }
}

/// For attributes read back from the certificate: a configured value that means the same as
/// the prior one (the same members in another order or case, a duration by meaning) is planned
/// as the prior value and replaces nothing. Left out, they keep the prior value anyway.
pub(crate) fn keep_same(plan: &mut Plan, attributes: &[(&str, Compare)]) {
    let common_name = plan.prior.attr("common_name").as_str().map(str::to_owned);
    for (name, how) in attributes {
        let config = plan.config.attr(name).clone();
        let prior = plan.prior.attr(name).clone();
        if config.is_null()
            || prior.is_null()
            || config.has_unknowns()
            || !same(*how, &config, &prior, false, common_name.as_deref())
        {
            continue;
        }
        plan.planned.set_attr(*name, prior);
        let path = AttributePath::root(*name);
        plan.requires_replace.retain(|p| *p != path);
    }
}

/// On create, the inputs exactly as configured (computed inputs left out stay null rather than
/// unknown: the server's choice is not read back for them).
pub(crate) fn plan_create(plan: &mut Plan, inputs: &[(&str, Compare)]) {
    for (name, _) in inputs {
        plan.planned.set_attr(*name, plan.config.attr(name).clone());
    }
}

/// Plans a setting with a default (`delete_on_destroy`, `revoke`, `auto_renew`): left out, the
/// default on create and after an import, and null kept as null in states written before the
/// default was planned.
pub(crate) fn plan_default(plan: &mut Plan, name: &str, default: Value) {
    if !plan.config.attr(name).is_null() {
        return;
    }
    let planned = if plan.prior.is_null() || !plan.prior.attr(name).is_null() {
        default
    } else {
        Value::Null
    };
    plan.planned.set_attr(name, planned);
}

/// A TTL derived from a PEM certificate's lifetime: NotAfter − NotBefore less the server's
/// default 30-second backdating, rounded to the minute, as `"<n>h"` or `"<n>m"`.
pub(crate) fn derived_ttl(lifetime_seconds: i64) -> String {
    let seconds = (lifetime_seconds - 30).max(0);
    let minutes = (seconds + 30) / 60;
    if minutes % 60 == 0 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

fn same(how: Compare, config: &Value, prior: &Value, imported: bool, cn: Option<&str>) -> bool {
    if config == prior {
        return true;
    }
    match how {
        Compare::Untold => imported,
        Compare::Exact => false,
        Compare::Set => canon(config, None) == canon(prior, None),
        Compare::Names => {
            canon(config, None) == canon(prior, None)
                || (imported && canon(config, cn) == canon(prior, cn))
        }
        Compare::Duration => {
            let seconds = |v: &Value| match v {
                Value::String(s) => parse_seconds(s),
                Value::Number(_) => v.as_i64(),
                _ => None,
            };
            match (seconds(config), seconds(prior)) {
                (Some(c), Some(p)) if imported => (c - p).abs() <= TTL_SLACK,
                (Some(c), Some(p)) => c == p,
                _ => false,
            }
        }
    }
}

/// The members of a list in lower case, sorted, without duplicates, with `extra` added.
fn canon(v: &Value, extra: Option<&str>) -> Option<Vec<String>> {
    let Value::List(items) = v else { return None };
    let mut out: Vec<String> = items
        .iter()
        .filter_map(Value::as_str)
        .chain(extra)
        .map(str::to_ascii_lowercase)
        .collect();
    out.sort();
    out.dedup();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::renewal::value;

    fn plan(config: Value, prior: Value) -> Plan {
        Plan {
            planned: config.clone(),
            config,
            prior,
            requires_replace: vec![AttributePath::root("ttl")],
            private: Private::default(),
        }
    }

    fn names(v: &[&str]) -> Value {
        Value::List(v.iter().map(|s| Value::from(*s)).collect())
    }

    const INPUTS: [(&str, Compare); 3] = [
        ("ttl", Compare::Duration),
        ("alt_names", Compare::Names),
        ("role", Compare::Untold),
    ];

    #[test]
    fn an_import_matching_the_configuration_plans_no_change() {
        let prior = value(&[
            ("common_name", Value::from("a.test")),
            ("ttl", Value::from("720h")),
            ("alt_names", names(&["a.test", "b.test"])),
            ("role", Value::from("")),
        ]);
        let config = value(&[
            ("common_name", Value::from("a.test")),
            ("ttl", Value::from("2592030")),
            ("alt_names", names(&["B.test"])),
            ("role", Value::from("web")),
        ]);
        let mut p = plan(config, prior.clone());
        plan_inputs(&mut p, true, &INPUTS);
        assert_eq!(p.planned, prior);
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn an_import_that_differs_is_recorded_without_replacing() {
        let prior = value(&[("ttl", Value::from("720h"))]);
        let config = value(&[("ttl", Value::from("24h"))]);
        let mut p = plan(config, prior);
        plan_inputs(&mut p, true, &INPUTS[..1]);
        assert_eq!(p.planned.attr("ttl"), &Value::from("24h"));
        assert!(p.requires_replace.is_empty());
        // Something changes: every input is recorded as configured.
        let prior = value(&[
            ("ttl", Value::from("720h")),
            ("alt_names", names(&["a.test"])),
            ("role", Value::from("")),
        ]);
        let config = value(&[
            ("ttl", Value::from("2592000")),
            ("alt_names", Value::Null),
            ("role", Value::from("web")),
            ("revoke", Value::from(true)),
        ]);
        let mut p = plan(config.clone(), prior);
        plan_inputs(&mut p, true, &INPUTS);
        assert_eq!(p.planned, config);
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn without_import_durations_compare_by_meaning_and_changes_replace() {
        let prior = value(&[("ttl", Value::from("72h"))]);
        let mut same = plan(value(&[("ttl", Value::from("259200"))]), prior.clone());
        plan_inputs(&mut same, false, &INPUTS[..1]);
        assert_eq!(same.planned.attr("ttl"), &Value::from("72h"));
        assert!(same.requires_replace.is_empty());
        let mut other = plan(value(&[("ttl", Value::from("259230"))]), prior.clone());
        plan_inputs(&mut other, false, &INPUTS[..1]);
        assert_eq!(other.requires_replace, [AttributePath::root("ttl")]);
        let mut removed = plan(value(&[("ttl", Value::Null)]), prior);
        plan_inputs(&mut removed, false, &INPUTS[..1]);
        assert_eq!(removed.planned.attr("ttl"), &Value::Null);
        assert_eq!(removed.requires_replace, [AttributePath::root("ttl")]);
    }

    #[test]
    fn defaults_are_planned_except_over_an_old_null() {
        let mut created = plan(value(&[("revoke", Value::Null)]), Value::Null);
        plan_default(&mut created, "revoke", Value::from(false));
        assert_eq!(created.planned.attr("revoke"), &Value::from(false));
        let mut old = plan(
            value(&[("revoke", Value::Null)]),
            value(&[("revoke", Value::Null)]),
        );
        plan_default(&mut old, "revoke", Value::from(false));
        assert_eq!(old.planned.attr("revoke"), &Value::Null);
    }

    #[test]
    fn the_derived_ttl_drops_the_backdating() {
        assert_eq!(derived_ttl(8760 * 3600 + 30), "8760h");
        assert_eq!(derived_ttl(8760 * 3600 + 29), "8760h");
        assert_eq!(derived_ttl(90 * 60 + 30), "90m");
    }
}
