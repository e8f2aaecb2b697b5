//! The comparison operators of QueryXML's `<expression op="…">`.

/// An `op` of an `<expression>`; Autotask reads the names without regard to case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QueryOperator {
    Equals,
    NotEqual,
    GreaterThan,
    LessThan,
    GreaterThanOrEquals,
    LessThanOrEquals,
    BeginsWith,
    EndsWith,
    Contains,
    IsNull,
    IsNotNull,
    IsThisDay,
    Like,
    NotLike,
    SoundsLike,
}

const OPERATORS: [(&str, QueryOperator); 15] = [
    ("Equals", QueryOperator::Equals),
    ("NotEqual", QueryOperator::NotEqual),
    ("GreaterThan", QueryOperator::GreaterThan),
    ("LessThan", QueryOperator::LessThan),
    ("GreaterThanOrEquals", QueryOperator::GreaterThanOrEquals),
    ("LessThanOrEquals", QueryOperator::LessThanOrEquals),
    ("BeginsWith", QueryOperator::BeginsWith),
    ("EndsWith", QueryOperator::EndsWith),
    ("Contains", QueryOperator::Contains),
    ("IsNull", QueryOperator::IsNull),
    ("IsNotNull", QueryOperator::IsNotNull),
    ("IsThisDay", QueryOperator::IsThisDay),
    ("Like", QueryOperator::Like),
    ("NotLike", QueryOperator::NotLike),
    ("SoundsLike", QueryOperator::SoundsLike),
];

impl QueryOperator {
    pub(super) fn from_name(name: &str) -> Option<QueryOperator> {
        let name = name.trim();
        OPERATORS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, operator)| *operator)
    }

    /// Every operator name, for error messages.
    pub(super) fn all_names() -> String {
        OPERATORS
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the operator ignores the expression's value.
    pub(super) fn takes_no_value(self) -> bool {
        matches!(self, QueryOperator::IsNull | QueryOperator::IsNotNull)
    }

    /// Whether the operator matches text patterns, whatever the field's type.
    pub(super) fn matches_text(self) -> bool {
        matches!(
            self,
            QueryOperator::BeginsWith
                | QueryOperator::EndsWith
                | QueryOperator::Contains
                | QueryOperator::Like
                | QueryOperator::NotLike
                | QueryOperator::SoundsLike
        )
    }
}
