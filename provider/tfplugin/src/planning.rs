//! Default planning, which the server applies before a resource's own `modify_plan`: computed
//! attributes the configuration leaves null become unknown wherever anything may change (or
//! keep their prior value when so marked), write-only attributes are kept out of plan and state,
//! and requires-replace comes from the schema. Resources only describe themselves.

use crate::schema::{Attribute, AttributeKind, Block, Nesting};
use crate::{AttributePath, Plan, Private, Schema, Value};

/// Sets every write-only attribute (at any block depth of single/list blocks) to null.
pub(crate) fn null_write_only(block: &Block, value: &mut Value) {
    null_write_only_attributes(&block.attributes, value);
    let Value::Map(map) = value else { return };
    for b in &block.blocks {
        if let Some(inner) = map.get_mut(&b.type_name) {
            match (b.nesting, inner) {
                (Nesting::Single | Nesting::Group, v) => null_write_only(&b.block, v),
                (_, Value::List(items)) => {
                    items.iter_mut().for_each(|v| null_write_only(&b.block, v));
                }
                (_, Value::Map(items)) => {
                    items
                        .values_mut()
                        .for_each(|v| null_write_only(&b.block, v));
                }
                _ => {}
            }
        }
    }
}

/// Sets write-only attributes to null, looking into nested attributes too.
fn null_write_only_attributes(attributes: &[Attribute], value: &mut Value) {
    let Value::Map(map) = value else { return };
    for a in attributes {
        if a.write_only {
            map.insert(a.name.clone(), Value::Null);
            continue;
        }
        let AttributeKind::Nested(nesting, inner) = &a.kind else {
            continue;
        };
        match (nesting, map.get_mut(&a.name)) {
            (Nesting::Single | Nesting::Group, Some(v)) => null_write_only_attributes(inner, v),
            (_, Some(Value::List(items))) => items
                .iter_mut()
                .for_each(|v| null_write_only_attributes(inner, v)),
            (_, Some(Value::Map(items))) => items
                .values_mut()
                .for_each(|v| null_write_only_attributes(inner, v)),
            _ => {}
        }
    }
}

/// Copies top-level write-only attribute values from the configuration into `value`.
pub(crate) fn fill_write_only(block: &Block, config: &Value, value: &mut Value) {
    for a in block.attributes.iter().filter(|a| a.write_only) {
        value.set_attr(a.name.clone(), config.attr(&a.name).clone());
    }
}

/// The default plan for a block: computed attributes that the configuration leaves null become
/// unknown whenever anything changes (or keep their prior value if marked so).
fn plan_block(block: &Block, config: &Value, prior: &Value, planned: &mut Value) {
    if planned.is_null() || planned == &Value::Unknown {
        return;
    }
    plan_attributes(&block.attributes, config, prior, planned);
    for b in &block.blocks {
        let (c, p) = (config.attr(&b.type_name), prior.attr(&b.type_name));
        let Value::Map(map) = planned else { return };
        let Some(inner) = map.get_mut(&b.type_name) else {
            continue;
        };
        match (b.nesting, inner) {
            (Nesting::Single | Nesting::Group, v) => plan_block(&b.block, c, p, v),
            (Nesting::List, Value::List(items)) => {
                for (i, v) in items.iter_mut().enumerate() {
                    let ci = list_item(c, i);
                    let pi = list_item(p, i);
                    plan_block(&b.block, &ci, &pi, v);
                }
            }
            _ => {}
        }
    }
}

/// The attribute part of [`plan_block`], recursing into single and list nested attributes.
fn plan_attributes(attributes: &[Attribute], config: &Value, prior: &Value, planned: &mut Value) {
    if planned.is_null() || planned == &Value::Unknown {
        return;
    }
    for a in attributes {
        let c = config.attr(&a.name);
        if a.computed && c.is_null() {
            if a.use_state_for_unknown && !prior.is_null() {
                planned.set_attr(a.name.clone(), prior.attr(&a.name).clone());
            } else {
                planned.set_attr(a.name.clone(), Value::Unknown);
            }
            continue;
        }
        let AttributeKind::Nested(nesting, inner) = &a.kind else {
            continue;
        };
        let p = prior.attr(&a.name);
        let Value::Map(map) = planned else { return };
        match (nesting, map.get_mut(&a.name)) {
            (Nesting::Single, Some(v)) => plan_attributes(inner, c, p, v),
            (Nesting::List, Some(Value::List(items))) => {
                for (i, v) in items.iter_mut().enumerate() {
                    plan_attributes(inner, &list_item(c, i), &list_item(p, i), v);
                }
            }
            _ => {}
        }
    }
}

