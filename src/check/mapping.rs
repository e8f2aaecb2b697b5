//! Checking one `mapping` block: source and target, triggers, assignments; building the
//! work order shape and the fetch plan.

use std::collections::BTreeMap;

use super::Checker;
use super::path::{Scope, ScopeKind};
use super::target::{Step, Target};
use crate::diagnostics::Span;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    self, BodyShape, EntityFetch, FetchPlan, MappingProgram, OutNode, RelatedFetch, Rule,
};
use crate::schema::CONTACT_ROLES;
use crate::syntax::ast::{self, Mapping, MappingStatement};
use crate::value::Type;
use crate::value::Value;

impl<'a> Checker<'a> {
    pub(super) fn mapping(&mut self, m: &'a Mapping) -> Option<MappingProgram> {
        let source = self.source_entity(m);
        self.target_object(m);
        let source = source?;
        let mut scope = Scope::new(ScopeKind::Mapping, source);
        let mut triggers = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        let mut placed: Vec<(Target<'a>, u32)> = Vec::new();
        // Ordered, so the targets inside one are found by a range instead of a scan of all.
        let mut seen: BTreeMap<String, Span> = BTreeMap::new();
        let mut written = Vec::new();
        for statement in &m.statements {
            match statement {
                MappingStatement::Trigger(t) => {
                    let lowered = self.lower(&t.condition, &mut scope);
                    self.check_dependent_picklists(&t.condition, source, None);
                    self.expect(
                        &lowered.ty,
                        &Type::Bool,
                        t.condition.span,
                        "a trigger is a condition",
                    );
                    let query = ir::trigger_query(
                        &lowered.expr,
                        source,
                        &self.schemas.tenant,
                        &scope.relations_only(),
                    );
                    triggers.push(ir::Trigger {
                        condition: lowered.expr,
                        span: t.span,
                        query,
                    });
                    scope.reads.clear();
                }
                MappingStatement::Let(l) => self.let_binding(l, source, &mut scope),
                MappingStatement::Lookup(l) => self.lookup(l, source, &mut scope),
                MappingStatement::Assignment(a) => {
                    let target = self.resolve_target(&a.target);
                    let lowered = self.lower(&a.value, &mut scope);
                    let sources = std::mem::take(&mut scope.reads);
                    let Some(mut target) = target else { continue };
                    written.push(target.display());
                    let Some(emit) =
                        self.emit_for(&mut target, &lowered.ty, a.value.span, a.target.span)
                    else {
                        continue;
                    };
                    let shown = target.display();
                    if let Some(first) = seen.get(&shown) {
                        self.report(
                            Diagnostic::new(
                                Code::DuplicateAssignment,
                                a.target.span,
                                format!("`{shown}` is assigned twice"),
                            )
                            .with_label("assigned again here")
                            .with_context(*first, "first assigned here")
                            .with_help("keep one assignment; combine alternatives with `??`"),
                        );
                        continue;
                    }
                    if let Some((other, at)) = overlapping(&seen, &shown) {
                        self.report(
                            Diagnostic::new(
                                Code::ConflictingTargets,
                                a.target.span,
                                format!("`{shown}` overlaps `{other}`: one holds the other"),
                            )
                            .with_label("overlaps")
                            .with_context(*at, "the other assignment")
                            .with_help("assign the object's fields one by one, or the whole object, not both"),
                        );
                        continue;
                    }
                    seen.insert(shown.clone(), a.target.span);
                    let allowed = self.check_allowed(&target, &lowered.expr, a.value.span);
                    match &target {
                        Target::CustomField { id } => {
                            self.check_custom_field_id(*id, a.target.span)
                        }
                        Target::Field { .. } => {
                            self.check_type_of_work_ids(&target, &lowered.expr, a.value.span)
                        }
                    }
                    let expr = if emit == ir::Emit::String {
                        self.as_text(lowered)
                    } else {
                        lowered.expr
                    };
                    let index = rules.len() as u32;
                    let constant = expr.as_const().is_some();
                    rules.push(Rule {
                        constant,
                        shared_target: shown.as_str().into(),
                        target: shown,
                        span: a.span,
                        sources: sources.into(),
                        expr,
                        emit,
                        allowed,
                    });
                    placed.push((target, index));
                }
            }
        }
        self.unused_lets(&scope);
        if !seen.contains_key("title") {
            self.report(
                Diagnostic::new(Code::MissingTitle, m.name.span, format!("mapping {:?} never sets the work order's title", m.name.value))
                    .with_label("no `title = …`")
                    .with_help("Field Nation requires a title: add e.g. `title = \"${TicketNumber}: ${Title}\"`"),
            );
        }
        self.check_schedule(&rules);
        self.check_positive(&rules);
        let output = build_output(&placed);
        let body = BodyShape::new(
            &output,
            &rules,
            &self.schemas.workorder,
            crate::runtime::evaluate::constant_json,
        );
        let plan = fetch_plan(&scope);
        Some(MappingProgram {
            name: m.name.value.clone(),
            span: m.span,
            name_span: m.name.span,
            source: source.name.clone(),
            relations: scope.relations.iter().map(|(r, _)| r.clone()).collect(),
            triggers,
            rules,
            written,
            output,
            body,
            plan,
        })
    }

    fn source_entity(&mut self, m: &Mapping) -> Option<&'a crate::schema::Entity> {
        let q = &m.source;
        if q.qualifier.name != "autotask" {
            self.report(
                Diagnostic::new(
                    Code::UnknownSource,
                    q.qualifier.span,
                    format!("unknown source system `{}`", q.qualifier.name),
                )
                .with_label("expected `autotask`"),
            );
            return None;
        }
        self.queryable_entity(&q.name, Code::UnknownSource)
    }

