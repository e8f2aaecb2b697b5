//! Each lint rule's documentation, in one place: what the rule reports and why it exists. SARIF
//! gives the rationale as the rule's help, and the rules table of docs/lint-rules.md is
//! generated from this list (`tests/it/docs.rs` checks it; `UPDATE_DOCS=1` rewrites it).

use crate::diagnostics::Code;

/// A lint rule as its users read about it.
pub struct RuleDoc {
    pub code: Code,
    /// What the rule reports, more fully than the code's one-line summary.
    pub reports: &'static str,
    /// Why the rule exists; it stands alone, as SARIF's help text.
    pub rationale: &'static str,
}

/// Every lint rule (FM09xx), in code order.
pub static RULES: &[RuleDoc] = &[
    RuleDoc {
        code: Code::UncoveredPicklistValues,
        reports: "a table or `match` over a picklist leaves active values to its default; the \
                  message lists them",
        rationale: "Picklists change in Autotask after a mapping is written: a new status or issue \
                    type silently falls to the default arm and dispatches with the wrong value. \
                    Listing every active value makes that a visible decision.",
    },
    RuleDoc {
        code: Code::MissingPrepackagedField,
        reports: "a work order field that Field Nation's prepackaged integrations require is never \
                  set: address, city, state, zip, country, description, pay type, pay base \
                  amount, start date/time, type of work (title is an API requirement, error \
                  FM0604)",
        rationale: "Field Nation's prepackaged integrations refuse to save a connector until \
                    address, city, state, zip, country, description, pay type, pay base amount, \
                    start date/time and type of work are mapped; work orders without them need \
                    manual completion before they can be routed.",
    },
    RuleDoc {
        code: Code::NotTwoLetterCode,
        reports: "a constant state or country that is not a two-letter code",
        rationale: "Field Nation expects two-letter state and country codes; \"Minnesota\" or \
                    \"USA\" is rejected or geocoded wrongly.",
    },
    RuleDoc {
        code: Code::TriggerNeverTrue,
        reports: "a trigger that can never be true: constant false, or one field required to \
                  equal two values",
        rationale: "A trigger that no record can satisfy (constant false, or one field required \
                    to equal two values) dispatches nothing, and the mistake shows only as \
                    missing work orders.",
    },
    RuleDoc {
        code: Code::TriggerNotPollable,
        reports: "a trigger with no QueryXML form, with the reason (a related entity's field, two \
                  UDFs, a computed value)",
        rationale: "A trigger with a QueryXML form lets a poller ask Autotask for exactly the \
                    qualifying records; without one, polling must fetch and filter every record \
                    (related fields, two UDFs, computed values have no QueryXML form).",
    },
    RuleDoc {
        code: Code::UnusedTable,
        reports: "a table that nothing uses",
        rationale: "A table nothing uses is dead weight, often left behind by a rename.",
    },
    RuleDoc {
        code: Code::ImplicitZone,
        reports: "a date-time formatted as text without choosing its zone \
                  (`format(DueDateTime, …)` instead of \
                  `DueDateTime at \"America/Chicago\" | format(…)`)",
        rationale: "Autotask date-times are Eastern wall-clock time; formatting one as text \
                    without choosing a zone writes Eastern time into a field a technician reads \
                    as site-local time. Date-only fields (a Project's EndDateTime) are days, not \
                    instants: they format the same in every zone and are not reported.",
    },
    RuleDoc {
        code: Code::FixedOffsetZone,
        reports: "a fixed-offset zone such as \"EST\", \"MST\" or \"HST\" (or \"Etc/GMT+5\") \
                  where a place's zone is meant",
        rationale: "\"EST\" is UTC-5 all year: in summer it is an hour off New York's clocks. \
                    A place's zone (America/New_York, America/Denver, America/Phoenix, \
                    Pacific/Honolulu) follows its daylight saving rules.",
    },
    RuleDoc {
        code: Code::OverlappingTriggers,
        reports: "two mappings of one source entity whose triggers can hold for the same record \
                  (judged by what their `and` chains require of the record's own fields and \
                  UDFs; a mapping without a trigger takes every record)",
        rationale: "Every mapping whose trigger holds dispatches the record, so a ticket that \
                    meets two mappings' triggers gets two work orders and two technicians may \
                    be sent. Mappings meant for different work require a different value of one \
                    field each.",
    },
];

/// The rule's documentation, for a lint code.
pub fn rule_doc(code: Code) -> Option<&'static RuleDoc> {
    RULES.iter().find(|r| r.code == code)
}

/// Why a lint rule exists (SARIF's help for the rule).
pub fn rationale(code: Code) -> Option<&'static str> {
    rule_doc(code).map(|r| r.rationale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lint_code_has_one_entry_in_code_order() {
        let documented: Vec<Code> = RULES.iter().map(|r| r.code).collect();
        let lints: Vec<Code> = Code::ALL.iter().copied().filter(|c| c.is_lint()).collect();
        assert_eq!(documented, lints);
    }
}
