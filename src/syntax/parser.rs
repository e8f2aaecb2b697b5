//! Text to AST with pest. The parser never panics: every shape the grammar guarantees is still
//! checked, and any surprise becomes a syntax diagnostic.

use std::sync::LazyLock;

use pest::Parser as _;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;

use super::Span;
use super::ast::*;
use super::statement_recovery::{Failure, ItemKind, errors_in_item};
use crate::diagnostics::{Code, Diagnostic};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/fieldmap.pest"]
struct Grammar;

/// Deeper nesting than this is rejected before pest sees it, so neither pest nor the
/// recursive passes after it can exhaust the stack.
const MAX_NESTING: usize = 64;
/// Longest operator chain in one expression.
const MAX_CHAIN: usize = 256;

/// Parses a whole mapping file; a file with syntax errors gives the first.
pub fn parse(source: &str) -> Result<File, Diagnostic> {
    parse_all(source).map_err(|mut errors| errors.swap_remove(0))
}

/// Parses a whole mapping file; a file with syntax errors gives the first error of every broken
/// statement of every item, in the order of the file (never an empty list).
pub fn parse_all(source: &str) -> Result<File, Vec<Diagnostic>> {
    check_nesting(source).map_err(|d| vec![d])?;
    check_closed(source).map_err(|d| vec![d])?;
    match parse_items(source, true) {
        Ok(file) => Ok(file),
        Err(first) => Err(errors_per_item(source).unwrap_or_else(|| vec![first])),
    }
}

/// The file (or one item of it, when `ends_file` is false) as one parse, and its first error.
fn parse_items(source: &str, ends_file: bool) -> Result<File, Diagnostic> {
    let mut pairs = Grammar::parse(Rule::file, source)
        .map_err(|e| with_open_block(syntax_error(e), source, ends_file))?;
    let file = pairs.next().ok_or_else(|| internal(Span::default()))?;
    let mut items = Vec::new();
    for pair in file.into_inner() {
        match pair.as_rule() {
            Rule::import => {
                let span: Span = pair.as_span().into();
                let mut inner = pair.into_inner();
                next(&mut inner, span)?; // `import`
                let path = plain_string(next(&mut inner, span)?)?;
                items.push(Item::Import(Import { path, span }));
            }
            Rule::helper => items.push(Item::Helper(helper(pair)?)),
            Rule::mapping => items.push(Item::Mapping(mapping(pair)?)),
            Rule::table => items.push(Item::Table(table(pair)?)),
            Rule::on_event => items.push(Item::OnEvent(on_event(pair)?)),
            Rule::EOI => {}
            _ => return Err(unexpected(&pair)),
        }
    }
    Ok(File { items })
}

/// Each top-level item parsed on its own, and a failing one statement by statement, for the
/// errors of each; `None` when no piece fails alone (the cut missed), so the caller keeps the
/// whole file's error.
fn errors_per_item(source: &str) -> Option<Vec<Diagnostic>> {
    let starts = super::recovery::item_starts(source);
    let ends = starts.iter().skip(1).copied().chain([source.len()]);
    let errors: Vec<Diagnostic> = starts
        .iter()
        .zip(ends)
        .filter_map(|(&start, end)| {
            let piece = &source[start..end];
            let first = parse_items(piece, end == source.len()).err()?;
            let ends_file = end == source.len();
            let parse_alone = |kind, text: &str| statement_alone(kind, text, ends_file);
            Some((start, errors_in_item(piece, first, parse_alone)))
        })
        .flat_map(|(start, errors)| {
            errors
                .into_iter()
                .map(move |d| super::recovery::shifted(d, start))
        })
        .collect();
    (!errors.is_empty()).then_some(errors)
}