    fn target_object(&mut self, m: &Mapping) {
        let q = &m.target;
        if q.qualifier.name != "fieldnation" || q.name.name != "WorkOrder" {
            self.report(
                Diagnostic::new(
                    Code::UnknownTarget,
                    q.span,
                    format!("unknown target `{}.{}`", q.qualifier.name, q.name.name),
                )
                .with_label("expected `fieldnation.WorkOrder`"),
            );
        }
    }

    /// `let name = value`: lowered once, in the scope of the rules after it. A name may not be
    /// bound twice nor hide a field or related entity of the source, so a name always means one
    /// thing.
    fn let_binding(
        &mut self,
        l: &ast::Let,
        source: &'a crate::schema::Entity,
        scope: &mut Scope<'a>,
    ) {
        let outer_reads = std::mem::take(&mut scope.reads);
        let lowered = self.lower(&l.value, scope);
        let mut reads = std::mem::replace(&mut scope.reads, outer_reads);
        let mut seen = std::collections::HashSet::new();
        reads.retain(|r| seen.insert(r.clone()));
        let name = &l.name.name;
        if let Some(first) = scope.lets.iter().find(|b| &b.name == name) {
            let first = first.span;
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    l.name.span,
                    format!("`{name}` is already bound by a `let`"),
                )
                .with_label("bound again here")
                .with_context(first, "first bound here")
                .with_help("give the second value another name"),
            );
            return;
        }
        if let Some(place) = self.helper_named(source, name) {
            let d = Diagnostic::new(
                Code::DuplicateName,
                l.name.span,
                format!("`{name}` is a helper of {}; a `let` cannot hide it", source.name),
            )
            .with_label("already a helper")
            .with_help(format!("read the helper as `{name}`, or give this value another name"));
            self.report(match place {
                super::helper::HelperPlace::Here(span) => d.with_context(span, "the helper"),
                super::helper::HelperPlace::Imported(file) => {
                    d.with_note(format!("the helper is declared in `{file}`"))
                }
            });
            return;
        }
        let hidden = if let Some(what) = super::helper::hidden_name(source, name) {
            Some(format!("{what} of {}", source.name))
        } else if scope.relations.iter().any(|(r, _)| &r.name == name) {
            Some("a lookup".to_string())
        } else {
            None
        };
        if let Some(what) = hidden {
            self.report(
                Diagnostic::new(
                    Code::DuplicateName,
                    l.name.span,
                    format!("`{name}` is {what}; a `let` cannot hide it"),
                )
                .with_label("already a name on the source")
                .with_help("choose another name, such as `site_zone` or `window_hours`"),
            );
            return;
        }
        let (expr, ty) = if super::too_large(self, &lowered.expr, &l.name) {
            (ir::Expr::null(), Type::Any)
        } else {
            (lowered.expr, lowered.ty)
        };
        scope.lets.push(super::path::LetValue {
            name: name.clone(),
            span: l.name.span,
            nodes: super::node_count(&expr),
            expr,
            ty,
            reads,
            used: false,
        });
    }

    /// A binding nothing names is usually a rule that was meant to use it and does not.
    fn unused_lets(&mut self, scope: &Scope<'a>) {
        for binding in scope.lets.iter().filter(|b| !b.used) {
            let name = &binding.name;
            self.report(
                Diagnostic::new(
                    Code::UnusedLet,
                    binding.span,
                    format!("`{name}` is bound but never used"),
                )
                .with_label("bound here")
                .with_help(format!(
                    "use it in a trigger or rule after it (`… = {name}`), or delete the `let`"
                )),
            );
        }
    }

    /// Checks a constant against a Field Nation enum now; a computed value is checked at run time.
    fn check_allowed(
        &mut self,
        target: &Target<'a>,
        expr: &ir::Expr,
        span: Span,
    ) -> Option<Vec<String>> {
        let Target::Field { node, steps } = target else {
            return None;
        };
        let allowed: Vec<String> = if is_contact_role(steps) {
            // Field Nation accepts only its own contact roles, though the schema says "string".
            match &self.schemas.fieldnation {
                Some(account) => account.contact_roles.clone(),
                None => CONTACT_ROLES.iter().map(|r| (*r).to_string()).collect(),
            }
        } else {
            node.allowed_strings()?
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        // Every value a table, `match` or `if` can give is a constant: check each one now.
        if expr.as_const().is_none() {
            let mut outcomes = Vec::new();
            if constant_outcomes(expr, &mut outcomes) {
                let mut all_allowed = true;
                for (value, table) in outcomes {
                    let Value::Str(s) = value else { continue };
                    if allowed.iter().any(|a| a == s.as_ref()) {
                        continue;
                    }
                    all_allowed = false;
                    let mut d = Diagnostic::new(
                        Code::NotAllowedValue,
                        span,
                        format!(
                            "this can give {s:?}, which is not a value Field Nation accepts for `{}`",
                            target.display()
                        ),
                    );
                    d = match crate::diagnostics::did_you_mean(
                        s,
                        allowed.iter().map(String::as_str),
                    ) {
                        Some(close) => d.with_label(format!("{s:?}: did you mean {close:?}?")),
                        None => d.with_label(format!("can give {s:?}")),
                    };
                    // An inline `match` is under the label already; a named table is elsewhere.
                    if let Some((name, at)) = table
                        && !(span.start <= at.start && at.end <= span.end)
                    {
                        d = d.with_context(at, format!("{s:?} is a value of `{name}`"));
                    }
                    let shown: Vec<String> = allowed
                        .iter()
                        .filter(|a| !a.is_empty())
                        .map(|a| format!("{a:?}"))
                        .collect();
                    self.report(d.with_help(format!("allowed: {}", shown.join(", "))));
                }
                return if all_allowed { None } else { Some(allowed) };
            }
        }
        match expr.as_const() {
            Some(Value::Str(s)) if !allowed.iter().any(|a| a == s.as_ref()) => {
                let shown: Vec<String> = allowed
                    .iter()
                    .filter(|a| !a.is_empty())
                    .map(|a| format!("{a:?}"))
                    .collect();
                let mut d = Diagnostic::new(
                    Code::NotAllowedValue,
                    span,
                    format!(
                        "{s:?} is not a value Field Nation accepts for `{}`",
                        target.display()
                    ),
                );
                let close = crate::diagnostics::did_you_mean(s, allowed.iter().map(String::as_str))
                    .map(str::to_owned)
                    .or_else(|| {
                        is_contact_role(steps)
                            .then(|| closest_by_sound(s, &allowed))
                            .flatten()
                    });
                d = match close {
                    Some(close) => d.with_label(format!("did you mean {close:?}?")),
                    None => d.with_label("not allowed"),
                };
                self.report(d.with_help(format!("allowed: {}", shown.join(", "))));
                None
            }
            Some(_) => None,
            None => Some(allowed),
        }
    }
}

