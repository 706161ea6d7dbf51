//! The import rule: no two modules of `src/` import each other, directly or
//! through a cycle (data flows wallet/root → delegation → context → token,
//! and login feeds tokens).
//!
//! A module is a top-level file of `src/` with its folder (`wallet.rs` and
//! `wallet/**`). Every `crate::<module>` path in library code counts as an
//! import (`use` lines and inline paths alike); comments and the trailing
//! `#[cfg(test)] mod tests` of a file do not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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

/// Top-level module → the modules it imports, with one place each.
fn import_graph(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(src).ok()?;
            (rel.components().count() == 1).then(|| rel.file_stem()?.to_str().map(str::to_owned))?
        })
        .filter(|m| m != "lib")
        .collect();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let from = first.trim_end_matches(".rs").to_owned();
        if from == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let mut previous = "";
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if previous.trim() == "#[cfg(test)]" && code.starts_with("mod tests") {
                break;
            }
            previous = line;
            if code.starts_with("//") {
                continue;
            }
            let code = code.split("//").next().unwrap_or_default();
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if name != from && modules.contains(&name) {
                    graph
                        .entry(from.clone())
                        .or_default()
                        .entry(name)
                        .or_insert_with(|| format!("{}:{}", rel.display(), n + 1));
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if any (depth-first search).
fn cycle_from(
    graph: &BTreeMap<String, BTreeMap<String, String>>,
    start: &str,
) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        start: &str,
        node: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    let mut seen = BTreeSet::new();
    walk(graph, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_import_cycles_between_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&src);
    let mut cycles = Vec::new();
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            let steps: Vec<String> = cycle
                .windows(2)
                .map(|w| format!("{} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]]))
                .collect();
            cycles.push(steps.join(", "));
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between modules of src/:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_graph_sees_imports() {
    // The walker must find known downward imports, or it proves nothing.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = import_graph(&src);
    assert!(graph["context"].contains_key("delegation"));
    assert!(graph["delegation"].contains_key("permission"));
}

#[test]
fn cycle_detection_finds_a_planted_cycle() {
    let edge = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (a, b) in [
        edge("a", "b"),
        edge("b", "c"),
        edge("c", "a"),
        edge("c", "d"),
    ] {
        graph.entry(a).or_default().insert(b, "here".into());
    }
    assert_eq!(cycle_from(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    assert!(cycle_from(&graph, "d").is_none());
}