/// One statement of an item's body parsed on its own (and built, so that a number too large
/// is found too), for the errors of an item that failed. A statement that opens a block and
/// never closes it is the last of its item, which `ends_file` or not.
fn statement_alone(kind: ItemKind, text: &str, ends_file: bool) -> Result<(), Failure> {
    let rule = match kind {
        ItemKind::Mapping => Rule::mapping_stmt_alone,
        ItemKind::OnEvent => Rule::outbound_stmt_alone,
        ItemKind::Table => Rule::arm_alone,
    };
    let mut pairs = Grammar::parse(rule, text).map_err(|mut error| {
        // The statement's end is not the file's: "expected end of file" would mislead.
        if let pest::error::ErrorVariant::ParsingError { positives, .. } = &mut error.variant {
            positives.retain(|rule| *rule != Rule::EOI);
        }
        Failure::Grammar(with_open_block(syntax_error(error), text, ends_file))
    })?;
    let whole = pairs
        .next()
        .ok_or_else(|| Failure::Grammar(internal(Span::default())))?;
    for pair in whole.into_inner() {
        let built = match pair.as_rule() {
            Rule::source_decl | Rule::target_decl => {
                first_inner(pair).and_then(qualified_name).map(drop)
            }
            Rule::ticket_assign | Rule::note_block => outbound_statement(pair).map(drop),
            Rule::arm => arm(pair).map(drop),
            Rule::EOI => Ok(()),
            _ => mapping_statement(pair).map(drop),
        };
        built.map_err(Failure::Value)?;
    }
    Ok(())
}

/// Parses one expression on its own (for tests, the REPL-like tools and the Jsonnet paths).
pub fn parse_expr(source: &str) -> Result<Expr, Diagnostic> {
    check_nesting(source)?;
    let mut pairs = Grammar::parse(Rule::expr, source).map_err(syntax_error)?;
    let pair = pairs.next().ok_or_else(|| internal(Span::default()))?;
    if pair.as_span().end() != source.trim_end().len() {
        let at = pair.as_span().end();
        return Err(Diagnostic::new(
            Code::Syntax,
            Span::new(at, source.len()),
            "unexpected text after the expression",
        ));
    }
    expr(pair)
}

/// When the file (or the item, before the next one begins) ends while a block is still open,
/// say which block and that it needs its `}`.
fn with_open_block(diagnostic: Diagnostic, source: &str, ends_file: bool) -> Diagnostic {
    let at_end = source
        .get(diagnostic.primary_span().start..)
        .is_some_and(|rest| rest.trim().is_empty());
    match super::comments::unclosed_block(source) {
        Some(open) if at_end => diagnostic
            .with_context(open, "this block is never closed: it needs a `}`")
            .with_note(if ends_file {
                "the file ends inside this block"
            } else {
                "the next item begins inside this block"
            }),
        _ => diagnostic,
    }
}

/// A string or comment left open is reported where it opens, not at the end of the file where
/// pest gives up.
fn check_closed(source: &str) -> Result<(), Diagnostic> {
    match super::comments::unclosed(source) {
        Some(u) => Err(Diagnostic::new(
            Code::Syntax,
            u.span,
            format!("this {} is never closed", u.what),
        )
        .with_label("opened here")
        .with_help("close it; everything after it was read as part of it")),
        None => Ok(()),
    }
}

fn check_nesting(source: &str) -> Result<(), Diagnostic> {
    match super::comments::too_deep(source, MAX_NESTING) {
        Some(at) => Err(Diagnostic::new(
            Code::TooDeep,
            Span::new(at, at + 1),
            format!("brackets are nested more than {MAX_NESTING} deep"),
        )
        .with_help("split the expression into a table or several assignments")),
        None => Ok(()),
    }
}

