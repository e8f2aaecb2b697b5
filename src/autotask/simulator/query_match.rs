//! Whether a record satisfies a query plan.
//!
//! Items are joined left to right: each ANDs with everything before it,
//! unless it is a `<condition operator="OR">`, which ORs with it. Null
//! values match only `IsNull` (SQL semantics: `NotEqual` and `NotLike` do
//! not match nulls either).

use std::borrow::Cow;
use std::cmp::Ordering;

use super::datastore::StoredEntity;
use super::like_pattern::like_matches;
use super::query_plan::{FieldTest, Joined, Operand, Predicate, Target};
use super::soundex::soundex;
use super::wire_value::{FieldValue, compare_values, format_value, parse_query_value};
use crate::autotask::wire::Operator;

/// Whether `record` satisfies every joined item.
pub(super) fn record_matches(items: &[Joined], record: &StoredEntity) -> bool {
    let mut result: Option<bool> = None;
    for item in items {
        let holds = predicate_holds(&item.predicate, record);
        result = Some(match result {
            None => holds,
            Some(before) if item.or_with_previous => before || holds,
            Some(before) => before && holds,
        });
    }
    result.unwrap_or(true)
}

fn predicate_holds(predicate: &Predicate, record: &StoredEntity) -> bool {
    match predicate {
        Predicate::Test(test) => test_holds(test, record),
        Predicate::Group(items) => record_matches(items, record),
    }
}

fn test_holds(test: &FieldTest, record: &StoredEntity) -> bool {
    let value = value_of(test, record);
    match test.operator {
        Operator::IsNull => return value.is_none(),
        Operator::IsNotNull => return value.is_some(),
        _ => {}
    }
    let Some(value) = value else {
        return false;
    };
    match &test.operand {
        Operand::Nothing => false,
        Operand::Value(operand) => {
            let Some(order) = compare_values(&value, operand) else {
                return false;
            };
            match test.operator {
                Operator::Equals => order == Ordering::Equal,
                Operator::NotEqual => order != Ordering::Equal,
                Operator::GreaterThan => order == Ordering::Greater,
                Operator::LessThan => order == Ordering::Less,
                Operator::GreaterThanOrEquals => order != Ordering::Less,
                Operator::LessThanOrEquals => order != Ordering::Greater,
                _ => false,
            }
        }
        Operand::Text(pattern) => text_test(test.operator, &format_value(&value), pattern),
        Operand::Day(day) => matches!(&*value, FieldValue::DateTime(wall) if wall.date() == *day),
    }
}

fn text_test(operator: Operator, text: &str, pattern: &str) -> bool {
    let text_lower = text.to_lowercase();
    let pattern_lower = pattern.to_lowercase();
    match operator {
        Operator::BeginsWith => text_lower.starts_with(&pattern_lower),
        Operator::EndsWith => text_lower.ends_with(&pattern_lower),
        Operator::Contains => text_lower.contains(&pattern_lower),
        Operator::Like => like_matches(text, pattern),
        Operator::NotLike => !like_matches(text, pattern),
        Operator::SoundsLike => match (soundex(text), soundex(pattern)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
        _ => false,
    }
}

/// The target's value in `record`; UDF texts are read as the UDF's type.
fn value_of<'r>(test: &FieldTest, record: &'r StoredEntity) -> Option<Cow<'r, FieldValue>> {
    match test.target {
        Target::Id => Some(Cow::Owned(FieldValue::Integer(record.id))),
        Target::Field(slot) => record.fields.get(slot)?.as_ref().map(Cow::Borrowed),
        Target::Udf(slot) => {
            let text = record.udfs.get(slot)?.as_deref()?;
            // A stored UDF text that does not read as its type compares as text.
            let value = parse_query_value(test.ty, text)
                .unwrap_or_else(|_| FieldValue::Text(text.to_owned()));
            Some(Cow::Owned(value))
        }
    }
}
