//! Schemas: what Terraform may configure and store for a provider, resource, data source or
//! ephemeral resource. Every constructor takes a description, because the descriptions feed the
//! generated documentation and Terraform's own messages; [`Schema::check`] rejects empty ones.

use std::collections::BTreeMap;

use crate::Type;
use crate::proto::tfplugin6 as pb;

/// The schema of one provider, resource, data source or ephemeral resource type.
#[derive(Clone, Debug)]
pub struct Schema {
    /// Bumped whenever the stored state layout changes; state written with an older version
    /// goes through `Resource::upgrade_state`.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

impl Schema {
    /// A schema at version 0 with a top-level description.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            version: 0,
            block: Block::new(description),
        }
    }

    /// Sets the schema version.
    #[must_use]
    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// Adds an attribute.
    #[must_use]
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.block.attributes.push(attribute);
        self
    }

    /// Adds a nested block.
    #[must_use]
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.block.blocks.push(block);
        self
    }

    /// The object type of values of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    /// Checks the rules Terraform and this crate rely on: a non-empty description everywhere,
    /// exactly one of required / optional / computed (optional + computed is allowed), write-only
    /// attributes neither computed nor sensitive-by-accident, and unique names. Returns one line
    /// per problem.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.block.description.trim().is_empty() {
            problems.push("the schema has no description".to_owned());
        }
        self.block.check("", &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    pub(crate) fn to_proto(&self) -> pb::Schema {
        pb::Schema {
            version: self.version,
            block: Some(self.block.to_proto(self.version)),
        }
    }

    /// Top-level attribute by name.
    pub(crate) fn find(&self, name: &str) -> Option<&Attribute> {
        self.block.attributes.iter().find(|a| a.name == name)
    }
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug)]
pub struct Block {
    /// What the block is for (Markdown).
    pub description: String,
    /// Its attributes.
    pub attributes: Vec<Attribute>,
    /// Its nested blocks.
    pub blocks: Vec<NestedBlock>,
    /// Whether the block is deprecated.
    pub deprecated: bool,
}

impl Block {
    /// An empty block.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: description.into(),
            attributes: Vec::new(),
            blocks: Vec::new(),
            deprecated: false,
        }
    }

    /// Adds an attribute.
    #[must_use]
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Adds a nested block.
    #[must_use]
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// The object type of this block's values.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect();
        for b in &self.blocks {
            attrs.insert(b.type_name.clone(), b.value_type());
        }
        Type::Object(attrs)
    }

    fn check(&self, prefix: &str, problems: &mut Vec<String>) {
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.attributes {
            let name = format!("{prefix}{}", a.name);
            if !seen.insert(a.name.clone()) {
                problems.push(format!("{name}: declared twice"));
            }
            a.check(&name, problems);
        }
        for b in &self.blocks {
            let name = format!("{prefix}{}", b.type_name);
            if !seen.insert(b.type_name.clone()) {
                problems.push(format!("{name}: declared twice"));
            }
            if b.block.description.trim().is_empty() {
                problems.push(format!("{name}: block has no description"));
            }
            b.block.check(&format!("{name}."), problems);
        }
    }

    fn to_proto(&self, version: i64) -> pb::schema::Block {
        pb::schema::Block {
            version,
            attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
            block_types: self.blocks.iter().map(NestedBlock::to_proto).collect(),
            description: self.description.clone(),
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: self.deprecated,
        }
    }
}

/// How the objects of a nested attribute or block are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// One object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
    /// One object that is never null (blocks only): absent means all attributes null.
    Group,
}

impl Nesting {
    fn wrap(self, object: Type) -> Type {
        match self {
            Self::Single | Self::Group => object,
            Self::List => Type::list(object),
            Self::Set => Type::set(object),
            Self::Map => Type::map(object),
        }
    }
}

/// What an attribute holds: a plain typed value or nested attributes.
#[derive(Clone, Debug)]
pub enum AttributeKind {
    /// A value of a cty type.
    Typed(Type),
    /// Nested attributes, collected as `Nesting` says (not `Group`).
    Nested(Nesting, Vec<Attribute>),
}