/// Collects every value `expr` can give when each is a constant (table rows and default,
/// `match` arms, `if` and `??` branches), with the table it comes from; false when some value
/// is computed.
fn constant_outcomes<'e>(
    expr: &'e ir::Expr,
    out: &mut Vec<(&'e Value<'static>, Option<(&'e str, Span)>)>,
) -> bool {
    match expr {
        ir::Expr::Const(v) => {
            out.push((v, None));
            true
        }
        ir::Expr::Lookup { table, .. } => {
            // An imported table's span points into its own file: no place to show here.
            let at = table
                .origin
                .is_none()
                .then_some((table.name.as_str(), table.span));
            for (_, row) in table.rows.entries() {
                match row.as_const() {
                    Some(v) => out.push((v, at)),
                    None => return false,
                }
            }
            match table.default.as_const() {
                Some(v) => out.push((v, at)),
                None => return false,
            }
            true
        }
        ir::Expr::If {
            then, otherwise, ..
        } => constant_outcomes(then, out) && constant_outcomes(otherwise, out),
        ir::Expr::Coalesce(a, b) => constant_outcomes(a, out) && constant_outcomes(b, out),
        _ => false,
    }
}

/// The allowed value most like `text` (Jaro-Winkler, ignoring case): roles differ in words
/// more than in letters ("Site Contact" and "Location Contact"), which edit distance misses.
fn closest_by_sound(text: &str, allowed: &[String]) -> Option<String> {
    let score =
        |candidate: &str| strsim::jaro_winkler(&candidate.to_lowercase(), &text.to_lowercase());
    allowed
        .iter()
        .max_by(|a, b| score(a).total_cmp(&score(b)))
        .cloned()
}

/// `contacts.results[N].role`.
fn is_contact_role(steps: &[Step]) -> bool {
    matches!(
        steps,
        [Step::Key(contacts), Step::Key(results), Step::Index(_), Step::Key(role)]
            if contacts == "contacts" && results == "results" && role == "role"
    )
}

impl Scope<'_> {
    /// The relation names, for messages about what QueryXML can reach.
    pub(super) fn relations_only(&self) -> Vec<String> {
        self.relations.iter().map(|(r, _)| r.name.clone()).collect()
    }
}

