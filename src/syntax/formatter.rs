//! The canonical layout of a mapping file: two-space indents, one blank line between items,
//! blank lines between statements kept (at most one), `=` and `=>` aligned within a run of
//! consecutive lines, canonical spacing and only the parentheses precedence needs. Comments are
//! kept where they were; a statement with a comment inside it keeps its own text.

use super::ast::*;
use super::comments::{self, Comment};
use super::{Span, parse};
use crate::diagnostics::{Code, Diagnostic};

/// Lines longer than this break at the top-level `and`/`or` of a trigger, and inline
/// `match`/`ranges` blocks go multi-line.
const WIDTH: usize = 100;

/// Formats a whole file; fails when the file does not parse. The result is checked before it
/// is returned: it must parse and format to itself, so a formatter bug leaves a file as it
/// was (with FM0190) instead of rewriting it into something else.
pub fn format(source: &str) -> Result<String, Diagnostic> {
    let once = format_once(source)?;
    match format_once(&once) {
        Ok(twice) if twice == once => Ok(once),
        _ => Err(Diagnostic::new(
            Code::FormatterUnsafe,
            Span::new(0, 0),
            "the formatter could not keep this file's meaning and leaves it unchanged",
        )
        .with_help("please report the file; `fieldmap check` is not affected")),
    }
}

fn format_once(source: &str) -> Result<String, Diagnostic> {
    let file = parse(source)?;
    let mut f = Formatter {
        source,
        comments: comments::scan(source),
        next_comment: 0,
        out: String::new(),
    };
    f.file(&file);
    Ok(f.out)
}

struct Formatter<'s> {
    source: &'s str,
    comments: Vec<Comment>,
    next_comment: usize,
    out: String,
}

/// One statement, rendered, with what is needed to align and place it.
struct Line {
    span: Span,
    /// Text before the aligned token (`location.city`), or the whole line.
    head: String,
    /// The aligned token and what follows (`= Account.City`), if the line aligns.
    tail: Option<(&'static str, String)>,
    /// Verbatim text kept because a comment sits inside the statement.
    verbatim: bool,
}

impl<'s> Formatter<'s> {
    fn file(&mut self, file: &File) {
        for (i, item) in file.items.iter().enumerate() {
            let span = item.span();
            self.leading_comments(span.start, 0, i > 0);
            match item {
                Item::Import(i) => self
                    .out
                    .push_str(&format!("import {}", string_literal(&i.path.value))),
                Item::Helper(h) => self.helper(h),
                Item::Mapping(m) => self.mapping(m),
                Item::Table(t) => self.table(t),
                Item::OnEvent(on) => self.on_event(on),
            }
            self.trailing_comment(span.end);
            self.out.push('\n');
        }
        self.leading_comments(self.source.len(), 0, !file.items.is_empty());
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
    }

    /// `let site_zone for Ticket = …`, or its text as written when a comment sits inside.
    fn helper(&mut self, h: &Helper) {
        let line = if self.has_comment_inside(h.span) {
            self.verbatim(h.span)
        } else {
            Line {
                span: h.span,
                head: format!("let {} for {}", h.name.name, h.entity.name),
                tail: Some(("=", expr_block(&h.value, 0))),
                verbatim: false,
            }
        };
        self.write_line(&line, 0, 0);
    }

    /// Writes the comments that stand before `at`, each on its own line. Between items a blank
    /// line separates; a blank line in the source before a comment is kept.
    fn leading_comments(&mut self, at: usize, indent: usize, separate: bool) {
        let mut first = true;
        while let Some(c) = self.comments.get(self.next_comment).cloned() {
            if c.span.start >= at {
                break;
            }
            self.next_comment += 1;
            let blank_before = first && separate || self.blank_line_before(c.span.start);
            if blank_before && !self.out.is_empty() && !self.out.ends_with("{\n") {
                self.blank_line();
            }
            self.push_indent(indent);
            self.out.push_str(&c.text);
            self.out.push('\n');
            first = false;
        }
        if (first && separate) || self.blank_line_before(at) {
            self.blank_line();
        }
    }

