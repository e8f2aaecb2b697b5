//! Lint configuration: per project in `fieldmap.toml`, per line with an allow comment.
//!
//! ```toml
//! # fieldmap.toml, found in the linted file's folder or any folder above it
//! [lint]
//! FM0902 = "error"    # error | warning | note | off
//! FM0905 = "off"
//! ```
//!
//! A comment `// fieldmap: allow(FM0901)` (several codes separated by commas) silences those
//! codes on its own line and on the line below it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic, Severity};

/// What a project wants of a code: a severity, or nothing at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
    Off,
}

#[derive(Debug, Clone, Default)]
pub struct LintConfig {
    levels: HashMap<Code, Level>,
    /// Where the configuration came from, for messages.
    pub source: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    lint: HashMap<String, Level>,
}

impl LintConfig {
    pub fn from_toml(text: &str, source: Option<PathBuf>) -> Result<Self, String> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut levels = HashMap::new();
        for (name, level) in file.lint {
            let code = Code::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == name)
                .ok_or_else(|| format!("`{name}` is not a fieldmap diagnostic code"))?;
            if code.default_severity() == Severity::Error
                && !code.is_lint()
                && level != Level::Error
            {
                return Err(format!(
                    "{name} is a language error; only lint rules (FM09xx) and warnings can be relaxed"
                ));
            }
            levels.insert(code, level);
        }
        Ok(LintConfig { levels, source })
    }

    /// The nearest `fieldmap.toml` at or above `start`, if any.
    pub fn discover(start: &Path) -> Result<Self, String> {
        let mut dir = if start.is_dir() {
            Some(start)
        } else {
            start.parent()
        };
        while let Some(d) = dir {
            let candidate = d.join("fieldmap.toml");
            if candidate.is_file() {
                let text = std::fs::read_to_string(&candidate)
                    .map_err(|e| format!("{}: {e}", candidate.display()))?;
                return Self::from_toml(&text, Some(candidate.clone()))
                    .map_err(|e| format!("{}: {e}", candidate.display()));
            }
            dir = d.parent();
        }
        Ok(LintConfig::default())
    }

    /// Applies the project's levels and the file's allow comments; drops what is off.
    pub fn apply(&self, diagnostics: Vec<Diagnostic>, source: &str) -> Vec<Diagnostic> {
        let allowed = allow_comments(source);
        diagnostics
            .into_iter()
            .filter_map(|mut d| {
                let line = d.primary_span().line_col(source).0;
                if allowed
                    .iter()
                    .any(|(l, code)| *code == d.code && (*l == line || *l + 1 == line))
                {
                    return None;
                }
                match self.levels.get(&d.code) {
                    Some(Level::Off) => None,
                    Some(Level::Error) => {
                        d.severity = Severity::Error;
                        Some(d)
                    }
                    Some(Level::Warning) => {
                        d.severity = Severity::Warning;
                        Some(d)
                    }
                    Some(Level::Note) => {
                        d.severity = Severity::Note;
                        Some(d)
                    }
                    None => Some(d),
                }
            })
            .collect()
    }
}

/// `(line, code)` for every code named in a `fieldmap: allow(…)` comment.
fn allow_comments(source: &str) -> Vec<(usize, Code)> {
    let mut out = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let Some(at) = line.find("fieldmap: allow(") else {
            continue;
        };
        let rest = &line[at + "fieldmap: allow(".len()..];
        let Some(end) = rest.find(')') else { continue };
        for name in rest[..end].split(',') {
            if let Some(code) = Code::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == name.trim())
            {
                out.push((i + 1, code));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Span;

    #[test]
    fn levels_and_allow_comments_apply() {
        let config =
            LintConfig::from_toml("[lint]\nFM0902 = \"error\"\nFM0905 = \"off\"\n", None).unwrap();
        let source = "a\n// fieldmap: allow(FM0906)\nb\nc\n";
        let at =
            |line: usize| Span::new(source.lines().take(line - 1).map(|l| l.len() + 1).sum(), 0);
        let diagnostics = vec![
            Diagnostic::new(Code::MissingPrepackagedField, at(1), "x"),
            Diagnostic::new(Code::TriggerNotPollable, at(1), "y"),
            Diagnostic::new(Code::UnusedTable, at(3), "allowed by the comment above"),
            Diagnostic::new(Code::UnusedTable, at(4), "too far from the comment"),
        ];
        let kept = config.apply(diagnostics, source);
        let kept: Vec<(Code, Severity)> = kept.iter().map(|d| (d.code, d.severity)).collect();
        assert_eq!(
            kept,
            [
                (Code::MissingPrepackagedField, Severity::Error),
                (Code::UnusedTable, Severity::Warning)
            ]
        );
    }

    #[test]
    fn language_errors_cannot_be_silenced_and_unknown_codes_are_named() {
        assert!(
            LintConfig::from_toml("[lint]\nFM0203 = \"off\"\n", None)
                .unwrap_err()
                .contains("FM0203")
        );
        assert!(
            LintConfig::from_toml("[lint]\nFM9999 = \"off\"\n", None)
                .unwrap_err()
                .contains("FM9999")
        );
        assert!(LintConfig::from_toml("[lint]\nFM0902 = \"loud\"\n", None).is_err());
    }
}
