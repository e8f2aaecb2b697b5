//! Why each lint rule exists (shown as the rule's help in SARIF and in docs/lint-rules.md).

use crate::diagnostics::Code;

pub fn rationale(code: Code) -> Option<&'static str> {
    Some(match code {
        Code::UncoveredPicklistValues => {
            "Picklists change in Autotask after a mapping is written: a new status or issue type silently \
             falls to the default arm and dispatches with the wrong value. Listing every active value \
             makes that a visible decision."
        }
        Code::MissingPrepackagedField => {
            "Field Nation's prepackaged integrations refuse to save a connector until address, city, \
             state, zip, country, description, pay type, pay base amount, start date/time and type of \
             work are mapped; work orders without them need manual completion before they can be routed."
        }
        Code::NotTwoLetterCode => {
            "Field Nation expects two-letter state and country codes; \"Minnesota\" or \"USA\" is rejected \
             or geocoded wrongly."
        }
        Code::TriggerNeverTrue => {
            "A trigger that no record can satisfy (constant false, or one field required to equal two \
             values) dispatches nothing, and the mistake shows only as missing work orders."
        }
        Code::TriggerNotPollable => {
            "A trigger with a QueryXML form lets a poller ask Autotask for exactly the qualifying records; \
             without one, polling must fetch and filter every record (related fields, two UDFs, computed \
             values have no QueryXML form)."
        }
        Code::UnusedTable => "A table nothing uses is dead weight, often left behind by a rename.",
        Code::ImplicitZone => {
            "Autotask date-times are Eastern wall-clock time; formatting one as text without choosing a \
             zone writes Eastern time into a field a technician reads as site-local time."
        }
        _ => return None,
    })
}
