//! Keeps the spec and the checks from drifting apart:
//!
//! * every clause heading in `spec/*.md` (`### ID — title`) is unique, well
//!   formed and states the CPython versions it holds for;
//! * every clause is named by at least one test (in `tests/`, `models/` or
//!   `conformance/`);
//! * every clause ID named by a test, or by the source's documentation,
//!   exists (a `PREFIX-TOPIC-*` wildcard in the source must match some clause).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const PREFIXES: &[&str] = &[
    "FUT", "CB", "ERR", "EXE", "MAP", "SHUT", "POOL", "WAIT", "ASC", "DIV",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `PREFIX-TOPIC(-TOPIC)*-N` with a known prefix; `wildcard` allows `-*` as the last part.
fn is_clause_id(token: &str, wildcard: bool) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    if parts.len() < 3 || !PREFIXES.contains(&parts[0]) {
        return false;
    }
    let last = parts[parts.len() - 1];
    let last_ok =
        (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) || (wildcard && last == "*");
    let middle_ok = parts[1..parts.len() - 1].iter().all(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    });
    last_ok && middle_ok
}

/// Clause IDs mentioned anywhere in `text`.
fn mentioned_ids(text: &str, wildcard: bool) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '*'))
        .map(|t| t.trim_matches('-'))
        .filter(|t| is_clause_id(t, wildcard))
        .map(str::to_string)
        .collect()
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// Clause ID -> (file, heading line) for every clause in the spec.
fn spec_clauses() -> BTreeMap<String, (String, String)> {
    let mut clauses = BTreeMap::new();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    files_under(&root().join("spec"), "md", &mut files);
    assert!(!files.is_empty(), "no spec files found");
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        if name == "README.md" {
            // The index shows an example clause; it defines none.
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(rest) = line.strip_prefix("### ") else {
                continue;
            };
            let id = rest.split_whitespace().next().unwrap_or("");
            if !is_clause_id(id, false) {
                continue;
            }
            // The clause body runs to the next heading.
            let body: Vec<&str> = lines[i + 1..]
                .iter()
                .take_while(|l| !l.starts_with('#'))
                .copied()
                .collect();
            if !body.iter().any(|l| l.starts_with("CPython:")) {
                problems.push(format!("{id} ({name}) has no `CPython:` line"));
            }
            if !body
                .iter()
                .any(|l| l.contains("MUST") || l.contains("SHOULD") || l.contains("MAY"))
            {
                problems.push(format!("{id} ({name}) has no MUST/SHOULD/MAY"));
            }
            if let Some((other, _)) =
                clauses.insert(id.to_string(), (name.clone(), line.to_string()))
            {
                problems.push(format!("{id} is defined twice ({other} and {name})"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "malformed spec:\n{}",
        problems.join("\n")
    );
    clauses
}

/// IDs mentioned by the tests, per file.
fn test_mentions() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    for dir in ["tests", "models", "conformance", "examples"] {
        files_under(&root().join(dir), "rs", &mut files);
    }
    let mut out = BTreeMap::new();
    for f in files {
        if f.ends_with("tests/traceability.rs") {
            continue;
        }
        let text = fs::read_to_string(&f).unwrap();
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .to_string();
        out.insert(rel, mentioned_ids(&text, false));
    }
    out
}

#[test]
fn traceability_every_clause_has_a_test() {
    let clauses = spec_clauses();
    let tested: BTreeSet<String> = test_mentions().into_values().flatten().collect();
    let untested: Vec<String> = clauses
        .iter()
        .filter(|(id, _)| !tested.contains(*id))
        .map(|(id, (file, _))| format!("{id} ({file})"))
        .collect();
    assert!(
        untested.is_empty(),
        "{} of {} spec clauses have no test naming them:\n{}",
        untested.len(),
        clauses.len(),
        untested.join("\n")
    );
}

#[test]
fn traceability_tests_name_only_existing_clauses() {
    let clauses = spec_clauses();
    let mut unknown = Vec::new();
    for (file, ids) in test_mentions() {
        for id in ids {
            if !clauses.contains_key(&id) {
                unknown.push(format!("{file}: {id}"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "tests name clauses that do not exist:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn traceability_source_docs_name_only_existing_clauses() {
    let clauses = spec_clauses();
    let mut files = Vec::new();
    files_under(&root().join("src"), "rs", &mut files);
    let mut unknown = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for id in mentioned_ids(&text, true) {
            let known = match id.strip_suffix('*') {
                Some(prefix) => clauses.keys().any(|c| c.starts_with(prefix)),
                None => clauses.contains_key(&id),
            };
            if !known {
                unknown.push(format!("{}: {id}", f.display()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "source docs name clauses that do not exist:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn traceability_id_parser_accepts_ids_and_rejects_others() {
    assert!(is_clause_id("FUT-CANCEL-1", false));
    assert!(is_clause_id("MAP-BUFFER-12", false));
    assert!(!is_clause_id("FUT-CANCEL", false));
    assert!(!is_clause_id("XYZ-CANCEL-1", false));
    assert!(!is_clause_id("FUT-cancel-1", false));
    assert!(!is_clause_id("FUT-CANCEL-*", false));
    assert!(is_clause_id("FUT-CANCEL-*", true));
    assert_eq!(
        mentioned_ids("/// FUT-CANCEL-2, CB-ORDER-1 and FUT-X", false),
        ["CB-ORDER-1", "FUT-CANCEL-2"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

/// The spec's "Model-checked clauses" section: each model listed exists in
/// `models/tests/`, and the model (its doc comment and body) names every
/// clause listed with it.
#[test]
fn traceability_model_checked_clauses_match_the_models() {
    let clauses = spec_clauses();
    let readme = fs::read_to_string(root().join("spec/README.md")).unwrap();
    let section = readme
        .split("## Model-checked clauses")
        .nth(1)
        .expect("spec/README.md has a Model-checked clauses section")
        .split("\n## ")
        .next()
        .unwrap();
    let mut model_files = Vec::new();
    files_under(&root().join("models/tests"), "rs", &mut model_files);
    let sources: Vec<String> = model_files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    let mut problems = Vec::new();
    let mut listed = 0;
    for line in section.lines().filter(|l| l.starts_with("- `")) {
        listed += 1;
        let name = line[3..].split('`').next().unwrap();
        // The model's text: its doc comment and body, up to the next model.
        let Some(text) = sources.iter().find_map(|src| {
            let at = src.find(&format!("fn {name}("))?;
            let start = src[..at].rfind("\n\n").unwrap_or(0);
            let end = src[at..].find("\n}\n").map_or(src.len(), |e| at + e);
            Some(src[start..end].to_string())
        }) else {
            problems.push(format!("model `{name}` not found in models/tests"));
            continue;
        };
        let named = mentioned_ids(&text, false);
        for id in mentioned_ids(line, false) {
            if !clauses.contains_key(&id) {
                problems.push(format!("{name}: {id} is not a clause"));
            } else if !named.contains(&id) {
                problems.push(format!("{name} does not name {id}"));
            }
        }
    }
    assert!(listed > 0, "the section lists no model");
    assert!(
        problems.is_empty(),
        "model-checked clauses drifted:\n{}",
        problems.join("\n")
    );
}
