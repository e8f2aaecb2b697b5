//! Field Nation names the work order fields it refused (`contacts.results[0].role`); the
//! mapping's rules know the path each writes (`contacts[0].role`) and where they stand in the
//! file. Matching the two tells an operator which line to fix.

use crate::fieldnation::client::FieldProblem;
use crate::ir::MappingProgram;

/// One line per problem: the problem, then the rules that wrote that field (or the fields
/// under it), with their line when the mapping file's text is given.
pub fn trace_problems(
    mapping: &MappingProgram,
    problems: &[FieldProblem],
    source: Option<&str>,
) -> String {
    let mut lines = Vec::new();
    for problem in problems {
        let Some(path) = &problem.path else {
            continue;
        };
        let wanted = normalize(path);
        let rules: Vec<String> = mapping
            .rules
            .iter()
            .filter(|rule| {
                let target = normalize(&rule.target);
                target == wanted || is_under(&target, &wanted) || is_under(&wanted, &target)
            })
            .map(|rule| match source {
                Some(text) => {
                    let (line, column) = rule.span.line_col(text);
                    format!("`{}` (line {line}, column {column})", rule.target)
                }
                None => format!("`{}` (bytes {:?})", rule.target, rule.span.range()),
            })
            .collect();
        if rules.is_empty() {
            lines.push(format!("  {path}: no rule of the mapping writes it"));
        } else {
            lines.push(format!("  {path}: written by {}", rules.join(", ")));
        }
    }
    if lines.is_empty() {
        String::new()
    } else {
        format!(
            "mapping \"{}\" rules behind the refused fields:\n{}",
            mapping.name,
            lines.join("\n")
        )
    }
}

/// Field Nation wraps lists as `{"results": […]}`; mapping paths index the list directly.
fn normalize(path: &str) -> String {
    path.replace(".results[", "[")
        .replace(".results.", ".")
        .trim_end_matches(".results")
        .to_owned()
}

/// Whether `inner` is a field inside `outer` (`location.city` inside `location`).
fn is_under(inner: &str, outer: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_nation_paths_meet_mapping_paths() {
        assert_eq!(normalize("contacts.results[0].role"), "contacts[0].role");
        assert_eq!(
            normalize("custom_fields.results[0].results[1].id"),
            "custom_fields[0][1].id"
        );
        assert_eq!(normalize("location.mode"), "location.mode");
        assert!(is_under("location.city", "location"));
        assert!(is_under("types_of_work[0].id", "types_of_work"));
        assert!(!is_under("locations", "location"));
    }
}
