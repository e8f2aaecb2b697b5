//! The `xsi:type` Autotask puts on every entity field.

use std::fmt;

use crate::schema::FieldType;

/// An XML Schema type named by a field's `xsi:type`, without its prefix
/// (`xsd:int`, `q1:int` and `int` are all [`WireType::Int`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WireType {
    /// `int`: 32-bit integers, including picklist values and most ids.
    Int,
    /// `long`: 64-bit integers, e.g. every entity's `id`.
    Long,
    /// `short`: 16-bit integers, e.g. `AccountType`.
    Short,
    /// `string`.
    String,
    /// `dateTime`: US Eastern wall-clock time without offset.
    DateTime,
    /// `boolean`: `true` or `false`.
    Boolean,
    /// `decimal`: sent with four decimals, e.g. `2.5000`.
    Decimal,
    /// `double`.
    Double,
    /// `float`.
    Float,
    /// A type name Autotask is not known to send, kept as written
    /// (without prefix) so callers can report it.
    Other(String),
}

impl WireType {
    /// The `xsi:type` Autotask uses for values of a schema type: the one map from
    /// [`FieldType`] to the wire.
    pub fn of(ty: FieldType) -> WireType {
        match ty {
            FieldType::Integer => WireType::Int,
            FieldType::Long => WireType::Long,
            FieldType::Short => WireType::Short,
            FieldType::String => WireType::String,
            FieldType::Datetime => WireType::DateTime,
            FieldType::Boolean => WireType::Boolean,
            FieldType::Double => WireType::Double,
            FieldType::Decimal => WireType::Decimal,
            FieldType::Float => WireType::Float,
        }
    }

    /// The name with the `xsd:` prefix the client and the simulator write, e.g. `xsd:int`.
    pub fn xsd_name(&self) -> String {
        format!("xsd:{}", self.as_str())
    }

    /// Reads an `xsi:type` value such as `xsd:dateTime`.
    ///
    /// Returns `None` for an empty value, which says nothing about the type.
    pub fn from_xsi_type(value: &str) -> Option<WireType> {
        let name = local_part(value.trim());
        let wire_type = match name {
            "" => return None,
            "int" => WireType::Int,
            "long" => WireType::Long,
            "short" => WireType::Short,
            "string" => WireType::String,
            "dateTime" => WireType::DateTime,
            "boolean" => WireType::Boolean,
            "decimal" => WireType::Decimal,
            "double" => WireType::Double,
            "float" => WireType::Float,
            other => WireType::Other(other.to_owned()),
        };
        Some(wire_type)
    }

    /// The XML Schema name, e.g. `dateTime`.
    pub fn as_str(&self) -> &str {
        match self {
            WireType::Int => "int",
            WireType::Long => "long",
            WireType::Short => "short",
            WireType::String => "string",
            WireType::DateTime => "dateTime",
            WireType::Boolean => "boolean",
            WireType::Decimal => "decimal",
            WireType::Double => "double",
            WireType::Float => "float",
            WireType::Other(name) => name,
        }
    }
}

impl fmt::Display for WireType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The part of a qualified name after its prefix (`q1:string` → `string`).
pub(super) fn local_part(qualified: &str) -> &str {
    match qualified.rsplit_once(':') {
        Some((_, local)) => local,
        None => qualified,
    }
}

#[cfg(test)]
mod tests {
    use super::WireType;

    #[test]
    fn strips_any_prefix() {
        assert_eq!(WireType::from_xsi_type("xsd:int"), Some(WireType::Int));
        assert_eq!(WireType::from_xsi_type("q1:string"), Some(WireType::String));
        assert_eq!(
            WireType::from_xsi_type("dateTime"),
            Some(WireType::DateTime)
        );
        assert_eq!(
            WireType::from_xsi_type(" xs:decimal "),
            Some(WireType::Decimal)
        );
    }

    #[test]
    fn every_schema_type_has_its_wire_type() {
        use crate::schema::FieldType;
        for (ty, written) in [
            (FieldType::Integer, "xsd:int"),
            (FieldType::Long, "xsd:long"),
            (FieldType::Short, "xsd:short"),
            (FieldType::String, "xsd:string"),
            (FieldType::Datetime, "xsd:dateTime"),
            (FieldType::Boolean, "xsd:boolean"),
            (FieldType::Double, "xsd:double"),
            (FieldType::Decimal, "xsd:decimal"),
            (FieldType::Float, "xsd:float"),
        ] {
            assert_eq!(WireType::of(ty).xsd_name(), written);
            assert_eq!(WireType::from_xsi_type(written), Some(WireType::of(ty)));
        }
    }

    #[test]
    fn keeps_unknown_names_and_ignores_empty_ones() {
        assert_eq!(
            WireType::from_xsi_type("xsd:unsignedByte"),
            Some(WireType::Other("unsignedByte".to_owned()))
        );
        assert_eq!(WireType::from_xsi_type("  "), None);
        assert_eq!(WireType::from_xsi_type("xsd:"), None);
        assert_eq!(WireType::Other("anyURI".to_owned()).to_string(), "anyURI");
    }
}