fn syntax_error(error: pest::error::Error<Rule>) -> Diagnostic {
    let span = match error.location {
        pest::error::InputLocation::Pos(p) => Span::new(p, p),
        pest::error::InputLocation::Span((s, e)) => Span::new(s, e),
    };
    let message = match &error.variant {
        pest::error::ErrorVariant::ParsingError {
            positives,
            negatives,
        } => describe_expected(positives, negatives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    Diagnostic::new(Code::Syntax, span, message).with_label("here")
}

fn describe_expected(positives: &[Rule], negatives: &[Rule]) -> String {
    let expects_assign = positives.contains(&Rule::assign_op);
    let mut names: Vec<&str> = positives
        .iter()
        .filter(|r| !(expects_assign && **r == Rule::index))
        .filter_map(|r| rule_name(*r))
        .collect();
    // After an operator pest lists every kind of operand it tried; that is "an expression".
    if [Rule::string, Rule::number, Rule::path]
        .iter()
        .all(|r| positives.contains(r))
    {
        const OPERANDS: [&str; 9] = [
            "`null`",
            "`true` or `false`",
            "a duration",
            "a list `[…]`",
            "a name",
            "a number",
            "a string",
            "a function call",
            "`if … then … else …`",
        ];
        names.retain(|name| !OPERANDS.contains(name));
        names.push("an expression");
    }
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [] if !negatives.is_empty() => "unexpected keyword".to_string(),
        [] => "unexpected text".to_string(),
        [one] => format!("expected {one}"),
        [init @ .., last] => format!("expected {} or {last}", init.join(", ")),
    }
}

/// Names for pest's rule list in "expected …" messages; `None` hides a rule.
fn rule_name(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI => "end of file",
        Rule::mapping => "`mapping`",
        Rule::table => "`table`",
        Rule::on_event => "`on`",
        Rule::on_entity => "`for <Entity>`",
        Rule::on_when => "`when …`",
        Rule::source_decl => "`source autotask.<Entity>`",
        Rule::target_decl => "`target fieldnation.WorkOrder`",
        Rule::trigger => "`trigger when …`",
        Rule::let_binding => "`let name = …`",
        Rule::helper => "`let name for Entity = …`",
        Rule::lookup_decl => "`lookup Name = Entity where …`",
        Rule::kw_where => "`where`",
        Rule::import => "`import \"file.fmap\"`",
        Rule::if_expr => "`if … then … else …`",
        Rule::kw_then => "`then`",
        Rule::kw_else => "`else`",
        Rule::assignment | Rule::target_path => "an assignment `path = value`",
        Rule::expr => "an expression",
        Rule::ident | Rule::path | Rule::qualified_name => "a name",
        Rule::string => "a string",
        Rule::number | Rule::integer | Rule::decimal => "a number",
        Rule::duration => "a duration",
        Rule::boolean => "`true` or `false`",
        Rule::null => "`null`",
        Rule::call => "a function call",
        Rule::list => "a list `[…]`",
        Rule::arm => "an arm `value => result`",
        Rule::range_arm => "a range arm `<= n: value`",
        Rule::wildcard => "`_`",
        Rule::index => "an index `[n]`",
        Rule::assign_op => "`=`",
        Rule::ticket_assign => "`ticket.<Field> = …`",
        Rule::note_block => "`note { … }`",
        Rule::note_field => "a note field `name = value`",
        Rule::note_kind => "`internal` or `external`",
        Rule::event_name => "an event name",
        Rule::text_block => "a `|||` text block",
        Rule::or_op
        | Rule::and_op
        | Rule::eq_op
        | Rule::ne_op
        | Rule::le_op
        | Rule::ge_op
        | Rule::lt_op
        | Rule::gt_op
        | Rule::in_op
        | Rule::coalesce_op
        | Rule::pipe_op
        | Rule::add_op
        | Rule::sub_op
        | Rule::mul_op
        | Rule::div_op => "an operator",
        Rule::at_zone | Rule::is_null | Rule::is_not_null => "an operator",
        Rule::not_op | Rule::neg_op => "an expression",
        _ => return None,
    })
}

fn internal(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        span,
        "the parser met a shape it does not know",
    )
}

fn unexpected(pair: &Pair<Rule>) -> Diagnostic {
    Diagnostic::new(
        Code::Syntax,
        pair.as_span().into(),
        format!("unexpected {:?} here", pair.as_rule()),
    )
}

fn next<'a>(pairs: &mut Pairs<'a, Rule>, parent: Span) -> Result<Pair<'a, Rule>, Diagnostic> {
    pairs.next().ok_or_else(|| internal(parent))
}

fn ident(pair: Pair<Rule>) -> Ident {
    Ident {
        name: pair.as_str().to_string(),
        span: pair.as_span().into(),
    }
}

fn qualified_name(pair: Pair<Rule>) -> Result<QualifiedName, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut inner = pair.into_inner();
    let qualifier = ident(next(&mut inner, span)?);
    let name = ident(next(&mut inner, span)?);
    Ok(QualifiedName {
        qualifier,
        name,
        span,
    })
}