/// One attribute.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The attribute's name (for this project: the API's JSON field name).
    pub name: String,
    /// Its type.
    pub kind: AttributeKind,
    /// What it means (Markdown); required to be non-empty.
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// Set by the provider (if also optional: when the configuration leaves it null).
    pub computed: bool,
    /// Hidden in Terraform's output.
    pub sensitive: bool,
    /// Only in configuration; never in plan or state (protocol 6.8, Terraform 1.11).
    pub write_only: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// A change of this attribute's value replaces the resource.
    pub requires_replace: bool,
    /// On update, keep the prior state value instead of planning it as unknown.
    pub use_state_for_unknown: bool,
}

impl Attribute {
    /// An attribute of type `ty`. It is optional until told otherwise.
    pub fn new(name: impl Into<String>, ty: Type, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: AttributeKind::Typed(ty),
            description: description.into(),
            required: false,
            optional: true,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
            requires_replace: false,
            use_state_for_unknown: false,
        }
    }

    /// A string attribute.
    pub fn string(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self::new(name, Type::String, description)
    }

    /// A number attribute.
    pub fn number(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self::new(name, Type::Number, description)
    }

    /// A bool attribute.
    pub fn bool(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self::new(name, Type::Bool, description)
    }

    /// A `list(string)` attribute.
    pub fn string_list(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self::new(name, Type::list(Type::String), description)
    }

    /// A `map(string)` attribute.
    pub fn string_map(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self::new(name, Type::map(Type::String), description)
    }

    /// A nested attribute (protocol 6 nested attribute types).
    pub fn nested(
        name: impl Into<String>,
        nesting: Nesting,
        attributes: Vec<Self>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            kind: AttributeKind::Nested(nesting, attributes),
            ..Self::new(name, Type::Dynamic, description)
        }
    }

    /// Must be set in configuration.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self.optional = false;
        self.computed = false;
        self
    }

    /// May be set in configuration (the default).
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.required = false;
        self.optional = true;
        self
    }

    /// Set by the provider, never in configuration.
    #[must_use]
    pub fn computed(mut self) -> Self {
        self.required = false;
        self.optional = false;
        self.computed = true;
        self
    }

    /// May be set in configuration; the provider fills it in when it is not.
    #[must_use]
    pub fn optional_computed(mut self) -> Self {
        self.required = false;
        self.optional = true;
        self.computed = true;
        self
    }

    /// Hidden in Terraform's output.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Only in configuration; never stored in plan or state.
    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    /// A change replaces the resource.
    #[must_use]
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }

    /// On update, plan the prior value rather than unknown (for values that never change).
    #[must_use]
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }

    /// Deprecated.
    #[must_use]
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// The type of this attribute's values.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Typed(ty) => ty.clone(),
            AttributeKind::Nested(nesting, attrs) => nesting.wrap(Type::Object(
                attrs
                    .iter()
                    .map(|a| (a.name.clone(), a.value_type()))
                    .collect(),
            )),
        }
    }

    fn check(&self, name: &str, problems: &mut Vec<String>) {
        if self.description.trim().is_empty() {
            problems.push(format!("{name}: attribute has no description"));
        }
        if !(self.required || self.optional || self.computed) {
            problems.push(format!(
                "{name}: attribute must be required, optional or computed"
            ));
        }
        if self.required && (self.optional || self.computed) {
            problems.push(format!(
                "{name}: a required attribute cannot be optional or computed"
            ));
        }
        if self.write_only && self.computed {
            problems.push(format!("{name}: a write-only attribute cannot be computed"));
        }
        if let AttributeKind::Nested(nesting, attrs) = &self.kind {
            if *nesting == Nesting::Group {
                problems.push(format!(
                    "{name}: nested attributes cannot use group nesting"
                ));
            }
            for a in attrs {
                a.check(&format!("{name}.{}", a.name), problems);
            }
        }
    }

    fn to_proto(&self) -> pb::schema::Attribute {
        let (ty, nested_type) = match &self.kind {
            AttributeKind::Typed(ty) => (ty.to_json_bytes(), None),
            AttributeKind::Nested(nesting, attrs) => (
                Vec::new(),
                Some(pb::schema::Object {
                    attributes: attrs.iter().map(Self::to_proto).collect(),
                    nesting: match nesting {
                        Nesting::Single | Nesting::Group => pb::schema::object::NestingMode::Single,
                        Nesting::List => pb::schema::object::NestingMode::List,
                        Nesting::Set => pb::schema::object::NestingMode::Set,
                        Nesting::Map => pb::schema::object::NestingMode::Map,
                    } as i32,
                    ..Default::default()
                }),
            ),
        };
        pb::schema::Attribute {
            name: self.name.clone(),
            r#type: ty,
            nested_type,
            description: self.description.clone(),
            required: self.required,
            optional: self.optional,
            computed: self.computed,
            sensitive: self.sensitive,
            description_kind: pb::StringKind::Markdown as i32,
            deprecated: self.deprecated,
            write_only: self.write_only,
        }
    }
}

