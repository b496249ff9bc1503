//! Which CPython versions each spec clause holds for: the `CPython:` line
//! under each clause heading of `spec/*.md`, read at build time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

const SPEC: &[&str] = &[
    include_str!("../../../spec/as-completed.md"),
    include_str!("../../../spec/callbacks.md"),
    include_str!("../../../spec/divergences.md"),
    include_str!("../../../spec/errors.md"),
    include_str!("../../../spec/executor.md"),
    include_str!("../../../spec/future.md"),
    include_str!("../../../spec/map.md"),
    include_str!("../../../spec/shutdown.md"),
    include_str!("../../../spec/thread-pool.md"),
    include_str!("../../../spec/wait.md"),
];

/// A clause's CPython line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Holds {
    /// Holds for CPython 3.`lo` through 3.`hi` (inclusive).
    Minors(u32, u32),
    /// The reference only (`CPython: n/a`): CPython behaves otherwise.
    ReferenceOnly,
}

/// Every clause ID with its CPython line and title.
pub fn clauses() -> &'static BTreeMap<String, (Holds, String)> {
    static TABLE: OnceLock<BTreeMap<String, (Holds, String)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = BTreeMap::new();
        for text in SPEC {
            let mut current: Option<(String, String)> = None;
            for line in text.lines() {
                if let Some(head) = line.strip_prefix("### ") {
                    let (id, title) = head.split_once(" — ").unwrap_or((head, ""));
                    current = Some((id.trim().to_string(), title.trim().to_string()));
                } else if let Some(rest) = line.strip_prefix("CPython:") {
                    if let Some((id, title)) = current.take() {
                        if let Some(h) = parse(rest.trim()) {
                            table.insert(id, (h, title));
                        }
                    }
                }
            }
        }
        table
    })
}

fn minor(s: &str) -> Option<u32> {
    s.trim().strip_prefix("3.")?.split('.').next()?.parse().ok()
}

fn parse(s: &str) -> Option<Holds> {
    if s.starts_with("n/a") {
        return Some(Holds::ReferenceOnly);
    }
    let range = s.split_whitespace().next()?;
    match range.split_once(['–', '-']) {
        Some((lo, hi)) => Some(Holds::Minors(minor(lo)?, minor(hi)?)),
        None => minor(range).map(|m| Holds::Minors(m, m)),
    }
}

/// The newest CPython minor version any clause claims (3.`newest`): the
/// newest released CPython, which the spec follows.
pub fn newest() -> u32 {
    clauses()
        .values()
        .filter_map(|(h, _)| match h {
            Holds::Minors(_, hi) => Some(*hi),
            Holds::ReferenceOnly => None,
        })
        .max()
        .unwrap_or(0)
}

/// The version `minor` is compared as: itself, or the newest claimed one
/// when it is newer than every claim (a CPython released after the spec was
/// last verified is held to the newest behaviour, never waved through).
pub fn compared_as(minor: u32) -> u32 {
    minor.min(newest())
}

/// Whether `clause` is stated to hold on CPython 3.`minor` (`None`: the
/// clause has no CPython line). A version newer than every claim is read
/// as the newest claimed one ([`compared_as`]).
pub fn holds_on(clause: &str, minor: u32) -> Option<bool> {
    let minor = compared_as(minor);
    match &clauses().get(clause)?.0 {
        Holds::Minors(lo, hi) => Some(*lo <= minor && minor <= *hi),
        Holds::ReferenceOnly => Some(false),
    }
}

/// The recorded divergence (`DIV-*`) named by `clause`'s `Reference:`
/// paragraph, if any: the spec's record that CPython behaves otherwise.
pub fn divergence_of(clause: &str) -> Option<String> {
    static TABLE: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut table = BTreeMap::new();
        for text in SPEC {
            let (mut id, mut in_reference) = (None::<String>, false);
            for line in text.lines() {
                if let Some(head) = line.strip_prefix("### ") {
                    id = Some(head.split(" — ").next().unwrap_or(head).trim().to_string());
                    in_reference = false;
                    continue;
                }
                if line.starts_with("Reference:") {
                    in_reference = true;
                } else if line.trim().is_empty() || line.contains(':') && !in_reference {
                    in_reference = false;
                }
                if !in_reference {
                    continue;
                }
                let div = line
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .find(|t| t.starts_with("DIV-") && t.len() > 4);
                if let (Some(id), Some(div)) = (&id, div) {
                    table.entry(id.clone()).or_insert_with(|| div.to_string());
                }
            }
        }
        table
    });
    table.get(clause).cloned()
}

/// The text of spec entry `id` (its heading and the lines up to the next
/// heading), if the spec has it.
pub fn section(id: &str) -> Option<String> {
    SPEC.iter().find_map(|text| {
        let start = text.lines().position(|l| {
            l.strip_prefix("### ")
                .is_some_and(|h| h.split(" — ").next() == Some(id))
        })?;
        let body: Vec<&str> = text
            .lines()
            .skip(start)
            .enumerate()
            .take_while(|(k, l)| *k == 0 || !l.starts_with("#"))
            .map(|(_, l)| l)
            .collect();
        Some(body.join("\n"))
    })
}

/// A clause's title, for reports.
pub fn title(clause: &str) -> &'static str {
    clauses().get(clause).map(|(_, t)| t.as_str()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_cpython_lines_are_read() {
        assert_eq!(holds_on("POOL-INIT-1", 6), Some(false));
        assert_eq!(holds_on("POOL-INIT-1", 7), Some(true));
        assert_eq!(holds_on("MAP-BUFFER-1", 13), Some(false));
        assert_eq!(holds_on("MAP-BUFFER-1", 14), Some(true));
        assert_eq!(holds_on("DIV-NOTIFY-1", 11), Some(false));
        assert!(clauses().len() > 100, "{} clauses", clauses().len());
        assert_eq!(
            divergence_of("SHUT-CANCEL-1").as_deref(),
            Some("DIV-NOTIFY-1")
        );
        assert_eq!(divergence_of("FUT-STATE-1"), None);
    }

    /// A CPython newer than every claim is compared as the newest claimed
    /// one: a clause holding up to the newest still holds on it, a clause
    /// that stopped holding earlier still does not.
    #[test]
    fn a_version_newer_than_every_claim_is_compared_as_the_newest() {
        let n = newest();
        assert!(n >= 15, "the spec follows CPython 3.15 or newer, not 3.{n}");
        assert_eq!(compared_as(n + 1), n);
        assert_eq!(compared_as(n - 1), n - 1);
        assert_eq!(holds_on("POOL-INIT-1", n + 1), Some(true));
        assert_eq!(holds_on("MAP-BUFFER-1", n + 3), Some(true));
        assert_eq!(holds_on("DIV-NOTIFY-1", n + 1), Some(false));
        // A clause whose range ends before the newest stays false above it.
        let ended = clauses()
            .iter()
            .find(|(_, (h, _))| matches!(h, Holds::Minors(_, hi) if *hi < n));
        if let Some((id, _)) = ended {
            assert_eq!(holds_on(id, n + 1), Some(false), "{id}");
        }
    }
}