fn helper(pair: Pair<Rule>) -> Result<Helper, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut parts = pair.into_inner();
    next(&mut parts, span)?; // `let`
    let name = ident(next(&mut parts, span)?);
    next(&mut parts, span)?; // `for`
    let entity = ident(next(&mut parts, span)?);
    next(&mut parts, span)?; // `=`
    let value = expr(next(&mut parts, span)?)?;
    Ok(Helper {
        name,
        entity,
        span: Span::new(span.start, value.span.end),
        value,
    })
}

fn mapping(pair: Pair<Rule>) -> Result<Mapping, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut inner = pair.into_inner();
    let name = plain_string(next(&mut inner, span)?)?;
    let source = qualified_name(first_inner(next(&mut inner, span)?)?)?;
    let target = qualified_name(first_inner(next(&mut inner, span)?)?)?;
    let statements = inner.map(mapping_statement).collect::<Result<_, _>>()?;
    Ok(Mapping {
        name,
        source,
        target,
        statements,
        span,
    })
}

/// One statement of a mapping's body (never `source` or `target`, which come first).
fn mapping_statement(stmt: Pair<Rule>) -> Result<MappingStatement, Diagnostic> {
    let stmt_span: Span = stmt.as_span().into();
    match stmt.as_rule() {
        Rule::trigger => {
            let condition = expr(first_inner(stmt)?)?;
            Ok(MappingStatement::Trigger(Trigger {
                span: Span::new(stmt_span.start, condition.span.end),
                condition,
            }))
        }
        Rule::let_binding => {
            let mut parts = stmt.into_inner();
            next(&mut parts, stmt_span)?; // `let`
            let name = ident(next(&mut parts, stmt_span)?);
            next(&mut parts, stmt_span)?; // `=`
            let value = expr(next(&mut parts, stmt_span)?)?;
            Ok(MappingStatement::Let(Let {
                name,
                span: Span::new(stmt_span.start, value.span.end),
                value,
            }))
        }
        Rule::lookup_decl => {
            let mut parts = stmt.into_inner();
            next(&mut parts, stmt_span)?; // `lookup`
            let name = ident(next(&mut parts, stmt_span)?);
            next(&mut parts, stmt_span)?; // `=`
            let entity = ident(next(&mut parts, stmt_span)?);
            next(&mut parts, stmt_span)?; // `where`
            let condition = expr(next(&mut parts, stmt_span)?)?;
            Ok(MappingStatement::Lookup(Lookup {
                name,
                entity,
                span: Span::new(stmt_span.start, condition.span.end),
                condition,
            }))
        }
        Rule::assignment => {
            let mut parts = stmt.into_inner();
            let target = target_path(next(&mut parts, stmt_span)?)?;
            next(&mut parts, stmt_span)?; // `=`
            let value = expr(next(&mut parts, stmt_span)?)?;
            Ok(MappingStatement::Assignment(Assignment {
                target,
                span: Span::new(stmt_span.start, value.span.end),
                value,
            }))
        }
        _ => Err(unexpected(&stmt)),
    }
}

fn next_expr<'a>(
    pairs: &mut impl Iterator<Item = Pair<'a, Rule>>,
    parent: Span,
) -> Result<Pair<'a, Rule>, Diagnostic> {
    pairs.next().ok_or_else(|| internal(parent))
}

fn first_inner(pair: Pair<Rule>) -> Result<Pair<Rule>, Diagnostic> {
    let span = pair.as_span().into();
    pair.into_inner().next().ok_or_else(|| internal(span))
}

fn target_path(pair: Pair<Rule>) -> Result<TargetPath, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut segments = Vec::new();
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::ident => segments.push(TargetSegment::Field(ident(part))),
            Rule::index => {
                let index_span: Span = part.as_span().into();
                let digits = first_inner(part)?;
                let index = digits.as_str().parse::<u64>().map_err(|_| {
                    Diagnostic::new(Code::BadNumber, index_span, "this index is too large")
                })?;
                segments.push(TargetSegment::Index {
                    index,
                    span: index_span,
                });
            }
            _ => return Err(unexpected(&part)),
        }
    }
    // pest's span of a rule that ends in a repetition runs on over trailing blanks.
    let end = segments.last().map_or(span.end, |s| s.span().end);
    Ok(TargetPath {
        segments,
        span: Span::new(span.start, end),
    })
}

