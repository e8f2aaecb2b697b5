//! QueryXML, the `sXML` argument of `query`, as a tree:
//!
//! ```xml
//! <queryxml>
//!   <entity>Ticket</entity>
//!   <query>
//!     <field>Status<expression op="Equals">29682833</expression></field>
//!     <condition operator="OR">
//!       <field udf="true">Send to FN<expression op="Equals">Yes</expression></field>
//!     </condition>
//!   </query>
//! </queryxml>
//! ```
//!
//! Trigger lowering builds it, the client writes it (and pages by adding `id > last`), the
//! simulator parses requests into it. Items join left to right: each ANDs with everything before
//! it, unless it is a `<condition operator="OR">`, which ORs with it.

use super::xml_writer::escape;

/// Entities per `query` answer: Autotask answers at most 500, sorted by id.
pub const PAGE_SIZE: usize = 500;

/// Ids per query: Autotask accepts at most 500 OR conditions in one query.
pub const MAX_IDS_PER_QUERY: usize = 500;

/// A QueryXML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryXml {
    /// The entity type asked for, e.g. `Ticket`.
    pub entity: String,
    /// The items of `<query>`, in order.
    pub items: Vec<QueryItem>,
}

/// A `<field>` or a `<condition>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryItem {
    Field(FieldTest),
    Condition {
        /// `operator="OR"`: ORed with the item before it (otherwise ANDed).
        or_with_previous: bool,
        items: Vec<QueryItem>,
    },
}

/// `<field udf="…">name<expression …/>…</field>`: every expression must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTest {
    pub name: String,
    /// A user-defined field (`udf="true"`); Autotask allows one per query.
    pub udf: bool,
    /// At least one.
    pub expressions: Vec<Expression>,
}

/// `<expression op="…">value</expression>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    pub op: Operator,
    /// The value as the wire carries it; empty for `IsNull` and `IsNotNull`.
    pub value: String,
}

/// The `op` of an `<expression>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
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

const OPERATORS: [(Operator, &str); 15] = [
    (Operator::Equals, "Equals"),
    (Operator::NotEqual, "NotEqual"),
    (Operator::GreaterThan, "GreaterThan"),
    (Operator::LessThan, "LessThan"),
    (Operator::GreaterThanOrEquals, "GreaterThanOrEquals"),
    (Operator::LessThanOrEquals, "LessThanOrEquals"),
    (Operator::BeginsWith, "BeginsWith"),
    (Operator::EndsWith, "EndsWith"),
    (Operator::Contains, "Contains"),
    (Operator::IsNull, "IsNull"),
    (Operator::IsNotNull, "IsNotNull"),
    (Operator::IsThisDay, "IsThisDay"),
    (Operator::Like, "Like"),
    (Operator::NotLike, "NotLike"),
    (Operator::SoundsLike, "SoundsLike"),
];

impl Operator {
    /// Every operator, in the documentation's order.
    pub const ALL: [Operator; 15] = {
        let mut all = [Operator::Equals; 15];
        let mut i = 0;
        while i < OPERATORS.len() {
            all[i] = OPERATORS[i].0;
            i += 1;
        }
        all
    };

    /// The name as written, e.g. `GreaterThanOrEquals`.
    pub fn name(self) -> &'static str {
        OPERATORS
            .iter()
            .find(|(operator, _)| *operator == self)
            .map_or("", |(_, name)| name)
    }

    /// The operator a name means; Autotask reads the names without regard to case.
    pub fn from_name(name: &str) -> Option<Operator> {
        let name = name.trim();
        OPERATORS
            .iter()
            .find(|(_, known)| known.eq_ignore_ascii_case(name))
            .map(|(operator, _)| *operator)
    }

    /// Every operator name, for error messages.
    pub fn all_names() -> String {
        OPERATORS
            .iter()
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Whether the operator ignores the expression's value.
    pub fn takes_no_value(self) -> bool {
        matches!(self, Operator::IsNull | Operator::IsNotNull)
    }

    /// Whether the operator matches text patterns, whatever the field's type.
    pub fn matches_text(self) -> bool {
        matches!(
            self,
            Operator::BeginsWith
                | Operator::EndsWith
                | Operator::Contains
                | Operator::Like
                | Operator::NotLike
                | Operator::SoundsLike
        )
    }
}

