//! Reading QueryXML text into a [`QueryXml`]. Element and attribute names and operators are
//! read without regard to case, as Autotask does; names and values are trimmed. What the
//! names and values mean is for the reader to check against a schema.

use super::query_xml::{Expression, FieldTest, Operator, QueryItem, QueryXml};
use super::xml_tree::{XmlElement, parse_document};

/// Why a text is not QueryXML, in the words Autotask's error messages use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryXmlError(pub String);

impl std::fmt::Display for QueryXmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryXmlError {}

impl QueryXml {
    /// Reads QueryXML text (the content of `sXML`, unescaped).
    ///
    /// # Errors
    ///
    /// The text is not one well-formed `<queryxml>` document of `<entity>`, `<query>`,
    /// `<condition>`, `<field>` and `<expression>` elements with known operators.
    pub fn parse(text: &str) -> Result<QueryXml, QueryXmlError> {
        let fail = |message: String| QueryXmlError(message);
        if text.trim().is_empty() {
            return Err(fail("The query XML is empty.".to_owned()));
        }
        let root = parse_document(text.as_bytes()).map_err(|error| fail(error.to_string()))?;
        if !root.local_name.eq_ignore_ascii_case("queryxml") {
            return Err(fail(format!(
                "The root element must be <queryxml>, not <{}>.",
                root.local_name
            )));
        }
        let entity = child_ignoring_case(&root, "entity")
            .map(|entity| entity.text.trim().to_owned())
            .filter(|name| !name.is_empty())
            .ok_or_else(|| fail("The query XML does not name an <entity>.".to_owned()))?;
        let Some(query) = child_ignoring_case(&root, "query") else {
            return Err(fail("The query XML has no <query> element.".to_owned()));
        };
        let items = read_items(query).map_err(fail)?;
        Ok(QueryXml { entity, items })
    }
}

fn read_items(parent: &XmlElement) -> Result<Vec<QueryItem>, String> {
    parent.children.iter().map(read_item).collect()
}

fn read_item(element: &XmlElement) -> Result<QueryItem, String> {
    let name = element.local_name.as_str();
    if name.eq_ignore_ascii_case("field") {
        read_field(element).map(QueryItem::Field)
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

fn read_field(element: &XmlElement) -> Result<FieldTest, String> {
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
        let written = attribute_ignoring_case(child, "op")
            .ok_or_else(|| format!("An <expression> for field {name} has no op attribute."))?;
        let op = Operator::from_name(written).ok_or_else(|| {
            format!(
                "Operator \"{}\" is not valid for field {name}; use one of {}.",
                written.trim(),
                Operator::all_names()
            )
        })?;
        expressions.push(Expression {
            op,
            value: child.text.trim().to_owned(),
        });
    }
    if expressions.is_empty() {
        return Err(format!("The <field> {name} has no <expression>."));
    }
    Ok(FieldTest {
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
    fn reads_fields_conditions_and_operators_whatever_their_case() {
        let query = QueryXml::parse(
            r#"<QueryXML><Entity> Ticket </Entity><Query>
                 <field>
                   Status
                   <expression op="equals">1</expression>
                 </field>
                 <condition operator="or"><field udf="TRUE">Send to FN<expression OP="Equals">Yes</expression></field></condition>
               </Query></QueryXML>"#,
        )
        .unwrap();
        assert_eq!(
            query,
            QueryXml::new(
                "Ticket",
                vec![
                    QueryItem::field("Status", Operator::Equals, "1"),
                    QueryItem::Condition {
                        or_with_previous: true,
                        items: vec![QueryItem::udf("Send to FN", Operator::Equals, "Yes")],
                    },
                ],
            )
        );
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
            (
                "<queryxml><entity>Ticket</entity><query><field>Status<expression op='Equal'>1</expression></field></query></queryxml>",
                "Operator \"Equal\" is not valid for field Status; use one of Equals, NotEqual,",
            ),
        ] {
            let error = QueryXml::parse(text).unwrap_err();
            assert!(error.0.contains(wanted), "{text}: {error}");
        }
    }
}