fn table(pair: Pair<Rule>) -> Result<Table, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut inner = pair.into_inner();
    let name = ident(next(&mut inner, span)?);
    let key_pair = first_inner(next(&mut inner, span)?)?;
    let key = match key_pair.as_rule() {
        Rule::qualified_name => TableKey::Field(qualified_name(key_pair)?),
        _ => TableKey::Type(ident(key_pair)),
    };
    let value_type = ident(next(&mut inner, span)?);
    let arms = inner.map(arm).collect::<Result<_, _>>()?;
    Ok(Table {
        name,
        key,
        value_type,
        arms,
        span,
    })
}

fn arm(pair: Pair<Rule>) -> Result<Arm, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut inner = pair.into_inner();
    let patterns_pair = next(&mut inner, span)?;
    let mut patterns = Vec::new();
    for p in patterns_pair.into_inner() {
        let p_span: Span = p.as_span().into();
        patterns.push(match p.as_rule() {
            Rule::wildcard => Pattern::Wildcard(p_span),
            _ => Pattern::Literal(literal(p)?, p_span),
        });
    }
    let value = expr(next(&mut inner, span)?)?;
    Ok(Arm {
        patterns,
        span: Span::new(span.start, value.span.end),
        value,
    })
}

fn on_event(pair: Pair<Rule>) -> Result<OnEvent, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut inner = pair.into_inner();
    let event = ident(next(&mut inner, span)?);
    let mut entity = None;
    let mut condition = None;
    let mut statements = Vec::new();
    for stmt in inner {
        let stmt_span: Span = stmt.as_span().into();
        match stmt.as_rule() {
            Rule::on_entity => {
                let mut parts = stmt.into_inner();
                next(&mut parts, stmt_span)?; // `for`
                entity = Some(ident(next(&mut parts, stmt_span)?));
            }
            Rule::on_when => condition = Some(expr(first_inner(stmt)?)?),
            Rule::ticket_assign | Rule::note_block => statements.push(outbound_statement(stmt)?),
            _ => return Err(unexpected(&stmt)),
        }
    }
    Ok(OnEvent {
        event,
        entity,
        condition,
        statements,
        span,
    })
}

/// One statement of an outbound rule's body: `ticket.Field = …` or `note { … }`.
fn outbound_statement(stmt: Pair<Rule>) -> Result<OutboundStatement, Diagnostic> {
    let stmt_span: Span = stmt.as_span().into();
    match stmt.as_rule() {
        Rule::ticket_assign => {
            let mut parts = stmt.into_inner();
            let record = ident(next(&mut parts, stmt_span)?);
            let field_pair = next(&mut parts, stmt_span)?;
            let field = match field_pair.as_rule() {
                Rule::udf_ref => TicketField::Udf(plain_string(first_inner(field_pair)?)?),
                _ => TicketField::Field(ident(field_pair)),
            };
            next(&mut parts, stmt_span)?; // `=`
            let value = expr(next(&mut parts, stmt_span)?)?;
            Ok(OutboundStatement::SetTicket {
                record,
                field,
                span: Span::new(stmt_span.start, value.span.end),
                value,
            })
        }
        Rule::note_block => {
            let mut kind = None;
            let mut fields = Vec::new();
            for part in stmt.into_inner() {
                match part.as_rule() {
                    Rule::note_kind => kind = Some(ident(part)),
                    Rule::note_field => {
                        let field_span: Span = part.as_span().into();
                        let mut f = part.into_inner();
                        let name = ident(next(&mut f, field_span)?);
                        next(&mut f, field_span)?; // `=`
                        let value = expr(next(&mut f, field_span)?)?;
                        fields.push(NoteField {
                            name,
                            span: Span::new(field_span.start, value.span.end),
                            value,
                        });
                    }
                    _ => return Err(unexpected(&part)),
                }
            }
            Ok(OutboundStatement::Note(NoteBlock {
                kind,
                fields,
                span: stmt_span,
            }))
        }
        _ => Err(unexpected(&stmt)),
    }
}

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::not_op))
        .op(Op::infix(Rule::eq_op, Assoc::Left)
            | Op::infix(Rule::ne_op, Assoc::Left)
            | Op::infix(Rule::lt_op, Assoc::Left)
            | Op::infix(Rule::le_op, Assoc::Left)
            | Op::infix(Rule::gt_op, Assoc::Left)
            | Op::infix(Rule::ge_op, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left))
        // `a ?? b | f` reads left to right: `(a ?? b) | f`.
        .op(Op::infix(Rule::pipe_op, Assoc::Left))
        .op(Op::infix(Rule::coalesce_op, Assoc::Right))
        .op(Op::infix(Rule::add_op, Assoc::Left) | Op::infix(Rule::sub_op, Assoc::Left))
        .op(Op::infix(Rule::mul_op, Assoc::Left) | Op::infix(Rule::div_op, Assoc::Left))
        .op(Op::prefix(Rule::neg_op))
        .op(Op::postfix(Rule::at_zone)
            | Op::postfix(Rule::is_null)
            | Op::postfix(Rule::is_not_null))
});

