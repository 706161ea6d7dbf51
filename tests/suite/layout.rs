//! The import rule: no two modules of `src/` import each other, directly or
//! through a cycle (data flows wallet/root → delegation → context → token,
//! and login feeds tokens).
//!
//! A module is a top-level file of `src/` with its folder (`wallet.rs` and
//! `wallet/**`). Every `crate::<module>` path in library code counts as an
//! import (`use` lines and inline paths alike); comments and the trailing
//! `#[cfg(test)] mod tests` of a file do not.
//!
//! The same rule holds between FILES: `mod x;` in a file is an edge to the
//! child file, and every `crate::…`, `super::…` and `self::…` path (use trees
//! with braces included) is an edge to the file that defines the longest
//! module prefix of the path. A path through a parent's re-export
//! (`crate::wallet::AccountId`) is therefore an edge to the parent file.
//! `lib.rs` is left out: it declares every module and only re-exports.

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

/// Module path of a file of `src/` (`wallet/text` for `src/wallet/text.rs`).
fn module_of(src: &Path, path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(src).unwrap().with_extension("");
    rel.components()
        .map(|c| c.as_os_str().to_str().unwrap().to_owned())
        .collect()
}

/// The code of a file that counts: no comments, no trailing test module.
fn library_code(text: &str) -> String {
    let mut out = String::new();
    let mut previous = "";
    for line in text.lines() {
        let code = line.trim_start();
        if previous.trim() == "#[cfg(test)]" && code.starts_with("mod tests") {
            break;
        }
        previous = line;
        if code.starts_with("//") {
            continue;
        }
        out.push_str(code.split("//").next().unwrap_or_default());
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Parses one use tree (or inline path) from `text`, after `prefix`, into
/// the full paths it names; returns them and the rest of the text.
fn use_tree<'a>(mut text: &'a str, prefix: &[String], out: &mut Vec<Vec<String>>) -> &'a str {
    let mut path = prefix.to_vec();
    loop {
        text = text.trim_start();
        if let Some(rest) = text.strip_prefix('{') {
            text = rest;
            loop {
                text = text.trim_start();
                if let Some(rest) = text.strip_prefix('}') {
                    return rest;
                }
                if let Some(rest) = text.strip_prefix(',') {
                    text = rest;
                    continue;
                }
                if text.is_empty() {
                    return text;
                }
                let before = text.len();
                text = use_tree(text, &path, out);
                if text.len() == before {
                    // Not a path: skip one character so the scan ends.
                    text = &text[text.chars().next().map_or(0, char::len_utf8)..];
                }
            }
        }
        if let Some(rest) = text.strip_prefix('*') {
            out.push(path);
            return rest;
        }
        let name: String = text.chars().take_while(|c| is_ident(*c)).collect();
        if name.is_empty() {
            out.push(path);
            return text;
        }
        text = &text[name.len()..];
        match name.as_str() {
            "self" => {}
            "super" => {
                path.pop();
            }
            _ => path.push(name),
        }
        let after = text.trim_start();
        if let Some(rest) = after.strip_prefix("as ") {
            // `x as y`: the path names `x`; skip the alias.
            let rest = rest.trim_start();
            let alias = rest.chars().take_while(|c| is_ident(*c)).count();
            out.push(path);
            return &rest[alias..];
        }
        match after.strip_prefix("::") {
            Some(rest) => text = rest,
            None => {
                out.push(path);
                return text;
            }
        }
    }
}

/// Every module path a file's code names, absolute (`crate::`, `super::`,
/// `self::`), and every child it declares with `mod x;`.
fn file_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("::") {
        let head = &code[..at];
        let word: String = {
            let rev: String = head.chars().rev().take_while(|c| is_ident(*c)).collect();
            rev.chars().rev().collect()
        };
        let before = head[..head.len() - word.len()].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        let base: Vec<String> = match word.as_str() {
            "crate" => Vec::new(),
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            "self" => module.to_vec(),
            _ => continue,
        };
        use_tree(&code[at + 2..], &base, &mut out);
    }
    for line in code.lines() {
        let line = line.trim();
        let line = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub(super) "))
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        if let Some(name) = line.strip_prefix("mod ").and_then(|l| l.strip_suffix(';')) {
            let mut child = module.to_vec();
            child.push(name.trim().to_owned());
            out.push(child);
        }
    }
    out
}

/// File → the files it imports, with one place each. A file is named by its
/// module path, `/`-joined (`wallet/text`).
fn file_graph(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|p| module_of(src, p)).collect();
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for path in &files {
        let module = module_of(src, path);
        if module == ["lib"] {
            continue;
        }
        let code = library_code(&std::fs::read_to_string(path).unwrap());
        let from = module.join("/");
        for named in file_paths(&module, &code) {
            let Some(target) = (1..=named.len())
                .rev()
                .map(|k| &named[..k])
                .find(|prefix| modules.contains(*prefix))
            else {
                continue; // the crate root (lib.rs)
            };
            let to = target.join("/");
            if to != from {
                graph
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| {
                        format!(
                            "{} `{}`",
                            path.strip_prefix(src).unwrap().display(),
                            named.join("::")
                        )
                    });
            }
        }
    }
    graph
}

