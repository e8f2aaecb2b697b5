//! The syntax of QueryXML, the `sXML` argument of `query`:
//!
//! ```xml
//! <queryxml>
//!   <entity>Ticket</entity>
//!   <query>
//!     <field>Status<expression op="equals">29682833</expression></field>
//!     <condition operator="OR">
//!       <field udf="true">Send to FN<expression op="Equals">Yes</expression></field>
//!     </condition>
//!   </query>
//! </queryxml>
//! ```
//!
//! Element and attribute names are read without regard to case, as
//! Autotask does. What the names and values mean is checked later, against
//! the schema ([`super::query_plan`]).

use super::xml_tree::{XmlElement, parse_document};

/// A QueryXML document as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct QueryXml {
    pub(super) entity: String,
    /// The items of `<query>`, in order.
    pub(super) items: Vec<QueryItem>,
}

/// A `<field>` or a `<condition>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum QueryItem {
    Field {
        name: String,
        udf: bool,
        /// At least one; all must hold.
        expressions: Vec<Expression>,
    },
    Condition {
        /// `operator="OR"`: ORed with the item before it (otherwise ANDed).
        or_with_previous: bool,
        items: Vec<QueryItem>,
    },
}

/// `<expression op="…">value</expression>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Expression {
    pub(super) operator: String,
    pub(super) value: String,
}

/// The message Autotask adds to every QueryXML it cannot read.
pub(super) const UNREADABLE_QUERY: &str = "Error reading in Query XML.";

/// Reads the text of `sXML`. Errors are ATWS error messages.
pub(super) fn parse_queryxml(text: &str) -> Result<QueryXml, Vec<String>> {
    let unreadable = |detail: String| vec![detail, UNREADABLE_QUERY.to_owned()];
    if text.trim().is_empty() {
        return Err(unreadable("The query XML is empty.".to_owned()));
    }
    let root = parse_document(text.as_bytes()).map_err(|error| unreadable(error.to_string()))?;
    if !root.local_name.eq_ignore_ascii_case("queryxml") {
        return Err(unreadable(format!(
            "The root element must be <queryxml>, not <{}>.",
            root.local_name
        )));
    }
    let entity = child_ignoring_case(&root, "entity")
        .map(|entity| entity.text.trim().to_owned())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| unreadable("The query XML does not name an <entity>.".to_owned()))?;
    let items = match child_ignoring_case(&root, "query") {
        Some(query) => read_items(query).map_err(unreadable)?,
        None => {
            return Err(unreadable(
                "The query XML has no <query> element.".to_owned(),
            ));
        }
    };
    Ok(QueryXml { entity, items })
}

fn read_items(parent: &XmlElement) -> Result<Vec<QueryItem>, String> {
    parent.children.iter().map(read_item).collect()
}

fn read_item(element: &XmlElement) -> Result<QueryItem, String> {
    let name = element.local_name.as_str();
    if name.eq_ignore_ascii_case("field") {
        read_field(element)
    } else if name.eq_ignore_ascii_case("condition") {
        let or_with_previous = match attribute_ignoring_case(element, "operator") {
            None => false,
            Some(operator) if operator.trim().eq_ignore_ascii_case("or") => true,
            Some(operator) if operator.trim().eq_ignore_ascii_case("and") => false,
            Some(other) => {
                return Err(format!(
                    "Condition operator \"{}\" is not valid; use AND or OR.",
                    other.trim()
                ));
            }
        };
        Ok(QueryItem::Condition {
            or_with_previous,
            items: read_items(element)?,
        })
    } else {
        Err(format!(
            "<{name}> is not allowed here; a query holds <field> and <condition> elements."
        ))
    }
}

fn read_field(element: &XmlElement) -> Result<QueryItem, String> {
    let name = element.text.trim().to_owned();
    if name.is_empty() {
        return Err("A <field> element does not name a field.".to_owned());
    }
    let udf = attribute_ignoring_case(element, "udf")
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    let mut expressions = Vec::new();
    for child in &element.children {
        if !child.local_name.eq_ignore_ascii_case("expression") {
            return Err(format!(
                "<{}> is not allowed in <field>; it holds <expression> elements.",
                child.local_name
            ));
        }
        let operator = attribute_ignoring_case(child, "op")
            .map(|op| op.trim().to_owned())
            .ok_or_else(|| format!("An <expression> for field {name} has no op attribute."))?;
        expressions.push(Expression {
            operator,
            value: child.text.trim().to_owned(),
        });
    }
    if expressions.is_empty() {
        return Err(format!("The <field> {name} has no <expression>."));
    }
    Ok(QueryItem::Field {
        name,
        udf,
        expressions,
    })
}

fn child_ignoring_case<'a>(element: &'a XmlElement, name: &str) -> Option<&'a XmlElement> {
    element
        .children
        .iter()
        .find(|child| child.local_name.eq_ignore_ascii_case(name))
}

fn attribute_ignoring_case<'a>(element: &'a XmlElement, name: &str) -> Option<&'a str> {
    element
        .attributes
        .iter()
        .find(|attribute| !attribute.is_xsi && attribute.local_name.eq_ignore_ascii_case(name))
        .map(|attribute| attribute.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_conditions_and_operators() {
        let query = parse_queryxml(
            r#"<QueryXML><Entity> Ticket </Entity><Query>
                 <field>
                   Status
                   <expression op="equals">1</expression>
                 </field>
                 <condition operator="or"><field udf="TRUE">Send to FN<expression OP="Equals">Yes</expression></field></condition>
               </Query></QueryXML>"#,
        )
        .unwrap();
        assert_eq!(query.entity, "Ticket");
        assert_eq!(query.items.len(), 2);
        assert_eq!(
            query.items[0],
            QueryItem::Field {
                name: "Status".into(),
                udf: false,
                expressions: vec![Expression {
                    operator: "equals".into(),
                    value: "1".into()
                }],
            }
        );
        let QueryItem::Condition {
            or_with_previous,
            items,
        } = &query.items[1]
        else {
            panic!("{:?}", query.items[1]);
        };
        assert!(or_with_previous);
        assert!(matches!(&items[0], QueryItem::Field { udf: true, .. }));
    }

    #[test]
    fn unreadable_queries_say_why() {
        for (text, wanted) in [
            ("", "empty"),
            ("<queryxml>", "There is an error in XML document"),
            ("<query/>", "root element"),
            ("<queryxml><query/></queryxml>", "<entity>"),
            ("<queryxml><entity>Ticket</entity></queryxml>", "<query>"),
            (
                "<queryxml><entity>Ticket</entity><query><field><expression op='equals'>1</expression></field></query></queryxml>",
                "does not name a field",
            ),
            (
                "<queryxml><entity>Ticket</entity><query><field>id</field></query></queryxml>",
                "no <expression>",
            ),
            (
                "<queryxml><entity>Ticket</entity><query><condition operator='XOR'/></query></queryxml>",
                "XOR",
            ),
        ] {
            let errors = parse_queryxml(text).unwrap_err();
            assert!(errors[0].contains(wanted), "{text}: {errors:?}");
            assert_eq!(errors[1], UNREADABLE_QUERY);
        }
    }
}