    /// A `// …` comment on the same line as the end of a statement stays at its end.
    fn trailing_comment(&mut self, end: usize) {
        if let Some(c) = self.comments.get(self.next_comment)
            && !self
                .source
                .get(end..c.span.start)
                .unwrap_or("\n")
                .contains('\n')
        {
            let text = c.text.clone();
            self.next_comment += 1;
            if self.out.ends_with('\n') {
                self.out.pop();
            }
            self.out.push_str("  ");
            self.out.push_str(&text);
        }
        if !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn blank_line(&mut self) {
        if !self.out.ends_with("\n\n") && !self.out.is_empty() {
            if !self.out.ends_with('\n') {
                self.out.push('\n');
            }
            self.out.push('\n');
        }
    }

    /// Whether the source has an empty line right before `at` (ignoring indentation).
    fn blank_line_before(&self, at: usize) -> bool {
        let before = self.source.get(..at).unwrap_or("");
        let trimmed = before.trim_end_matches([' ', '\t']);
        let Some(rest) = trimmed.strip_suffix('\n') else {
            return false;
        };
        rest.trim_end_matches([' ', '\t', '\r']).ends_with('\n')
    }

    fn push_indent(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }

    fn has_comment_inside(&self, span: Span) -> bool {
        self.comments[self.next_comment..]
            .iter()
            .any(|c| c.span.start > span.start && c.span.end < span.end)
    }

    /// Lines of a block, aligned in runs, with comments and blank lines kept.
    fn lines(&mut self, lines: Vec<Line>, indent: usize) {
        let mut run: Vec<Line> = Vec::new();
        let mut previous_end = 0;
        for line in lines {
            let breaks_run = self.comment_between(previous_end, line.span.start)
                || self.blank_line_before(line.span.start)
                || line.tail.is_none()
                || line.head.contains('\n')
                || run.last().is_some_and(|l: &Line| {
                    l.tail.as_ref().map(|t| t.0) != line.tail.as_ref().map(|t| t.0)
                });
            if breaks_run {
                self.flush(&mut run, indent);
            }
            previous_end = line.span.end;
            if line.tail.is_none() {
                self.flush(&mut run, indent);
                self.write_line(&line, 0, indent);
            } else {
                run.push(line);
            }
        }
        self.flush(&mut run, indent);
    }

    /// Whether a comment on a line of its own, not yet written, starts between two source
    /// positions. (A comment trailing the line at `from` does not count.)
    fn comment_between(&self, from: usize, to: usize) -> bool {
        self.comments[self.next_comment..].iter().any(|c| {
            c.span.start >= from
                && c.span.start < to
                && self
                    .source
                    .get(from..c.span.start)
                    .is_some_and(|gap| gap.contains('\n'))
        })
    }

    fn flush(&mut self, run: &mut Vec<Line>, indent: usize) {
        let width = run
            .iter()
            .filter(|l| !l.tail.as_ref().is_some_and(|(_, t)| t.contains('\n')))
            .map(|l| l.head.chars().count())
            .max()
            .unwrap_or(0);
        for line in run.drain(..) {
            self.write_line(&line, width, indent);
        }
    }

    fn write_line(&mut self, line: &Line, width: usize, indent: usize) {
        self.leading_comments(line.span.start, indent, false);
        self.push_indent(indent);
        if line.verbatim {
            self.out.push_str(&line.head);
            // The comments inside the statement went out with its text.
            while self
                .comments
                .get(self.next_comment)
                .is_some_and(|c| c.span.start < line.span.end)
            {
                self.next_comment += 1;
            }
        } else {
            self.out.push_str(&line.head);
            if let Some((token, rest)) = &line.tail {
                let pad = width.saturating_sub(line.head.chars().count());
                self.out.push_str(&" ".repeat(pad));
                self.out.push(' ');
                self.out.push_str(token);
                self.out.push(' ');
                self.out.push_str(rest);
            }
        }
        self.trailing_comment(line.span.end);
    }

    fn verbatim(&self, span: Span) -> Line {
        let text = self.source.get(span.range()).unwrap_or("").to_string();
        // Re-indent continuation lines relative to the first.
        Line {
            span,
            head: text,
            tail: None,
            verbatim: true,
        }
    }

    fn mapping(&mut self, m: &Mapping) {
        self.out
            .push_str(&format!("mapping {} {{\n", string_literal(&m.name.value)));
        let mut header = vec![
            Line {
                span: m.source.span,
                head: format!("source {}", qualified(&m.source)),
                tail: None,
                verbatim: false,
            },
            Line {
                span: m.target.span,
                head: format!("target {}", qualified(&m.target)),
                tail: None,
                verbatim: false,
            },
        ];
        for line in header.drain(..) {
            self.write_line(&line, 0, 1);
        }
        let mut body = Vec::new();
        for statement in &m.statements {
            let span = match statement {
                MappingStatement::Trigger(t) => t.span,
                MappingStatement::Let(l) => l.span,
                MappingStatement::Lookup(l) => l.span,
                MappingStatement::Assignment(a) => a.span,
            };
            if self.has_comment_inside(span) {
                body.push(self.verbatim(span));
                continue;
            }
            body.push(match statement {
                MappingStatement::Trigger(t) => Line {
                    span,
                    head: trigger(&t.condition),
                    tail: None,
                    verbatim: false,
                },
                MappingStatement::Let(l) => Line {
                    span,
                    head: format!("let {}", l.name.name),
                    tail: Some(("=", expr_block(&l.value, 1))),
                    verbatim: false,
                },
                MappingStatement::Lookup(l) => Line {
                    span,
                    head: format!("lookup {}", l.name.name),
                    tail: Some((
                        "=",
                        format!("{} where {}", l.entity.name, expr_block(&l.condition, 1)),
                    )),
                    verbatim: false,
                },
                MappingStatement::Assignment(a) => Line {
                    span,
                    head: target_path(&a.target),
                    tail: Some(("=", expr_block(&a.value, 1))),
                    verbatim: false,
                },
            });
        }
        if !body.is_empty() {
            self.blank_line();
        }
        self.lines(body, 1);
        self.leading_comments(m.span.end.saturating_sub(1), 1, false);
        self.out.push('}');
    }

    fn table(&mut self, t: &Table) {
        let key = match &t.key {
            TableKey::Field(q) => qualified(q),
            TableKey::Type(i) => i.name.clone(),
        };
        self.out.push_str(&format!(
            "table {}: {key} -> {} {{\n",
            t.name.name, t.value_type.name
        ));
        let lines = t.arms.iter().map(|arm| self.arm_line(arm, 1)).collect();
        self.lines(lines, 1);
        self.leading_comments(t.span.end.saturating_sub(1), 1, false);
        self.out.push('}');
    }

    fn arm_line(&self, arm: &Arm, indent: usize) -> Line {
        if self.has_comment_inside(arm.span) {
            return self.verbatim(arm.span);
        }
        Line {
            span: arm.span,
            head: patterns(&arm.patterns),
            tail: Some(("=>", expr_block(&arm.value, indent))),
            verbatim: false,
        }
    }

    fn on_event(&mut self, on: &OnEvent) {
        let entity = on
            .entity
            .as_ref()
            .map(|e| format!(" for {}", e.name))
            .unwrap_or_default();
        let condition = on
            .condition
            .as_ref()
            .map(|c| format!(" when {}", expr(c)))
            .unwrap_or_default();
        self.out
            .push_str(&format!("on {}{entity}{condition} {{\n", on.event.name));
        let mut lines = Vec::new();
        let mut notes = Vec::new();
        for statement in &on.statements {
            match statement {
                OutboundStatement::SetTicket {
                    record,
                    field,
                    value,
                    span,
                } => {
                    if self.has_comment_inside(*span) {
                        lines.push(self.verbatim(*span));
                        continue;
                    }
                    let field = match field {
                        TicketField::Field(i) => i.name.clone(),
                        TicketField::Udf(s) => format!("udf({})", string_literal(&s.value)),
                    };
                    lines.push(Line {
                        span: *span,
                        head: format!("{}.{field}", record.name),
                        tail: Some(("=", expr_block(value, 1))),
                        verbatim: false,
                    });
                }
                OutboundStatement::Note(note) => {
                    notes.push(note.span);
                    let kind = note
                        .kind
                        .as_ref()
                        .map(|k| format!(" {}", k.name))
                        .unwrap_or_default();
                    let mut head = format!("note{kind} {{\n");
                    let width = note
                        .fields
                        .iter()
                        .map(|f| f.name.name.len())
                        .max()
                        .unwrap_or(0);
                    for field in &note.fields {
                        head.push_str(&format!(
                            "    {:<width$} = {}\n",
                            field.name.name,
                            expr_block(&field.value, 2)
                        ));
                    }
                    head.push_str("  }");
                    let line = if self.has_comment_inside(note.span) {
                        self.verbatim(note.span)
                    } else {
                        Line {
                            span: note.span,
                            head,
                            tail: None,
                            verbatim: false,
                        }
                    };
                    lines.push(line);
                }
            }
        }
        self.lines(lines, 1);
        self.leading_comments(on.span.end.saturating_sub(1), 1, false);
        self.out.push('}');
    }
}

fn qualified(q: &QualifiedName) -> String {
    format!("{}.{}", q.qualifier.name, q.name.name)
}

fn target_path(path: &TargetPath) -> String {
    let mut out = String::new();
    for (i, segment) in path.segments.iter().enumerate() {
        match segment {
            TargetSegment::Field(ident) => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(&ident.name);
            }
            TargetSegment::Index { index, .. } => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

fn patterns(patterns: &[Pattern]) -> String {
    patterns
        .iter()
        .map(|p| match p {
            Pattern::Wildcard(_) => "_".to_string(),
            Pattern::Literal(lit, _) => literal(lit),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A trigger, broken before each top-level `and`/`or` when it is too long for one line.
fn trigger(condition: &Expr) -> String {
    let flat = format!("trigger when {}", expr(condition));
    if flat.chars().count() + 2 <= WIDTH {
        return flat;
    }
    let mut parts = Vec::new();
    split_chain(condition, &mut parts);
    let mut out = String::from("trigger when ");
    for (i, (op, part)) in parts.iter().enumerate() {
        if i > 0 {
            // The operator ends where `trigger when ` does, so operands line up.
            out.push_str(&format!("\n{op:>14} "));
        }
        out.push_str(part);
    }
    out
}

/// Flattens a left-leaning chain of one operator (`a and b and c`) into its parts.
fn split_chain(e: &Expr, parts: &mut Vec<(&'static str, String)>) {
    if let ExprKind::Binary { op, lhs, rhs, .. } = &e.kind
        && matches!(op, BinaryOp::And | BinaryOp::Or)
    {
        let same = |x: &Expr| matches!(&x.kind, ExprKind::Binary { op: o, .. } if o == op);
        if same(lhs) {
            split_chain(lhs, parts);
        } else {
            parts.push(("", expr_at(lhs, precedence_of(*op))));
        }
        parts.push((op.symbol(), expr_at(rhs, precedence_of(*op) + 1)));
        return;
    }
    parts.push(("", expr(e)));
}

/// An expression that may go multi-line (long `match`/`ranges`), at block depth `indent`.
fn expr_block(e: &Expr, indent: usize) -> String {
    let flat = expr(e);
    if flat.chars().count() + 2 * indent + 30 <= WIDTH || !has_block(e) {
        return flat;
    }
    expr_multiline(e, indent)
}

fn has_block(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Match { .. } | ExprKind::Ranges { .. } => true,
        ExprKind::Binary { rhs, .. } => has_block(rhs),
        _ => false,
    }
}

fn expr_multiline(e: &Expr, indent: usize) -> String {
    let pad = "  ".repeat(indent + 1);
    let close = "  ".repeat(indent);
    match &e.kind {
        ExprKind::Match { subject, arms } => {
            let subject = subject
                .as_ref()
                .map(|s| format!(" {}", expr(s)))
                .unwrap_or_default();
            let width = arms
                .iter()
                .map(|a| patterns(&a.patterns).chars().count())
                .max()
                .unwrap_or(0);
            let mut out = format!("match{subject} {{\n");
            for arm in arms {
                let p = patterns(&arm.patterns);
                let fill = " ".repeat(width - p.chars().count());
                out.push_str(&format!("{pad}{p}{fill} => {}\n", expr(&arm.value)));
            }
            out.push_str(&close);
            out.push('}');
            out
        }
        ExprKind::Ranges { subject, arms } => {
            let subject = subject
                .as_ref()
                .map(|s| format!(" {}", expr(s)))
                .unwrap_or_default();
            let mut out = format!("ranges{subject} {{\n");
            for arm in arms {
                // The comma is needed: `150\n<= 4: 250` would read as `150 <= 4`.
                out.push_str(&format!(
                    "{pad}{}: {},\n",
                    range_bound(&arm.bound),
                    expr(&arm.value)
                ));
            }
            out.push_str(&close);
            out.push('}');
            out
        }
        ExprKind::Binary { op, lhs, rhs, .. } => {
            let p = precedence_of(*op);
            let (lp, rp) = if *op == BinaryOp::Coalesce {
                (p + 1, p)
            } else {
                (p, p + 1)
            };
            let right = if precedence(rhs) < rp {
                format!("({})", expr_multiline(rhs, indent))
            } else {
                expr_multiline(rhs, indent)
            };
            format!("{} {} {right}", expr_at(lhs, lp), op.symbol())
        }
        _ => expr(e),
    }
}

// Binding strength, loosest first; must agree with the Pratt table in parser.rs.
/// `if … then … else …` binds loosest: its `else` branch reaches as far as it can.
const IF: u8 = 0;
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARE: u8 = 4;
const PIPE: u8 = 5;
const COALESCE: u8 = 6;
const ADD: u8 = 7;
const MUL: u8 = 8;
const NEG: u8 = 9;
const POSTFIX: u8 = 10;
const PRIMARY: u8 = 11;

fn precedence_of(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::In => COMPARE,
        BinaryOp::Pipe => PIPE,
        BinaryOp::Coalesce => COALESCE,
        BinaryOp::Add | BinaryOp::Sub => ADD,
        BinaryOp::Mul | BinaryOp::Div => MUL,
    }
}

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => precedence_of(*op),
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => NOT,
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => NEG,
        ExprKind::AtZone { .. } | ExprKind::IsNull { .. } => POSTFIX,
        ExprKind::If { .. } => IF,
        // A negative number literal prints with its sign, like a negation.
        ExprKind::Literal(Literal::Int(i)) if *i < 0 => NEG,
        ExprKind::Literal(Literal::Decimal(d)) if d.is_sign_negative() => NEG,
        _ => PRIMARY,
    }
}

/// An expression on one line, parenthesized if it binds looser than `min`.
fn expr_at(e: &Expr, min: u8) -> String {
    let text = expr(e);
    if precedence(e) < min {
        format!("({text})")
    } else {
        text
    }
}

/// One expression in canonical form, on one line.
pub fn format_expr(e: &Expr) -> String {
    expr(e)
}

fn expr(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Literal(lit) => literal(lit),
        ExprKind::Template(parts) => {
            let mut out = String::from("\"");
            for part in parts {
                match part {
                    TemplatePart::Text(t) => out.push_str(&escape(t)),
                    TemplatePart::Expr(e) => {
                        out.push_str("${");
                        out.push_str(&expr(e));
                        out.push('}');
                    }
                }
            }
            out.push('"');
            out
        }
        ExprKind::Path(p) => path(p),
        ExprKind::Call { name, args } => {
            let args: Vec<String> = args.iter().map(expr).collect();
            format!("{}({})", name.name, args.join(", "))
        }
        ExprKind::List(items) => {
            let items: Vec<String> = items.iter().map(expr).collect();
            format!("[{}]", items.join(", "))
        }
        ExprKind::Unary { op, operand } => match op {
            UnaryOp::Not => format!("not {}", expr_at(operand, NOT)),
            UnaryOp::Neg => format!("-{}", expr_at(operand, NEG + 1)),
        },
        ExprKind::Binary { op, lhs, rhs, .. } => {
            let p = precedence_of(*op);
            let (lp, rp) = if *op == BinaryOp::Coalesce {
                (p + 1, p)
            } else {
                (p, p + 1)
            };
            format!("{} {} {}", expr_at(lhs, lp), op.symbol(), expr_at(rhs, rp))
        }
        ExprKind::AtZone { value, zone } => {
            let zone = match zone {
                ZoneRef::Name(name) => string_literal(&name.value),
                ZoneRef::Computed(zone) => format!("({})", expr(zone)),
            };
            format!("{} at {zone}", expr_at(value, POSTFIX))
        }
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => format!(
            "if {} then {} else {}",
            expr(condition),
            expr(then),
            expr(otherwise)
        ),
        ExprKind::IsNull { value, negated } => {
            format!(
                "{} is {}null",
                expr_at(value, POSTFIX),
                if *negated { "not " } else { "" }
            )
        }
        ExprKind::Match { subject, arms } => {
            let subject = subject
                .as_ref()
                .map(|s| format!(" {}", expr(s)))
                .unwrap_or_default();
            let arms: Vec<String> = arms
                .iter()
                .map(|a| format!("{} => {}", patterns(&a.patterns), expr(&a.value)))
                .collect();
            format!("match{subject} {{ {} }}", arms.join(", "))
        }
        ExprKind::Ranges { subject, arms } => {
            let subject = subject
                .as_ref()
                .map(|s| format!(" {}", expr(s)))
                .unwrap_or_default();
            let arms: Vec<String> = arms
                .iter()
                .map(|a| format!("{}: {}", range_bound(&a.bound), expr(&a.value)))
                .collect();
            format!("ranges{subject} {{ {} }}", arms.join(", "))
        }
        ExprKind::Jsonnet { reads, code, .. } => {
            let reads: Vec<String> = reads.iter().map(path).collect();
            format!("jsonnet({}) |||{code}|||", reads.join(", "))
        }
    }
}

fn range_bound(bound: &RangeBound) -> String {
    match bound {
        RangeBound::AtMost(d, _) => format!("<= {d}"),
        RangeBound::Below(d, _) => format!("< {d}"),
        RangeBound::Otherwise(_) => "_".into(),
    }
}

fn path(p: &Path) -> String {
    p.segments
        .iter()
        .map(|s| match s {
            PathSegment::Field(i) => i.name.clone(),
            PathSegment::Udf(s) => format!("udf({})", string_literal(&s.value)),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn literal(lit: &Literal) -> String {
    match lit {
        Literal::Null => "null".into(),
        Literal::Bool(b) => b.to_string(),
        Literal::Int(i) => i.to_string(),
        Literal::Decimal(d) => d.to_string(),
        Literal::String(s) => string_literal(s),
        Literal::Duration(d) => d.clone(),
    }
}

fn string_literal(value: &str) -> String {
    format!("\"{}\"", escape(value))
}

/// Text as it must be written inside a string literal to read back as `text`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