fn fetch_plan(scope: &Scope<'_>) -> FetchPlan {
    let mut plan = FetchPlan::default();
    let Some(source) = scope.source else {
        return plan;
    };
    let to_fetch = |entity: &str, set: Option<&super::path::FetchSet>| EntityFetch {
        entity: entity.to_string(),
        fields: set
            .map(|s| s.fields.iter().cloned().collect())
            .unwrap_or_default(),
        udfs: set
            .map(|s| s.udfs.iter().cloned().collect())
            .unwrap_or_default(),
        all_fields: set.is_some_and(|s| s.all),
    };
    let find = |record: Option<u16>| {
        scope
            .fetch
            .iter()
            .find(|(r, _)| *r == record)
            .map(|(_, s)| s)
    };
    plan.source = to_fetch(&source.name, find(None));
    for (i, (relation, _)) in scope.relations.iter().enumerate() {
        plan.related.push(RelatedFetch {
            relation: relation.name.clone(),
            via_field: relation.via_field.clone(),
            fetch: to_fetch(&relation.entity, find(Some(i as u16))),
            through: relation.from.map(usize::from),
            lookup: relation.lookup.as_ref().map(lookup_query),
        });
    }
    plan
}

/// What the fetcher asks Autotask for a lookup: constants as the wire carries them; a
/// comparison with null is `IsNull` or `IsNotNull`.
fn lookup_query(lookup: &ir::LookupMatch) -> ir::LookupQuery {
    use crate::autotask::wire::Operator;
    let filters = lookup
        .filters
        .iter()
        .map(|f| {
            let op = match (f.value.is_null(), f.equal) {
                (true, true) => Operator::IsNull,
                (true, false) => Operator::IsNotNull,
                (false, true) => Operator::Equals,
                (false, false) => Operator::NotEqual,
            };
            let value = ir::wire_text(&f.value).unwrap_or_default();
            (f.field.clone(), op, value)
        })
        .collect();
    ir::LookupQuery {
        field: lookup.field.clone(),
        filters,
    }
}

