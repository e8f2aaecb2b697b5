//! Values and what holds them: the run-time [`Value`], the static [`Type`], records and record
//! sets, and maps keyed by values. Strings borrow from the records they were read from, so
//! evaluating a field copy allocates nothing.

mod field_index;
mod id_hash;
pub mod json;
pub mod key_map;
pub mod record;
mod types;

pub use key_map::KeyMap;
pub use record::{Record, RecordSet};
pub use types::{PicklistType, Type};

use std::borrow::Cow;
use std::fmt;

use jiff::ZonedDateTime;

use crate::time::DurationLiteral;
use rust_decimal::Decimal;

/// A run-time value: a record field, or what an expression computes. Text may borrow from the
/// record it was read from (`'a`); records hold `Value<'static>`.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value<'a> {
    /// No value: a field the response did not carry or that did not parse, or an absent result.
    #[default]
    Null,
    /// An Autotask `boolean` field, or a comparison's result.
    Bool(bool),
    /// An Autotask `integer`, `long` or `short` field, including ids and entity-field
    /// picklist values.
    Int(i64),
    /// An Autotask `decimal`, `double` or `float` field, kept exact.
    Decimal(Decimal),
    /// Text, including UDF picklist values.
    Str(Cow<'a, str>),
    /// An instant together with the zone it is seen in. Autotask `datetime` fields load in
    /// America/New_York.
    DateTime(ZonedDateTime),
    /// A duration literal such as `4h` or `2d`: calendar days plus an exact length.
    Duration(DurationLiteral),
    /// A list of values.
    List(Vec<Value<'a>>),
    /// An object or array a Jsonnet block produced.
    Json(std::sync::Arc<serde_json::Value>),
}

impl<'a> Value<'a> {
    /// A cheap view of this value that borrows its text.
    pub fn borrowed(&'a self) -> Value<'a> {
        match self {
            Value::Str(s) => Value::Str(Cow::Borrowed(s.as_ref())),
            other => other.clone(),
        }
    }

    /// The same value owning its text, free of the record it was read from.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Decimal(d) => Value::Decimal(d),
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::DateTime(z) => Value::DateTime(z),
            Value::Duration(d) => Value::Duration(d),
            Value::List(items) => Value::List(items.into_iter().map(Value::into_owned).collect()),
            Value::Json(j) => Value::Json(j),
        }
    }

    /// A text value, borrowed or owned.
    pub fn str(text: impl Into<Cow<'a, str>>) -> Self {
        Value::Str(text.into())
    }

    /// Whether the value is [`Value::Null`] (empty text is not).
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// What `??` and the broker's `default` treat as absent: null, missing, or empty text.
    pub fn is_absent(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            _ => false,
        }
    }

    /// The text, when the value is [`Value::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a decimal, for numeric comparison and range maps.
    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(i) => Some(Decimal::from(*i)),
            Value::Decimal(d) => Some(*d),
            _ => None,
        }
    }

    /// The kind's name as messages print it: `null`, `boolean`, `integer`, `decimal`,
    /// `string`, `datetime`, `duration`, `list`, `array` or `object`.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Decimal(_) => "decimal",
            Value::Str(_) => "string",
            Value::DateTime(_) => "datetime",
            Value::Duration(_) => "duration",
            Value::List(_) => "list",
            Value::Json(j) if j.is_array() => "array",
            Value::Json(_) => "object",
        }
    }
}

impl fmt::Display for Value<'_> {
    /// The text form used by templates and string conversion.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{}", d.normalize()),
            Value::Str(s) => f.write_str(s),
            Value::DateTime(z) => write!(f, "{}", z.strftime("%Y-%m-%dT%H:%M:%S%:z")),
            Value::Duration(d) => write!(f, "{d}"),
            Value::Json(j) => write!(f, "{j}"),
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
        }
    }
}

/// A hashable key for table lookups and `in` sets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    /// A boolean key.
    Bool(bool),
    /// An integer key; whole decimals become one too.
    Int(i64),
    /// A text key.
    Str(Box<str>),
}

impl Key {
    /// The key for `value`; `None` for values no table row can match (null, dates, lists…).
    pub fn of(value: &Value<'_>) -> Option<Key> {
        match value {
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Str(s) => Some(Key::Str(s.as_ref().into())),
            // Whole decimals match integer keys: 62.0000 from the wire is table key 62.
            Value::Decimal(d) if d.fract().is_zero() => i64::try_from(*d).ok().map(Key::Int),
            _ => None,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Bool(b) => write!(f, "{b}"),
            Key::Int(i) => write!(f, "{i}"),
            Key::Str(s) => write!(f, "{s:?}"),
        }
    }
}