fn expr(pair: Pair<Rule>) -> Result<Expr, Diagnostic> {
    let span: Span = pair.as_span().into();
    let pairs = pair.into_inner();
    if pairs.len() > MAX_CHAIN {
        return Err(Diagnostic::new(
            Code::TooDeep,
            span,
            format!("this expression chains more than {MAX_CHAIN} operators and operands"),
        ));
    }
    let parsed = PRATT
        .map_primary(operand)
        .map_prefix(|op, operand| {
            let operand = operand?;
            let op_span: Span = op.as_span().into();
            let op = match op.as_rule() {
                Rule::not_op => UnaryOp::Not,
                _ => UnaryOp::Neg,
            };
            Ok(Expr {
                span: op_span.to(operand.span),
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
            })
        })
        .map_postfix(|value, op| {
            let value = value?;
            let op_span: Span = op.as_span().into();
            let span = value.span.to(op_span);
            let kind = match op.as_rule() {
                Rule::at_zone => {
                    let zone = op.into_inner().find(|p| p.as_rule() != Rule::kw_at);
                    let zone = zone.ok_or_else(|| internal(op_span))?;
                    let zone = match zone.as_rule() {
                        Rule::string => ZoneRef::Name(plain_string(zone)?),
                        _ => ZoneRef::Computed(Box::new(expr(zone)?)),
                    };
                    ExprKind::AtZone {
                        value: Box::new(value),
                        zone,
                    }
                }
                Rule::is_null => ExprKind::IsNull {
                    value: Box::new(value),
                    negated: false,
                },
                _ => ExprKind::IsNull {
                    value: Box::new(value),
                    negated: true,
                },
            };
            Ok(Expr { kind, span })
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let op_span: Span = op.as_span().into();
            let op = match op.as_rule() {
                Rule::or_op => BinaryOp::Or,
                Rule::and_op => BinaryOp::And,
                Rule::eq_op => BinaryOp::Eq,
                Rule::ne_op => BinaryOp::Ne,
                Rule::lt_op => BinaryOp::Lt,
                Rule::le_op => BinaryOp::Le,
                Rule::gt_op => BinaryOp::Gt,
                Rule::ge_op => BinaryOp::Ge,
                Rule::in_op => BinaryOp::In,
                Rule::coalesce_op => BinaryOp::Coalesce,
                Rule::pipe_op => BinaryOp::Pipe,
                Rule::add_op => BinaryOp::Add,
                Rule::sub_op => BinaryOp::Sub,
                Rule::mul_op => BinaryOp::Mul,
                Rule::div_op => BinaryOp::Div,
                _ => return Err(unexpected(&op)),
            };
            Ok(Expr {
                span: lhs.span.to(rhs.span),
                kind: ExprKind::Binary {
                    op,
                    op_span,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
            })
        })
        .parse(pairs)?;
    if super::depth::depth(&parsed) > super::depth::MAX_DEPTH {
        return Err(Diagnostic::new(
            Code::TooDeep,
            span,
            format!(
                "this expression nests more than {} levels deep",
                super::depth::MAX_DEPTH
            ),
        )
        .with_help("split it into several assignments or a table"));
    }
    Ok(parsed)
}

fn operand(pair: Pair<Rule>) -> Result<Expr, Diagnostic> {
    let span: Span = pair.as_span().into();
    let kind = match pair.as_rule() {
        Rule::expr => return expr(pair),
        Rule::string => string(pair)?,
        Rule::number | Rule::boolean | Rule::null | Rule::duration => {
            ExprKind::Literal(literal(pair)?)
        }
        Rule::path => {
            let path = path(pair)?;
            return Ok(Expr {
                span: path.span,
                kind: ExprKind::Path(path),
            });
        }
        Rule::call => {
            let mut inner = pair.into_inner();
            let name = ident(next(&mut inner, span)?);
            let args = inner.map(expr).collect::<Result<_, _>>()?;
            ExprKind::Call { name, args }
        }
        Rule::if_expr => {
            let mut parts = pair.into_inner().filter(|p| p.as_rule() == Rule::expr);
            let mut branch = || -> Result<Box<Expr>, Diagnostic> {
                Ok(Box::new(expr(next_expr(&mut parts, span)?)?))
            };
            let (condition, then, otherwise) = (branch()?, branch()?, branch()?);
            // pest's span runs on over the blanks after the last branch.
            return Ok(Expr {
                span: Span::new(span.start, otherwise.span.end),
                kind: ExprKind::If {
                    condition,
                    then,
                    otherwise,
                },
            });
        }
        Rule::list => ExprKind::List(pair.into_inner().map(expr).collect::<Result<_, _>>()?),
        Rule::match_block => {
            let mut subject = None;
            let mut arms = Vec::new();
            for part in pair.into_inner() {
                match part.as_rule() {
                    Rule::kw_match => {}
                    Rule::expr => subject = Some(Box::new(expr(part)?)),
                    _ => arms.push(arm(part)?),
                }
            }
            ExprKind::Match { subject, arms }
        }
        Rule::ranges_block => {
            let mut subject = None;
            let mut arms = Vec::new();
            for part in pair.into_inner() {
                match part.as_rule() {
                    Rule::kw_ranges => {}
                    Rule::expr => subject = Some(Box::new(expr(part)?)),
                    _ => arms.push(range_arm(part)?),
                }
            }
            ExprKind::Ranges { subject, arms }
        }
        Rule::jsonnet_block => {
            let mut reads = Vec::new();
            let mut code = String::new();
            let mut code_span = span;
            let mut code_line = 1;
            for part in pair.into_inner() {
                match part.as_rule() {
                    Rule::path => reads.push(path(part)?),
                    _ => {
                        let body = first_inner(part)?;
                        code = body.as_str().to_string();
                        code_span = body.as_span().into();
                        code_line = body.line_col().0;
                    }
                }
            }
            ExprKind::Jsonnet {
                reads,
                code,
                code_span,
                code_line,
            }
        }
        _ => return Err(unexpected(&pair)),
    };
    Ok(Expr { kind, span })
}

fn range_arm(pair: Pair<Rule>) -> Result<RangeArm, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut inner = pair.into_inner();
    let bound_pair = next(&mut inner, span)?;
    let bound_span: Span = bound_pair.as_span().into();
    let bound = match bound_pair.as_rule() {
        Rule::wildcard => RangeBound::Otherwise(bound_span),
        _ => {
            let mut parts = bound_pair.into_inner();
            let op = next(&mut parts, bound_span)?;
            let number = next(&mut parts, bound_span)?;
            let value = parse_decimal(number.as_str(), bound_span)?;
            match op.as_rule() {
                Rule::lt_op => RangeBound::Below(value, bound_span),
                _ => RangeBound::AtMost(value, bound_span),
            }
        }
    };
    let value = expr(next(&mut inner, span)?)?;
    Ok(RangeArm {
        bound,
        span: Span::new(span.start, value.span.end),
        value,
    })
}

