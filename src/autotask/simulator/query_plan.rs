//! QueryXML checked against the schema and the tenant: every field and UDF
//! resolved, every value read as the field's type, Autotask's limits
//! applied (one UDF per query, at most 500 OR conditions).

use jiff::civil::Date;

use crate::schema::{Entity, FieldType};

use super::metadata::{Metadata, field_slot_ignoring_case, udf_slot_ignoring_case};
use super::wire_value::{FieldValue, Gap, parse_query_value, parse_wall_clock};
use crate::autotask::wire::{Operator, QueryItem, QueryXml};

/// Autotask's documented limit, and its message.
pub(super) const MAX_OR_CONDITIONS: usize = 500;
pub(super) const TOO_MANY_OR_CONDITIONS: &str =
    "Invalid query syntax. Queries are limited to 500 or fewer 'OR' conditions.";

/// A query ready to run over one entity's records.
#[derive(Debug, Clone)]
pub(super) struct QueryPlan {
    /// The entity's name as the schema spells it.
    pub(super) entity: String,
    pub(super) items: Vec<Joined>,
}

/// An item and how it joins the items before it.
#[derive(Debug, Clone)]
pub(super) struct Joined {
    pub(super) or_with_previous: bool,
    pub(super) predicate: Predicate,
}

#[derive(Debug, Clone)]
pub(super) enum Predicate {
    Test(FieldTest),
    Group(Vec<Joined>),
}

/// One `<expression>` on one field.
#[derive(Debug, Clone)]
pub(super) struct FieldTest {
    pub(super) target: Target,
    /// The type values of the target are compared as.
    pub(super) ty: FieldType,
    pub(super) operator: Operator,
    pub(super) operand: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Id,
    Field(usize),
    Udf(usize),
}

#[derive(Debug, Clone)]
pub(super) enum Operand {
    /// `IsNull`, `IsNotNull`.
    Nothing,
    /// Comparisons, read as the field's type.
    Value(FieldValue),
    /// Text patterns, matched against the value's wire text.
    Text(String),
    /// `IsThisDay`: the New York calendar day.
    Day(Date),
}

/// Checks a parsed QueryXML; errors are ATWS error messages.
pub(super) fn plan_query(query: &QueryXml, metadata: &Metadata) -> Result<QueryPlan, Vec<String>> {
    let entity = metadata
        .entity_ignoring_case(&query.entity)
        .ok_or_else(|| vec![format!("Unable to find entity type '{}'.", query.entity)])?;
    if !entity.can_query {
        return Err(vec![format!(
            "Entity type {} cannot be queried.",
            entity.name
        )]);
    }
    let or_conditions = count_or_conditions(&query.items);
    if or_conditions > MAX_OR_CONDITIONS {
        return Err(vec![TOO_MANY_OR_CONDITIONS.to_owned()]);
    }
    let mut planner = Planner {
        entity,
        metadata,
        udfs_named: Vec::new(),
        errors: Vec::new(),
    };
    let items = planner.plan_items(&query.items);
    if planner.udfs_named.len() > 1 {
        planner.errors.push(format!(
            "Only one user-defined field may be used in a query; this query uses {}.",
            planner
                .udfs_named
                .iter()
                .map(|name| format!("'{name}'"))
                .collect::<Vec<_>>()
                .join(" and ")
        ));
    }
    if planner.errors.is_empty() {
        Ok(QueryPlan {
            entity: entity.name.clone(),
            items,
        })
    } else {
        Err(planner.errors)
    }
}

fn count_or_conditions(items: &[QueryItem]) -> usize {
    items
        .iter()
        .map(|item| match item {
            QueryItem::Field(_) => 0,
            QueryItem::Condition {
                or_with_previous,
                items,
            } => usize::from(*or_with_previous) + count_or_conditions(items),
        })
        .sum()
}

struct Planner<'a> {
    entity: &'a Entity,
    metadata: &'a Metadata,
    /// Distinct UDFs the query names, as the tenant spells them.
    udfs_named: Vec<String>,
    errors: Vec<String>,
}

impl Planner<'_> {
    fn plan_items(&mut self, items: &[QueryItem]) -> Vec<Joined> {
        items
            .iter()
            .filter_map(|item| match item {
                QueryItem::Field(field) => {
                    let (target, ty) = self.resolve(&field.name, field.udf)?;
                    let tests: Vec<Joined> = field
                        .expressions
                        .iter()
                        .filter_map(|expression| {
                            let test = self.plan_test(
                                &field.name,
                                target,
                                ty,
                                expression.op,
                                &expression.value,
                            )?;
                            Some(Joined {
                                or_with_previous: false,
                                predicate: Predicate::Test(test),
                            })
                        })
                        .collect();
                    Some(Joined {
                        or_with_previous: false,
                        predicate: Predicate::Group(tests),
                    })
                }
                QueryItem::Condition {
                    or_with_previous,
                    items,
                } => Some(Joined {
                    or_with_previous: *or_with_previous,
                    predicate: Predicate::Group(self.plan_items(items)),
                }),
            })
            .collect()
    }

    fn resolve(&mut self, name: &str, udf: bool) -> Option<(Target, FieldType)> {
        let entity = &self.entity.name;
        if udf {
            let udfs = self.metadata.udfs(entity);
            let Some(slot) = udf_slot_ignoring_case(udfs, name) else {
                self.errors.push(format!(
                    "Unable to find {entity} user-defined field '{name}' in the entity."
                ));
                return None;
            };
            let udf = udfs.get(slot)?;
            if !self.udfs_named.contains(&udf.name) {
                self.udfs_named.push(udf.name.clone());
            }
            return Some((Target::Udf(slot), udf.ty));
        }
        let Some((slot, field)) = field_slot_ignoring_case(self.entity, name) else {
            self.errors.push(format!(
                "Unable to find {entity} field '{name}' in the entity."
            ));
            return None;
        };
        if !field.queryable {
            self.errors.push(format!(
                "The {entity} field '{}' cannot be used in a query.",
                field.name
            ));
            return None;
        }
        let target = if field.name == "id" {
            Target::Id
        } else {
            Target::Field(slot)
        };
        Some((target, field.ty))
    }

    fn plan_test(
        &mut self,
        field: &str,
        target: Target,
        ty: FieldType,
        parsed: Operator,
        value: &str,
    ) -> Option<FieldTest> {
        let operand = if parsed.takes_no_value() {
            Operand::Nothing
        } else if parsed.matches_text() {
            Operand::Text(value.to_owned())
        } else if parsed == Operator::IsThisDay {
            if ty != FieldType::Datetime {
                self.errors.push(format!(
                    "Operator IsThisDay needs a date field; {field} is of type {}.",
                    ty.name()
                ));
                return None;
            }
            match parse_wall_clock(value, Gap::Allow) {
                Ok(wall) => Operand::Day(wall.date()),
                Err(error) => {
                    self.errors.push(error.describe(value, field));
                    return None;
                }
            }
        } else {
            match parse_query_value(ty, value) {
                Ok(parsed_value) => Operand::Value(parsed_value),
                Err(error) => {
                    self.errors.push(error.describe(value, field));
                    return None;
                }
            }
        };
        Some(FieldTest {
            target,
            ty,
            operator: parsed,
            operand,
        })
    }
}