/// A tree under construction; arrays keep their written indexes until the end.
enum Build {
    Object(Vec<(String, Build)>),
    Array(BTreeMap<u64, Build>),
    Leaf(OutNode),
}

fn build_output(placed: &[(Target<'_>, u32)]) -> OutNode {
    let mut root = Build::Object(Vec::new());
    let mut custom = Vec::new();
    for (target, rule) in placed {
        match target {
            Target::CustomField { id } => custom.push(OutNode::Object(vec![
                ("id".into(), OutNode::Const(serde_json::Value::from(*id))),
                ("value".into(), OutNode::Rule(*rule)),
            ])),
            Target::Field { steps, .. } => insert(&mut root, steps, OutNode::Rule(*rule)),
        }
    }
    if !custom.is_empty() {
        // Field Nation groups custom fields: custom_fields.results[0].results[…].
        let group = OutNode::Object(vec![("results".into(), OutNode::Array(custom))]);
        let wrapper = OutNode::Object(vec![("results".into(), OutNode::Array(vec![group]))]);
        insert(&mut root, &[Step::Key("custom_fields".into())], wrapper);
    }
    finish(root)
}

fn insert(node: &mut Build, steps: &[Step], leaf: OutNode) {
    let Some((first, rest)) = steps.split_first() else {
        *node = Build::Leaf(leaf);
        return;
    };
    let child = match (node, first) {
        (Build::Object(fields), Step::Key(key)) => {
            let at = match fields.iter().position(|(k, _)| k == key) {
                Some(at) => at,
                None => {
                    fields.push((key.clone(), empty_for(rest)));
                    fields.len() - 1
                }
            };
            &mut fields[at].1
        }
        (Build::Array(items), Step::Index(i)) => items.entry(*i).or_insert_with(|| empty_for(rest)),
        // Targets were checked against the schema, so shapes agree; a clash keeps the first.
        _ => return,
    };
    insert(child, rest, leaf);
}

fn empty_for(rest: &[Step]) -> Build {
    match rest.first() {
        Some(Step::Index(_)) => Build::Array(BTreeMap::new()),
        _ => Build::Object(Vec::new()),
    }
}

fn finish(node: Build) -> OutNode {
    match node {
        Build::Object(fields) => OutNode::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.into(), finish(v)))
                .collect(),
        ),
        Build::Array(items) => OutNode::Array(items.into_values().map(finish).collect()),
        Build::Leaf(leaf) => leaf,
    }
}

/// An assigned target that holds `shown` or that `shown` holds: `location` and
/// `location.city`, or `contacts[0]` and `contacts[0].name`. `custom_fields[N]` (the shorthand
/// for one custom field) overlaps `custom_fields` and anything under `custom_fields.`, and no
/// other shorthand. Looks up prefixes and one range, so checking a file stays linear.
fn overlapping<'s>(
    seen: &'s BTreeMap<String, Span>,
    shown: &str,
) -> Option<(&'s String, &'s Span)> {
    let starting = |prefix: &str| {
        seen.range::<str, _>((
            std::ops::Bound::Included(prefix),
            std::ops::Bound::Unbounded,
        ))
        .next()
        .filter(|(key, _)| key.starts_with(prefix))
    };
    let shorthand = shown.starts_with("custom_fields[");
    if shorthand {
        return seen
            .get_key_value("custom_fields")
            .or_else(|| starting("custom_fields."));
    }
    if (shown == "custom_fields" || shown.starts_with("custom_fields."))
        && let Some(found) = starting("custom_fields[") {
            return Some(found);
        }
    // A target that holds this one ends where one of its steps begins.
    let holder = shown
        .char_indices()
        .filter(|(_, c)| matches!(c, '.' | '['))
        .find_map(|(at, _)| seen.get_key_value(&shown[..at]));
    holder
        .or_else(|| starting(&format!("{shown}.")))
        .or_else(|| starting(&format!("{shown}[")))
}
