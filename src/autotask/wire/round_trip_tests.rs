//! What the toolkit writes, it reads back unchanged: any QueryXML tree written (compact or
//! indented) and parsed again is the same tree, whatever its names and values hold (markup
//! characters, quotes, carriage returns, `]]>`, non-ASCII text).

use proptest::prelude::*;

use super::query_xml::{Expression, FieldTest, Operator, QueryItem, QueryXml};

/// Text as names and values carry it: the reader trims, so the ends are not whitespace.
fn text(min: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!(
        "[a-zA-Z0-9 _.:/#\\-<>&\"'\\]\\[é€😀\\r\\n\\t]{{{min},16}}"
    ))
    .unwrap_or_else(|_| unreachable!("a valid pattern"))
    .prop_map(|s| s.trim().to_owned())
    .prop_filter("names are not empty", move |s| s.len() >= min)
}

fn operator() -> impl Strategy<Value = Operator> {
    proptest::sample::select(Operator::ALL.to_vec())
}

fn field() -> impl Strategy<Value = QueryItem> {
    (
        text(1),
        any::<bool>(),
        proptest::collection::vec(
            (operator(), text(0)).prop_map(|(op, value)| Expression { op, value }),
            1..3,
        ),
    )
        .prop_map(|(name, udf, expressions)| {
            QueryItem::Field(FieldTest {
                name,
                udf,
                expressions,
            })
        })
}

fn query() -> impl Strategy<Value = QueryXml> {
    let item = field().prop_recursive(4, 32, 4, |inner| {
        (any::<bool>(), proptest::collection::vec(inner, 0..4)).prop_map(
            |(or_with_previous, items)| QueryItem::Condition {
                or_with_previous,
                items,
            },
        )
    });
    (text(1), proptest::collection::vec(item, 0..5))
        .prop_map(|(entity, items)| QueryXml { entity, items })
}

proptest! {
    #[test]
    fn written_queryxml_parses_back_to_the_same_tree(query in query()) {
        prop_assert_eq!(QueryXml::parse(&query.to_xml()), Ok(query.clone()));
        prop_assert_eq!(QueryXml::parse(&query.to_pretty_xml()), Ok(query));
    }
}