fn path(pair: Pair<Rule>) -> Result<Path, Diagnostic> {
    let span: Span = pair.as_span().into();
    let mut segments = Vec::new();
    for part in pair.into_inner() {
        segments.push(match part.as_rule() {
            Rule::udf_ref => PathSegment::Udf(plain_string(first_inner(part)?)?),
            _ => PathSegment::Field(ident(part)),
        });
    }
    let end = segments.last().map_or(span.end, |s| s.span().end);
    Ok(Path {
        segments,
        span: Span::new(span.start, end),
    })
}

fn literal(pair: Pair<Rule>) -> Result<Literal, Diagnostic> {
    let span: Span = pair.as_span().into();
    let text = pair.as_str();
    Ok(match pair.as_rule() {
        Rule::null => Literal::Null,
        Rule::boolean => Literal::Bool(text == "true"),
        Rule::duration => Literal::Duration(text.to_string()),
        Rule::number => {
            if text.contains('.') {
                Literal::Decimal(parse_decimal(text, span)?)
            } else {
                Literal::Int(text.parse::<i64>().map_err(|_| {
                    Diagnostic::new(
                        Code::BadNumber,
                        span,
                        "this integer does not fit in 64 bits",
                    )
                })?)
            }
        }
        Rule::string => match string(pair)? {
            ExprKind::Literal(lit) => lit,
            _ => {
                return Err(Diagnostic::new(
                    Code::Syntax,
                    span,
                    "a pattern must be a plain string, without `${…}`",
                ));
            }
        },
        _ => return Err(internal(span)),
    })
}

