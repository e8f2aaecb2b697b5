//! Static types of fieldmap expressions.

use std::fmt;

use crate::schema::FieldType;

#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Null,
    Bool,
    Int,
    Decimal,
    String,
    DateTime,
    Duration,
    /// A value of a tenant picklist: the id at run time, the label when shown.
    Picklist(PicklistType),
    List(Box<Type>),
    /// Unknown after an error, or JSON from an event payload: checks are relaxed.
    Any,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PicklistType {
    /// Index into the program's picklist table.
    pub index: u32,
    /// `Ticket.Status` or `Ticket UDF "Send to FN"`, for messages.
    pub name: String,
}

impl Type {
    pub fn from_field(ty: FieldType) -> Type {
        match ty {
            FieldType::Integer | FieldType::Long | FieldType::Short => Type::Int,
            FieldType::String => Type::String,
            FieldType::Datetime => Type::DateTime,
            FieldType::Boolean => Type::Bool,
            FieldType::Double | FieldType::Decimal | FieldType::Float => Type::Decimal,
        }
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Decimal | Type::Any)
    }

    /// Whether the value can be shown as text in a template or a string field.
    pub fn is_textual(&self) -> bool {
        matches!(
            self,
            Type::String | Type::Int | Type::Decimal | Type::Picklist(_) | Type::Any | Type::Null
        )
    }

    /// The common type of two alternatives (`a ?? b`, table rows), if there is one.
    pub fn unify(&self, other: &Type) -> Option<Type> {
        use Type::*;
        Some(match (self, other) {
            (a, b) if a == b => a.clone(),
            (Any, _) | (_, Any) => Any,
            (Null, t) | (t, Null) => t.clone(),
            (Int, Decimal) | (Decimal, Int) => Decimal,
            (Picklist(_), String) | (String, Picklist(_)) => String,
            (Picklist(_), Picklist(_)) => String,
            _ => return None,
        })
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Null => f.write_str("null"),
            Type::Bool => f.write_str("boolean"),
            Type::Int => f.write_str("integer"),
            Type::Decimal => f.write_str("decimal"),
            Type::String => f.write_str("string"),
            Type::DateTime => f.write_str("datetime"),
            Type::Duration => f.write_str("duration"),
            Type::Picklist(p) => write!(f, "picklist {}", p.name),
            Type::List(t) => write!(f, "list of {t}"),
            Type::Any => f.write_str("any"),
        }
    }
}
