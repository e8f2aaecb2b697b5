//! The registry of diagnostic codes. A code, once released, keeps its meaning forever and is never
//! reused; retired codes stay listed. Ranges: 01xx syntax, 02xx names, 03xx types and values,
//! 04xx picklists, 05xx tables and maps, 06xx assignments and outbound rules, 07xx time,
//! 08xx Jsonnet, 09xx lint rules.

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $severity:ident, $summary:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $variant, )*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$( Code::$variant, )*];

            /// The code as printed: `FM0203`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$variant => $code, )*
                }
            }

            pub fn default_severity(self) -> Severity {
                match self {
                    $( Code::$variant => Severity::$severity, )*
                }
            }

            /// The code's name: `UnknownField`.
            pub fn name(self) -> &'static str {
                match self {
                    $( Code::$variant => stringify!($variant), )*
                }
            }

            /// Lint rules (09xx) are reported by `fieldmap lint`, not by `check`.
            pub fn is_lint(self) -> bool {
                self.as_str().starts_with("FM09")
            }

            /// One line that says what the code is about (the rule's title in SARIF).
            pub fn summary(self) -> &'static str {
                match self {
                    $( Code::$variant => $summary, )*
                }
            }
        }
    };
}

codes! {
    Syntax = "FM0101", Error, "the text is not valid fieldmap syntax";
    TooDeep = "FM0102", Error, "an expression is nested or chained too deeply";
    BadNumber = "FM0103", Error, "a number literal is out of range";
    BadDuration = "FM0104", Error, "a duration literal is not valid";
    FormatterUnsafe = "FM0190", Error, "the formatter could not keep the file's meaning and left it unchanged";

    UnknownSource = "FM0201", Error, "the mapping's source is not an Autotask entity it can start from";
    UnknownTarget = "FM0202", Error, "the mapping's target is not a known Field Nation object";
    UnknownField = "FM0203", Error, "an Autotask entity has no field of that name";
    UnknownRelation = "FM0204", Error, "the name is neither a field nor a related entity";
    UnknownUdf = "FM0205", Error, "the tenant has no user-defined field of that name";
    UnknownTargetPath = "FM0206", Error, "the Field Nation work order has no such field";
    UnknownFunction = "FM0207", Error, "no function of that name";
    UnknownTable = "FM0208", Error, "no table or function of that name";
    UnknownZone = "FM0209", Error, "not an IANA time zone";
    UnknownEvent = "FM0210", Error, "not a Field Nation webhook event";
    UnknownEventPath = "FM0211", Error, "the Field Nation event payload has no such field";
    PathTooDeep = "FM0212", Error, "a path reaches further than one related entity";
    DuplicateName = "FM0213", Error, "a name is declared twice";
    UnknownNoteField = "FM0214", Error, "a ticket note has no field of that name";
    UnknownOutboundEntity = "FM0216", Error, "an outbound rule's `for` names no Autotask entity it can write to";
    WrongRecordName = "FM0217", Error, "an outbound rule names a record other than the one it writes";
    UnusedLet = "FM0219", Warning, "a `let` binding is never used";
    UnknownFieldNationId = "FM0215", Error, "the Field Nation account has no type of work or custom field with that id";
    UnknownLookupEntity = "FM0220", Error, "a lookup names no Autotask entity that can be queried";
    LookupCondition = "FM0221", Error, "a lookup's `where` is not a chain of `Field == value` comparisons Autotask can query";
    LookupKey = "FM0222", Error, "a lookup must match one field with one value of the record";
    ImportFailed = "FM0223", Error, "an imported file cannot be read or has errors";
    ImportCycle = "FM0224", Error, "files import each other in a cycle";
    ImportContents = "FM0225", Error, "an imported file holds something other than tables, helpers and imports";
    ValueTooLarge = "FM0226", Error, "a `let` or helper grows too large once the names it uses are written out";

    TypeMismatch = "FM0301", Error, "a value has the wrong type";
    WrongArity = "FM0302", Error, "a function is called with the wrong number of arguments";
    NotAllowedValue = "FM0303", Error, "a value is not one the Field Nation field accepts";
    BadFormat = "FM0304", Error, "a date format string is not valid";
    NotAValueTarget = "FM0305", Error, "an assignment targets an object or a list, not a value";
    NotAPipeStage = "FM0306", Error, "the right side of `|` must be a function, table, match or ranges";
    MissingSubject = "FM0307", Error, "a match or ranges block has no value to work on";
    BadRegex = "FM0308", Error, "a regular expression is not valid";
    NotPositive = "FM0309", Error, "a number Field Nation requires above zero is not";
    TextTooLong = "FM0310", Error, "constant text is longer than the field it is written to holds";

    UnknownPicklistLabel = "FM0401", Error, "a string is not a label of the picklist it is compared with";
    InactivePicklistValue = "FM0402", Warning, "a picklist label refers to an inactive value";
    NotAPicklist = "FM0403", Error, "a table keyed by a field needs a picklist field";
    MissingTenantPicklist = "FM0404", Error, "the tenant snapshot lacks a picklist the mapping needs";
    DependentPicklistMismatch = "FM0405", Error, "a condition requires a dependent picklist value (SubIssueType) under a parent (IssueType) it does not belong to";

    MissingDefault = "FM0501", Error, "a table or match has no default arm `_`";
    DuplicateKey = "FM0502", Error, "a table or match lists the same key twice";
    UnorderedRanges = "FM0503", Error, "range bounds must ascend, with the default last";
    MisplacedDefault = "FM0504", Error, "the default arm `_` must come last";

    DuplicateAssignment = "FM0601", Error, "a work order field is assigned twice";
    ReadOnlyField = "FM0602", Error, "an outbound rule writes a read-only Autotask field";
    MissingNoteField = "FM0603", Error, "a ticket note lacks a required field";
    MissingTitle = "FM0604", Error, "the work order's title is never assigned";
    MissingSource = "FM0605", Error, "the mapping declares no source or target";
    ConflictingTargets = "FM0606", Error, "an assignment overlaps another one";
    NoNoteEntity = "FM0608", Error, "a note is created for an entity that has no notes in Autotask";
    NothingToRun = "FM0607", Warning, "the file holds no mapping, no outbound rule and no table";
    ScheduleWindow = "FM0609", Error, "the service window breaks Field Nation's schedule rules";

    JsonnetUnsupported = "FM0801", Error, "a Jsonnet block is used where it cannot run";
    JsonnetSyntax = "FM0802", Error, "a Jsonnet block does not parse";
    JsonnetPath = "FM0803", Error, "a Jsonnet block declares a path that is not a chain of related entities";
    JsonnetInput = "FM0804", Error, "a Jsonnet block reads from `$.input` what is not there or not declared";

    UncoveredPicklistValues = "FM0901", Warning, "a table or match over a picklist leaves active values to its default";
    MissingPrepackagedField = "FM0902", Warning, "a work order field Field Nation's prepackaged integrations require is never set";
    NotTwoLetterCode = "FM0903", Warning, "a state or country is not a two-letter code";
    TriggerNeverTrue = "FM0904", Warning, "a trigger can never be true";
    TriggerNotPollable = "FM0905", Note, "a trigger has no QueryXML form for polling";
    UnusedTable = "FM0906", Warning, "a table is declared but never used";
    ImplicitZone = "FM0907", Warning, "a date-time is written as text without saying its zone";
    FixedOffsetZone = "FM0908", Warning, "a fixed-offset zone (EST, MST, HST) keeps no daylight saving time";
    OverlappingTriggers = "FM0909", Warning, "two mappings can dispatch the same record";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} is used twice");
            assert_eq!(text.len(), 6, "{text}");
            assert!(text.starts_with("FM") && text[2..].bytes().all(|b| b.is_ascii_digit()));
            assert!(!code.summary().is_empty());
        }
    }
}