impl std::fmt::Display for Operator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl QueryItem {
    /// `<field>name<expression op="op">value</expression></field>`.
    pub fn field(name: impl Into<String>, op: Operator, value: impl Into<String>) -> Self {
        QueryItem::test(name.into(), false, op, value.into())
    }

    /// The same for a user-defined field.
    pub fn udf(name: impl Into<String>, op: Operator, value: impl Into<String>) -> Self {
        QueryItem::test(name.into(), true, op, value.into())
    }

    fn test(name: String, udf: bool, op: Operator, value: String) -> Self {
        QueryItem::Field(FieldTest {
            name,
            udf,
            expressions: vec![Expression { op, value }],
        })
    }

    /// One `<condition>` holding the items, each ORed with the one before it.
    pub fn any(items: impl IntoIterator<Item = QueryItem>) -> Self {
        QueryItem::Condition {
            or_with_previous: false,
            items: items
                .into_iter()
                .enumerate()
                .map(|(index, item)| QueryItem::Condition {
                    or_with_previous: index > 0,
                    items: vec![item],
                })
                .collect(),
        }
    }
}

impl QueryXml {
    pub fn new(entity: impl Into<String>, items: Vec<QueryItem>) -> Self {
        QueryXml {
            entity: entity.into(),
            items,
        }
    }

    /// Every entity of a type (`id > 0`), for paging through all of them.
    pub fn all(entity: impl Into<String>) -> Self {
        QueryXml::new(
            entity,
            vec![QueryItem::field("id", Operator::GreaterThan, "0")],
        )
    }

    /// The entities with these ids (at most [`MAX_IDS_PER_QUERY`] of them; split longer lists
    /// with [`id_batches`]). No ids selects nothing.
    pub fn by_ids(entity: impl Into<String>, ids: &[i64]) -> Self {
        let equals = |id: &i64| QueryItem::field("id", Operator::Equals, id.to_string());
        let item = match ids {
            // No id: a condition no entity meets (ids are never null).
            [] => QueryItem::field("id", Operator::IsNull, ""),
            [id] => equals(id),
            // One group, so that conditions added later (paging) are ANDed with all of it.
            _ => QueryItem::any(ids.iter().map(equals)),
        };
        QueryXml::new(entity, vec![item])
    }

    /// The same query restricted to ids above `last_id`: the next page.
    pub fn with_id_above(&self, last_id: i64) -> Self {
        let mut next = self.clone();
        next.items.push(QueryItem::field(
            "id",
            Operator::GreaterThan,
            last_id.to_string(),
        ));
        next
    }

    /// The document as sent, without whitespace between elements.
    pub fn to_xml(&self) -> String {
        self.write(None)
    }

    /// The document indented two spaces a level, for people to read.
    pub fn to_pretty_xml(&self) -> String {
        self.write(Some("  "))
    }

    fn write(&self, indent: Option<&str>) -> String {
        let mut writer = Writer {
            out: String::new(),
            indent,
        };
        writer.line(0, "<queryxml>");
        writer.line(1, &format!("<entity>{}</entity>", escape(&self.entity)));
        writer.line(1, "<query>");
        for item in &self.items {
            writer.item(item, 2);
        }
        writer.line(1, "</query>");
        writer.line(0, "</queryxml>");
        if indent.is_some() {
            writer.out.pop();
        }
        writer.out
    }
}

struct Writer<'a> {
    out: String,
    indent: Option<&'a str>,
}