fn list_item(v: &Value, i: usize) -> Value {
    match v {
        Value::List(items) => items.get(i).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// Takes the decoded values by value: they move into the [`Plan`] rather than being copied.
pub(crate) fn default_plan(schema: &Schema, config: Value, prior: Value, proposed: Value) -> Plan {
    let mut planned = proposed;
    null_write_only(&schema.block, &mut planned);
    let mut requires_replace = Vec::new();
    let unchanged = !prior.is_null() && planned == prior;
    if !unchanged && !planned.is_null() {
        plan_block(&schema.block, &config, &prior, &mut planned);
        if !prior.is_null() {
            for a in schema
                .block
                .attributes
                .iter()
                .filter(|a| a.requires_replace)
            {
                if planned.attr(&a.name) != prior.attr(&a.name) {
                    requires_replace.push(AttributePath::root(a.name.clone()));
                }
            }
        }
    }
    Plan {
        config,
        prior,
        planned,
        requires_replace,
        private: Private::default(),
    }
}

/// The first top-level write-only attribute that the configuration sets, if any.
pub(crate) fn has_write_only_values(block: &Block, config: &Value) -> Option<String> {
    block
        .attributes
        .iter()
        .find(|a| a.write_only && !config.attr(&a.name).is_null())
        .map(|a| a.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_values_in_nested_attributes_are_planned_unknown() {
        let schema = Schema::new("r")
            .attribute(Attribute::string("name", "N").required())
            .attribute(Attribute::nested(
                "keys",
                Nesting::List,
                vec![
                    Attribute::string("label", "L").required(),
                    Attribute::string("fingerprint", "F").computed(),
                ],
                "K",
            ));
        let mut key = Value::Null;
        key.set_attr("label", "a".into());
        key.set_attr("fingerprint", Value::Null);
        let mut config = Value::Null;
        config.set_attr("name", "n".into());
        config.set_attr("keys", Value::List(vec![key]));
        let plan = default_plan(&schema, config.clone(), Value::Null, config);
        let Value::List(keys) = plan.planned.attr("keys") else {
            panic!("keys is a list")
        };
        assert_eq!(keys[0].attr("fingerprint"), &Value::Unknown);
        assert_eq!(keys[0].attr("label"), &Value::from("a"));
    }

    #[test]
    fn write_only_is_nulled_in_blocks_and_nested_attributes() {
        let schema = Schema::new("r")
            .attribute(Attribute::string("top", "T").write_only())
            .attribute(Attribute::nested(
                "creds",
                Nesting::List,
                vec![
                    Attribute::string("user", "U"),
                    Attribute::string("pass", "P").write_only(),
                ],
                "C",
            ))
            .block(crate::NestedBlock::new(
                "b",
                Nesting::Single,
                Block::new("B").attribute(Attribute::string("key", "K").write_only()),
            ));
        let mut v = Value::Null;
        v.set_attr("top", "x".into());
        let mut cred = Value::Null;
        cred.set_attr("user", "u".into());
        cred.set_attr("pass", "p".into());
        v.set_attr("creds", Value::List(vec![cred]));
        let mut b = Value::Null;
        b.set_attr("key", "k".into());
        v.set_attr("b", b);
        null_write_only(&schema.block, &mut v);
        assert_eq!(v.attr("top"), &Value::Null);
        let Value::List(creds) = v.attr("creds") else {
            panic!("creds is a list")
        };
        assert_eq!(creds[0].attr("user"), &Value::from("u"));
        assert_eq!(creds[0].attr("pass"), &Value::Null);
        assert_eq!(v.attr("b").attr("key"), &Value::Null);
    }
}