/// A nested block.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// The block's type name in configuration.
    pub type_name: String,
    /// Its contents.
    pub block: Block,
    /// How repeated blocks are collected.
    pub nesting: Nesting,
    /// Minimum number of blocks (0: no minimum).
    pub min_items: i64,
    /// Maximum number of blocks (0: no maximum).
    pub max_items: i64,
}

impl NestedBlock {
    /// A nested block.
    pub fn new(type_name: impl Into<String>, nesting: Nesting, block: Block) -> Self {
        Self {
            type_name: type_name.into(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }

    /// Sets minimum and maximum counts.
    #[must_use]
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    /// The type of this block's values.
    pub fn value_type(&self) -> Type {
        self.nesting.wrap(self.block.value_type())
    }

    fn to_proto(&self) -> pb::schema::NestedBlock {
        use pb::schema::nested_block::NestingMode;
        pb::schema::NestedBlock {
            type_name: self.type_name.clone(),
            block: Some(self.block.to_proto(0)),
            nesting: match self.nesting {
                Nesting::Single => NestingMode::Single,
                Nesting::List => NestingMode::List,
                Nesting::Set => NestingMode::Set,
                Nesting::Map => NestingMode::Map,
                Nesting::Group => NestingMode::Group,
            } as i32,
            min_items: self.min_items,
            max_items: self.max_items,
        }
    }
}

/// The identity of a managed resource type (protocol 6.9): the attributes that identify an
/// instance permanently. Each is also a top-level attribute of the resource's schema, of the same
/// name and type; the crate derives identity data from the state.
#[derive(Clone, Debug)]
pub struct IdentitySchema {
    /// Bumped when the identity's layout changes (independent of the schema version).
    pub version: i64,
    /// The identifying attributes.
    pub attributes: Vec<IdentityAttribute>,
}

/// One identity attribute.
#[derive(Clone, Debug)]
pub struct IdentityAttribute {
    /// Name (same as the state attribute it comes from).
    pub name: String,
    /// Type.
    pub ty: Type,
    /// What it is.
    pub description: String,
    /// Must be given when importing by identity.
    pub required_for_import: bool,
}

impl IdentitySchema {
    /// An identity at version 0.
    pub fn new(attributes: Vec<IdentityAttribute>) -> Self {
        Self {
            version: 0,
            attributes,
        }
    }

    /// The object type of identity data.
    pub fn value_type(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
        )
    }

    pub(crate) fn to_proto(&self) -> pb::ResourceIdentitySchema {
        pb::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(|a| pb::resource_identity_schema::IdentityAttribute {
                    name: a.name.clone(),
                    r#type: a.ty.to_json_bytes(),
                    required_for_import: a.required_for_import,
                    optional_for_import: !a.required_for_import,
                    description: a.description.clone(),
                })
                .collect(),
        }
    }
}

impl IdentityAttribute {
    /// An identity attribute required for import.
    pub fn new(name: impl Into<String>, ty: Type, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ty,
            description: description.into(),
            required_for_import: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_description_is_rejected() {
        let s = Schema::new("r").attribute(Attribute::string("a", " ").required());
        assert_eq!(
            s.check().unwrap_err(),
            vec!["a: attribute has no description"]
        );
    }

    #[test]
    fn value_type_includes_blocks_and_nested_attributes() {
        let s = Schema::new("r")
            .attribute(Attribute::string("a", "A").required())
            .attribute(Attribute::nested(
                "n",
                Nesting::List,
                vec![Attribute::number("x", "X")],
                "N",
            ))
            .block(NestedBlock::new(
                "b",
                Nesting::Single,
                Block::new("B").attribute(Attribute::bool("y", "Y")),
            ));
        assert_eq!(
            s.value_type(),
            Type::object([
                ("a", Type::String),
                ("n", Type::list(Type::object([("x", Type::Number)]))),
                ("b", Type::object([("y", Type::Bool)])),
            ])
        );
        s.check().unwrap();
    }
}