impl Writer<'_> {
    fn line(&mut self, depth: usize, text: &str) {
        if let Some(indent) = self.indent {
            self.out.push_str(&indent.repeat(depth));
        }
        self.out.push_str(text);
        if self.indent.is_some() {
            self.out.push('\n');
        }
    }

    fn item(&mut self, item: &QueryItem, depth: usize) {
        match item {
            QueryItem::Field(test) => {
                let mut text = String::from(if test.udf {
                    "<field udf=\"true\">"
                } else {
                    "<field>"
                });
                text.push_str(&escape(&test.name));
                for expression in &test.expressions {
                    text.push_str("<expression op=\"");
                    text.push_str(expression.op.name());
                    text.push_str("\">");
                    text.push_str(&escape(&expression.value));
                    text.push_str("</expression>");
                }
                text.push_str("</field>");
                self.line(depth, &text);
            }
            QueryItem::Condition {
                or_with_previous,
                items,
            } => {
                self.line(
                    depth,
                    if *or_with_previous {
                        "<condition operator=\"OR\">"
                    } else {
                        "<condition>"
                    },
                );
                for inner in items {
                    self.item(inner, depth + 1);
                }
                self.line(depth, "</condition>");
            }
        }
    }
}

/// Distinct ids in ascending order, in batches small enough for one query each.
pub fn id_batches(ids: &[i64]) -> Vec<Vec<i64>> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
        .chunks(MAX_IDS_PER_QUERY)
        .map(<[i64]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ored_in_one_group() {
        assert_eq!(
            QueryXml::by_ids("Account", &[1, 2]).to_xml(),
            "<queryxml><entity>Account</entity><query><condition>\
             <condition><field>id<expression op=\"Equals\">1</expression></field></condition>\
             <condition operator=\"OR\"><field>id<expression op=\"Equals\">2</expression></field></condition>\
             </condition></query></queryxml>"
        );
        assert_eq!(
            QueryXml::by_ids("Account", &[]).to_xml(),
            "<queryxml><entity>Account</entity><query>\
             <field>id<expression op=\"IsNull\"></expression></field></query></queryxml>"
        );
    }

    #[test]
    fn paging_ands_an_id_floor() {
        let paged = QueryXml::all("Ticket").with_id_above(500).to_xml();
        assert!(paged.ends_with(
            "<field>id<expression op=\"GreaterThan\">500</expression></field></query></queryxml>"
        ));
    }

    #[test]
    fn pretty_xml_indents_two_spaces_a_level() {
        let query = QueryXml::new(
            "Ticket",
            vec![
                QueryItem::field("Title", Operator::Equals, "a <b> & \"c\""),
                QueryItem::any([
                    QueryItem::udf("Send to FN", Operator::Equals, "Yes"),
                    QueryItem::field("QueueID", Operator::IsNotNull, ""),
                ]),
            ],
        );
        assert_eq!(
            query.to_pretty_xml(),
            r#"<queryxml>
  <entity>Ticket</entity>
  <query>
    <field>Title<expression op="Equals">a &lt;b&gt; &amp; &quot;c&quot;</expression></field>
    <condition>
      <condition>
        <field udf="true">Send to FN<expression op="Equals">Yes</expression></field>
      </condition>
      <condition operator="OR">
        <field>QueueID<expression op="IsNotNull"></expression></field>
      </condition>
    </condition>
  </query>
</queryxml>"#
        );
    }

    #[test]
    fn batches_split_1100_ids_into_three() {
        let ids: Vec<i64> = (1..=1100).rev().collect();
        let batches = id_batches(&ids);
        assert_eq!(batches.len(), 3);
        assert_eq!(batches[0][0], 1);
        assert!(batches.iter().all(|b| b.len() <= MAX_IDS_PER_QUERY));
    }

    #[test]
    fn operator_names_ignore_case_and_cover_every_operator() {
        assert_eq!(Operator::from_name(" eQuAlS "), Some(Operator::Equals));
        assert_eq!(Operator::from_name("Equal"), None);
        for operator in Operator::ALL {
            assert_eq!(Operator::from_name(operator.name()), Some(operator));
        }
    }
}
