//! Differences between an expected and an actual JSON value, by path.

use serde_json::Value as Json;

use super::spec::Match;

#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// `location.city`, `contacts.results[0].name`.
    pub path: String,
    pub expected: Option<Json>,
    pub actual: Option<Json>,
}

pub fn diff(expected: &Json, actual: &Json, mode: Match) -> Vec<Difference> {
    let mut out = Vec::new();
    walk(expected, actual, mode, String::new(), &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(expected: &Json, actual: &Json, mode: Match, path: String, out: &mut Vec<Difference>) {
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => {
            for (key, ev) in e {
                match a.get(key) {
                    Some(av) => walk(ev, av, mode, join(&path, key), out),
                    None => out.push(Difference {
                        path: join(&path, key),
                        expected: Some(ev.clone()),
                        actual: None,
                    }),
                }
            }
            if mode == Match::Exact {
                for (key, av) in a {
                    if !e.contains_key(key) {
                        out.push(Difference {
                            path: join(&path, key),
                            expected: None,
                            actual: Some(av.clone()),
                        });
                    }
                }
            }
        }
        (Json::Array(e), Json::Array(a)) => {
            for (i, ev) in e.iter().enumerate() {
                let item = format!("{path}[{i}]");
                match a.get(i) {
                    Some(av) => walk(ev, av, mode, item, out),
                    None => out.push(Difference {
                        path: item,
                        expected: Some(ev.clone()),
                        actual: None,
                    }),
                }
            }
            if mode == Match::Exact {
                for (i, av) in a.iter().enumerate().skip(e.len()) {
                    out.push(Difference {
                        path: format!("{path}[{i}]"),
                        expected: None,
                        actual: Some(av.clone()),
                    });
                }
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(Difference {
            path,
            expected: Some(e.clone()),
            actual: Some(a.clone()),
        }),
    }
}

/// `actual` cut to the shape of `expected`: what `--update` writes for a subset expectation.
pub fn project(expected: &Json, actual: &Json) -> Json {
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => Json::Object(
            e.iter()
                .filter_map(|(k, ev)| a.get(k).map(|av| (k.clone(), project(ev, av))))
                .collect(),
        ),
        (Json::Array(e), Json::Array(a)) => Json::Array(
            a.iter()
                .enumerate()
                .map(|(i, av)| e.get(i).map_or_else(|| av.clone(), |ev| project(ev, av)))
                .collect(),
        ),
        (_, a) => a.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_and_subset_differ_on_extra_fields() {
        let expected = json!({"title": "T", "location": {"city": "Minneapolis"}, "contacts": {"results": [{"name": "Zoë"}]}});
        let actual = json!({"title": "T", "location": {"city": "St Paul", "zip": "55101"}, "contacts": {"results": [{"name": "Zoë", "role": "Site"}]}});
        let subset = diff(&expected, &actual, Match::Subset);
        assert_eq!(subset.len(), 1);
        assert_eq!(subset[0].path, "location.city");
        let exact: Vec<String> = diff(&expected, &actual, Match::Exact)
            .into_iter()
            .map(|d| d.path)
            .collect();
        assert_eq!(
            exact,
            ["location.city", "location.zip", "contacts.results[0].role"]
        );
    }

    #[test]
    fn missing_items_and_projection() {
        let expected = json!({"a": [1, 2], "b": {"c": 1}});
        let actual = json!({"a": [1], "b": {"c": 2, "d": 3}});
        let d = diff(&expected, &actual, Match::Subset);
        assert_eq!(
            d.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(),
            ["a[1]", "b.c"]
        );
        assert_eq!(
            project(&expected, &actual),
            json!({"a": [1], "b": {"c": 2}})
        );
    }
}