fn parse_decimal(text: &str, span: Span) -> Result<Decimal, Diagnostic> {
    text.parse::<Decimal>().map_err(|_| {
        Diagnostic::new(
            Code::BadNumber,
            span,
            "this number is out of range for a decimal",
        )
    })
}

/// A string literal; with interpolations it becomes a template.
fn string(pair: Pair<Rule>) -> Result<ExprKind, Diagnostic> {
    let mut parts: Vec<TemplatePart> = Vec::new();
    let mut text = String::new();
    for part in pair.into_inner() {
        match part.as_rule() {
            Rule::text => text.push_str(part.as_str()),
            Rule::escape => text.push(unescape(&part)?),
            Rule::interpolation => {
                if !text.is_empty() {
                    parts.push(TemplatePart::Text(std::mem::take(&mut text)));
                }
                parts.push(TemplatePart::Expr(expr(first_inner(part)?)?));
            }
            _ => return Err(unexpected(&part)),
        }
    }
    if parts.is_empty() {
        return Ok(ExprKind::Literal(Literal::String(text)));
    }
    if !text.is_empty() {
        parts.push(TemplatePart::Text(text));
    }
    Ok(ExprKind::Template(parts))
}

fn unescape(pair: &Pair<Rule>) -> Result<char, Diagnostic> {
    let text = pair.as_str();
    Ok(match text {
        "\\\"" => '"',
        "\\\\" => '\\',
        "\\n" => '\n',
        "\\t" => '\t',
        "\\r" => '\r',
        "\\$" => '$',
        _ => {
            let hex = text.trim_start_matches("\\u{").trim_end_matches('}');
            u32::from_str_radix(hex, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    Diagnostic::new(
                        Code::Syntax,
                        pair.as_span().into(),
                        format!("`{text}` is not a Unicode scalar value"),
                    )
                })?
        }
    })
}

/// A string that must not interpolate: names, zones, formats.
fn plain_string(pair: Pair<Rule>) -> Result<StringLit, Diagnostic> {
    let span: Span = pair.as_span().into();
    match string(pair)? {
        ExprKind::Literal(Literal::String(value)) => Ok(StringLit { value, span }),
        _ => Err(Diagnostic::new(
            Code::Syntax,
            span,
            "this string must be plain text, without `${…}`",
        )),
    }
}

// pest's spans become ours at the parser's edge, so diagnostics need not know pest.
impl From<pest::Span<'_>> for Span {
    fn from(span: pest::Span<'_>) -> Self {
        Span::new(span.start(), span.end())
    }
}
