//! The layers of ARCHITECTURE.md hold: no module reaches a layer above its own.
//!
//! Every `crate::a::b` path in non-test code (uses, paths in expressions, doc links) and every
//! `super::` path is resolved to the module it names; that module's layer must not be above the
//! layer of the file that names it.

use std::path::{Path, PathBuf};

struct Layers {
    /// `(module path, layer index)`, e.g. `("autotask_client", 12)`.
    prefixes: Vec<(String, usize)>,
    names: Vec<String>,
}

impl Layers {
    fn read() -> Layers {
        let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
        let block = text
            .split("<!-- layers -->")
            .nth(1)
            .and_then(|rest| rest.split("<!-- /layers -->").next())
            .expect("ARCHITECTURE.md lists the layers between <!-- layers --> markers");
        let mut layers = Layers {
            prefixes: Vec::new(),
            names: Vec::new(),
        };
        for line in block.lines().filter_map(|l| l.trim().strip_prefix("- ")) {
            let (name, modules) = line.split_once(':').expect("`- name: `module`, …`");
            let index = layers.names.len();
            layers.names.push(name.trim().to_string());
            for module in modules.split(',') {
                let module = module.trim().trim_matches('`');
                assert!(!module.is_empty(), "an empty module in layer {name}");
                layers.prefixes.push((module.to_string(), index));
            }
        }
        assert!(layers.names.len() >= 10, "the layer list looks cut short");
        layers
    }

    /// The layer of a module path: that of the longest listed prefix.
    fn of(&self, module: &[String]) -> Option<usize> {
        self.prefixes
            .iter()
            .filter(|(prefix, _)| {
                let parts: Vec<&str> = prefix.split("::").collect();
                parts.len() <= module.len() && parts.iter().zip(module).all(|(a, b)| a == b)
            })
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, layer)| *layer)
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// `src/autotask/client/poller.rs` → `["autotask", "client", "poller"]`; `mod.rs` names its folder.
fn module_of(file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(root().join("src")).unwrap();
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The paths a line names: `crate::x::y` absolutely, `super::x` relative to `module`.
fn named_paths(line: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = line.as_bytes();
    for (start, _) in line
        .match_indices("crate::")
        .chain(line.match_indices("super::"))
    {
        // Only where a path starts: not `my_crate::`, nor the second `super` of `super::super`.
        if start > 0
            && matches!(bytes[start - 1], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b':')
        {
            continue;
        }
        let rest = &line[start..];
        let segments: Vec<&str> = rest
            .split("::")
            .map(|s| {
                let end = s
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(s.len());
                &s[..end]
            })
            .take_while(|s| !s.is_empty())
            .collect();
        let mut path: Vec<String> = Vec::new();
        let mut segments = segments.into_iter().peekable();
        if rest.starts_with("crate::") {
            segments.next();
        } else {
            // `super` of module `a::b` is `a`, whether it lives in `a/b.rs` or `a/b/mod.rs`.
            path = module.to_vec();
            while segments.peek() == Some(&"super") {
                segments.next();
                path.pop();
            }
        }
        // Modules are lower case; a type or a function ends the module part of the path.
        for segment in segments {
            if segment
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
            {
                path.push(segment.to_string());
            } else {
                break;
            }
        }
        found.push(path);
    }
    found
}

#[test]
fn layers_run_one_way() {
    let layers = Layers::read();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut back_edges = Vec::new();
    let mut unassigned = Vec::new();
    for file in &files {
        let module = module_of(file);
        if module.len() == 1 && (module[0] == "lib" || module[0] == "main") {
            continue; // the crate root re-exports; it sits above everything
        }
        let Some(own) = layers.of(&module) else {
            unassigned.push(module.join("::"));
            continue;
        };
        let name = file.file_name().unwrap().to_string_lossy();
        if name.ends_with("tests.rs") {
            continue; // unit-test files may use anything
        }
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (number, line) in code.lines().enumerate() {
            for path in named_paths(line, &module) {
                let Some(theirs) = layers.of(&path) else {
                    continue; // the crate root, or a name no layer lists
                };
                if theirs > own {
                    back_edges.push(format!(
                        "{}:{}: `{}` ({}) reaches up to `{}` ({})",
                        file.strip_prefix(root()).unwrap().display(),
                        number + 1,
                        module.join("::"),
                        layers.names[own],
                        path.join("::"),
                        layers.names[theirs],
                    ));
                }
            }
        }
    }
    assert!(
        unassigned.is_empty(),
        "modules in no layer of ARCHITECTURE.md: {unassigned:?}"
    );
    assert!(
        back_edges.is_empty(),
        "data must flow one way (ARCHITECTURE.md):\n{}",
        back_edges.join("\n")
    );
}

#[test]
fn a_back_edge_is_found() {
    let layers = Layers::read();
    let module: Vec<String> = ["ir", "expr"].iter().map(|s| s.to_string()).collect();
    let paths = named_paths("use crate::runtime::eval::Env;", &module);
    assert_eq!(paths, [vec!["runtime".to_string(), "eval".to_string()]]);
    assert!(layers.of(&paths[0]).unwrap() > layers.of(&module).unwrap());
    let module: Vec<String> = ["autotask", "simulator", "state"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let up = named_paths("use super::super::soap::Envelope;", &module);
    assert_eq!(up, [vec!["autotask".to_string(), "soap".to_string()]]);
    assert!(layers.of(&up[0]).unwrap() < layers.of(&module).unwrap());
}
