//! "Did you mean …?" suggestions.

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
/// Case-only differences always qualify.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate.to_lowercase() == lower {
            return Some(candidate);
        }
        let score = strsim::jaro_winkler(&lower, &candidate.to_lowercase());
        let close =
            strsim::levenshtein(&lower, &candidate.to_lowercase()) <= (word.len() / 3).max(2);
        if (score >= 0.85 || close) && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn finds_typos_and_case_slips() {
        let fields = ["AccountName", "AccountNumber", "Address1", "City"];
        assert_eq!(did_you_mean("AcountName", fields), Some("AccountName"));
        assert_eq!(did_you_mean("city", fields), Some("City"));
        assert_eq!(did_you_mean("Adress1", fields), Some("Address1"));
        assert_eq!(did_you_mean("Priority", fields), None);
    }
}
