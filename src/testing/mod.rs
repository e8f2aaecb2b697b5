//! `fieldmap test`: mapping tests that live beside the mappings, with diffs that name the rule
//! behind each wrong field, `--update` to rewrite expectations, and coverage.

mod coverage_report;
mod json_diff;
mod runner;
mod spec;

pub use coverage_report::{CoverageItem, CoverageReport};
pub use json_diff::{Difference, diff, project};
pub use runner::{CaseOutcome, FileOutcome, run_test_file};
pub use spec::{Case, Match, TestFile};
