//! The formatter: idempotent, comment-keeping, canonical, and never changes the program.

use fieldmap::syntax::{format, format_expr, parse, parse_expr};
use proptest::prelude::*;

/// The AST's debug form with every span removed: two files with equal shapes compare equal.
fn shape<T: std::fmt::Debug>(ast: &T) -> String {
    let text = format!("{ast:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find('}').map_or(rest.len(), |e| e + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn example_sources() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/mappings"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "fmap"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn examples_format_idempotently_without_changing_the_program() {
    let sources = example_sources();
    assert!(sources.len() >= 4);
    for (name, source) in sources {
        let once = format(&source).unwrap();
        assert_eq!(
            format(&once).unwrap(),
            once,
            "{name}: formatting twice changed it"
        );
        assert_eq!(
            shape(&parse(&once).unwrap()),
            shape(&parse(&source).unwrap()),
            "{name}: program changed"
        );
        let comments = source
            .lines()
            .filter(|l| l.trim_start().starts_with("//"))
            .count();
        let kept = once
            .lines()
            .filter(|l| l.trim_start().starts_with("//"))
            .count();
        assert_eq!(kept, comments, "{name}: a comment was lost or duplicated");
    }
}

#[test]
fn messy_layout_becomes_canonical_and_keeps_every_comment() {
    let messy = r#"// dispatch
mapping   "M"{source autotask.Ticket
target fieldnation.WorkOrder
trigger when Status=="Dispatch to Field"   and(udf("Send to FN")=="Yes"or QueueID=="Field Services")
title="${TicketNumber}: ${Title}"     // the title
  location.city=Account.City
/* block
   comment */
pay.base.amount = EstimatedHours|ranges{<=2:150,<=4:250,_:400}
    }
table t : string->int{"a"=>1 , _=>2}
"#;
    let expected = r#"// dispatch
mapping "M" {
  source autotask.Ticket
  target fieldnation.WorkOrder

  trigger when Status == "Dispatch to Field"
           and (udf("Send to FN") == "Yes" or QueueID == "Field Services")
  title         = "${TicketNumber}: ${Title}"  // the title
  location.city = Account.City
  /* block
   comment */
  pay.base.amount = EstimatedHours | ranges { <= 2: 150, <= 4: 250, _: 400 }
}

table t: string -> int {
  "a" => 1
  _   => 2
}
"#;
    let formatted = format(messy).unwrap();
    assert_eq!(formatted, expected);
    assert_eq!(format(&formatted).unwrap(), formatted);
}

#[test]
fn long_triggers_break_before_top_level_and_or() {
    let source = "mapping \"M\" {\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  trigger when Status == \"Dispatch to Field\" and udf(\"Send to FN\") == \"Yes\" and QueueID in [\"Field Services\", \"Post Sale\"] and Priority != \"Low\"\n  title = Title\n}\n";
    let formatted = format(source).unwrap();
    assert!(formatted.contains("  trigger when Status == \"Dispatch to Field\"\n           and udf(\"Send to FN\") == \"Yes\"\n           and QueueID in"), "{formatted}");
    assert_eq!(format(&formatted).unwrap(), formatted);
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    let error = format("mapping \"M\" { source autotask.Ticket").unwrap_err();
    assert_eq!(error.code.as_str(), "FM0101");
}

/// Random expressions built from the grammar's pieces.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0i64..100_000).prop_map(|i| i.to_string()),
        (0u32..10_000, 1u32..100).prop_map(|(a, b)| format!("{a}.{b:02}")),
        "[A-Z][a-zA-Z]{0,8}".prop_map(|s| s),
        "[A-Z][a-z]{0,5}\\.[A-Z][a-zA-Z]{0,6}".prop_map(|s| s),
        "[a-zA-Z0-9 ,.'-]{0,12}".prop_map(|s| format!("{s:?}")),
        Just("udf(\"Send to FN\")".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("4h".to_string()),
        Just("1h30m".to_string()),
    ];
    leaf.prop_recursive(5, 48, 4, |inner| {
        let op = prop_oneof![
            Just("or"),
            Just("and"),
            Just("=="),
            Just("!="),
            Just("<"),
            Just("<="),
            Just(">"),
            Just(">="),
            Just("??"),
            Just("|"),
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
        ];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) + ({b})")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner
                .clone()
                .prop_map(|a| format!("({a}) at \"America/Chicago\"")),
            inner.clone().prop_map(|a| format!("({a}) is not null")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) at ({b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("if {a} then {b} else {c}")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("{a} ?? (if {b} then {c} else null) + 1")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("format({a}, {b})")),
            inner.clone().prop_map(|a| format!("\"x ${{{a}}} y\"")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("match {a} {{ \"k\", 1 => {b}, _ => null }}")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("({a}) | ranges {{ <= 2: {b}, < 4.5: 1, _: 0 }}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) in [{b}, 1]")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn formatting_an_expression_keeps_its_meaning(text in expression()) {
        // Not every generated text is valid (e.g. `a == b` as a range bound); those are skipped.
        if let Ok(parsed) = parse_expr(&text) {
            let printed = format_expr(&parsed);
            let reparsed = parse_expr(&printed).map_err(|d| TestCaseError::fail(format!("{printed:?}: {}", d.message)))?;
            prop_assert_eq!(shape(&reparsed), shape(&parsed), "printed as {}", printed);
            prop_assert_eq!(format_expr(&reparsed), printed);
        }
    }

}

proptest! {
    // Each case formats every shipped example twice over: a few dozen seeds reach every
    // kind of blank and comma.
    #![proptest_config(ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn extra_spaces_never_change_the_canonical_form(seed in any::<u64>()) {
        // Insert spaces after random blanks and commas of each example; the layout must not care.
        for (name, source) in example_sources() {
            let mut state = seed | 1;
            let mut messy = String::with_capacity(source.len() * 2);
            let mut in_text_block = false;
            for line in source.lines() {
                // Jsonnet text blocks are kept verbatim, so they are left as they are.
                let markers = line.matches("|||").count();
                if in_text_block || markers > 0 {
                    in_text_block ^= markers % 2 == 1;
                    messy.push_str(line);
                    messy.push('\n');
                    continue;
                }
                // Comments keep their text as written, so only code is perturbed.
                let (code, comment) = line.find("//").map_or((line, ""), |at| line.split_at(at));
                let mut in_string = false;
                for c in code.chars() {
                    messy.push(c);
                    if c == '"' {
                        in_string = !in_string;
                    }
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Lines with interpolations hold nested strings; leave them be.
                    if !in_string && !code.contains("${") && matches!(c, ' ' | ',') && state % 3 == 0 {
                        messy.push_str("  ");
                    }
                }
                messy.push_str(comment);
                messy.push('\n');
            }
            let canonical = format(&source).unwrap();
            let from_messy = format(&messy).map_err(|d| TestCaseError::fail(format!("{name}: {}", d.message)))?;
            prop_assert_eq!(from_messy, canonical, "{}", name);
        }
    }
}

/// Formats `source` and checks what a format-on-save relies on: the result parses to the same
/// program, formats to itself, and holds each comment exactly as often as the source.
fn formats_safely(source: &str) -> String {
    let once = format(source).unwrap_or_else(|d| panic!("{}\n{source}", d.message));
    assert_eq!(
        shape(&parse(&once).unwrap_or_else(|d| panic!("{}\n{once}", d.message))),
        shape(&parse(source).unwrap()),
        "the program changed:\n{once}"
    );
    assert_eq!(format(&once).unwrap(), once, "formatting twice changed it");
    for comment in ["/* c */", "// c"] {
        assert_eq!(
            once.matches(comment).count(),
            source.matches(comment).count(),
            "{comment} repeated or lost:\n{once}"
        );
    }
    once
}

fn in_mapping(statement: &str) -> String {
    format!(
        "mapping \"m\" {{\n  source autotask.Ticket\n  target fieldnation.WorkOrder\n  \
         title = \"x\"\n{statement}\n}}\n"
    )
}

#[test]
fn a_long_ranges_line_splits_into_arms_that_still_parse() {
    let once = formats_safely(&in_mapping(
        "  pay.base.amount = EstimatedHours ?? 1234567890 ?? 1234567890 | ranges { <= 2: 150, <= 4: 250, _: 400 }",
    ));
    assert!(once.contains("    <= 2: 150,\n    <= 4: 250,\n"), "{once}");
}

#[test]
fn a_comment_inside_an_expression_is_kept_once() {
    formats_safely(&in_mapping("  description.html = Title /* c */ ?? \"x\""));
    formats_safely(&in_mapping("  description.html = // c\n    Title"));
}

#[test]
fn let_bindings_and_if_align_and_format_idempotently() {
    let once = formats_safely(&in_mapping(
        "  let   site_zone= Account.State|site_zone\n  let hours_on_site =if EstimatedHours>8 then 8 else EstimatedHours\n  \
         schedule.service_window.end = DueDateTime+hours( hours_on_site )\n  \
         custom_fields[131] = DueDateTime at(site_zone)|format(\"h:mm A\")",
    ));
    // `let` lines align their `=` with the assignments around them.
    assert!(
        once.contains("  let site_zone               = Account.State | site_zone\n"),
        "{once}"
    );
    assert!(
        once.contains(
            "  let hours_on_site           = if EstimatedHours > 8 then 8 else EstimatedHours\n"
        ),
        "{once}"
    );
    assert!(
        once.contains("DueDateTime at (site_zone) | format(\"h:mm A\")"),
        "{once}"
    );
}

#[test]
fn helpers_format_on_one_line_each_and_keep_their_comments() {
    let once = formats_safely(
        "// Shared.\nlet   site_zone  for Ticket=Account.State|state_zone\n\
         let window for Ticket = hours( EstimatedHours ?? 4 ) // the estimate\n\
         let call_zone for ServiceCall = /* where */ Account.State | state_zone\n\
         table state_zone: string -> zone {\n  _ => \"America/Chicago\"\n}\n",
    );
    assert!(
        once.starts_with(
            "// Shared.\nlet site_zone for Ticket = Account.State | state_zone\n\n\
             let window for Ticket = hours(EstimatedHours ?? 4)  // the estimate\n\n\
             let call_zone for ServiceCall = /* where */ Account.State | state_zone\n"
        ),
        "{once}"
    );
}