/// The groups of files that import each other, directly or through a cycle
/// (strongly connected components of more than one file).
fn cycle_groups(graph: &BTreeMap<String, BTreeMap<String, String>>) -> BTreeSet<Vec<String>> {
    fn reach(
        graph: &BTreeMap<String, BTreeMap<String, String>>,
        node: &str,
        seen: &mut BTreeSet<String>,
    ) {
        for next in graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            if seen.insert(next.clone()) {
                reach(graph, next, seen);
            }
        }
    }
    let reachable: BTreeMap<&String, BTreeSet<String>> = graph
        .keys()
        .map(|k| {
            let mut seen = BTreeSet::new();
            reach(graph, k, &mut seen);
            (k, seen)
        })
        .collect();
    let mut groups = BTreeSet::new();
    for (a, from_a) in &reachable {
        let mut group: Vec<String> = from_a
            .iter()
            .filter(|b| reachable.get(b).is_some_and(|r| r.contains(*a)))
            .cloned()
            .collect();
        if !group.is_empty() {
            if !group.contains(a) {
                group.push((*a).clone());
            }
            group.sort();
            groups.insert(group);
        }
    }
    groups
}

/// Groups of files that still import each other, each sorted. They are
/// the delegation chain (`delegation/chain.rs` works on `Delegation`, which
/// `delegation.rs` defines) and the wallet proofs: `WalletProof` names every
/// chain's proof type while each chain's verifier matches on `WalletProof`. Take a group
/// off as it is fixed: the test fails on any group not listed, and on a
/// listed group that changed.
const KNOWN_FILE_CYCLES: &[&[&str]] = &[
    &["delegation", "delegation/chain"],
    &[
        "wallet/ethereum",
        "wallet/icp",
        "wallet/icp/canister",
        "wallet/icp/delegation",
        "wallet/near",
        "wallet/proof",
        "wallet/raw",
        "wallet/solana",
        "wallet/stellar",
        "wallet/verifier",
    ],
];

#[test]
fn no_import_cycles_between_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = file_graph(&src);
    let groups = cycle_groups(&graph);
    let known: BTreeSet<Vec<String>> = KNOWN_FILE_CYCLES
        .iter()
        .map(|g| g.iter().map(|f| (*f).to_owned()).collect())
        .collect();
    let describe = |groups: &BTreeSet<Vec<String>>| -> Vec<String> {
        groups
            .iter()
            .map(|group| {
                let path = cycle_from(&graph, &group[0]).unwrap_or_default();
                let steps: Vec<String> = path
                    .windows(2)
                    .map(|w| format!("{} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]]))
                    .collect();
                format!("{group:?}: {}", steps.join(", "))
            })
            .collect()
    };
    let new: BTreeSet<_> = groups.difference(&known).cloned().collect();
    let gone: BTreeSet<_> = known.difference(&groups).cloned().collect();
    assert!(
        new.is_empty(),
        "files of src/ that import each other:\n{}",
        describe(&new).join("\n")
    );
    assert!(
        gone.is_empty(),
        "fixed or changed, update KNOWN_FILE_CYCLES: {gone:?}"
    );
}

#[test]
fn the_file_graph_sees_imports() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = file_graph(&src);
    // `mod x;` is an edge to the child file.
    assert!(graph["token"].contains_key("token/issuer"));
    // `super::` paths and use trees with braces resolve to the sibling file.
    assert!(graph["token/issuer"].contains_key("token/claims"));
    assert!(graph["token/issuer"].contains_key("token/jwks"));
    // `crate::` paths resolve to the deepest file of the path.
    assert!(graph["context"].contains_key("delegation"));
}

#[test]
fn the_file_walker_resolves_paths() {
    let module = |m: &str| m.split('/').map(str::to_owned).collect::<Vec<_>>();
    let code = "use super::{Chain, text::{self, x as y}, a::*};\nuse crate::wallet::AccountId;\n\
                pub(crate) mod child;\nlet s = self::inner::f(super::super::top::g());\n";
    let mut got: Vec<String> = file_paths(&module("wallet/stellar"), code)
        .iter()
        .map(|p| p.join("::"))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "top::g",
            "wallet::AccountId",
            "wallet::Chain",
            "wallet::a",
            "wallet::stellar::child",
            "wallet::stellar::inner::f",
            "wallet::text",
            "wallet::text::x",
        ]
    );
}

#[test]
fn file_cycles_are_found() {
    let edge = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let mut graph: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    // A parent declares its child, the child imports the parent's item.
    for (a, b) in [
        edge("wallet", "wallet/near"),
        edge("wallet/near", "wallet"),
        edge("wallet", "wallet/account"),
        edge("wallet/near", "wallet/account"),
    ] {
        graph.entry(a).or_default().insert(b, "here".into());
    }
    let groups = cycle_groups(&graph);
    assert_eq!(groups.len(), 1);
    assert!(groups.contains(&vec!["wallet".to_owned(), "wallet/near".to_owned()]));
    assert_eq!(
        cycle_from(&graph, "wallet").unwrap(),
        ["wallet", "wallet/near", "wallet"]
    );
    assert!(cycle_from(&graph, "wallet/account").is_none());
}
