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

/// Whether `clause` is stated to hold on CPython 3.`minor` (`None`: the
/// clause has no CPython line).
pub fn holds_on(clause: &str, minor: u32) -> Option<bool> {
    match &clauses().get(clause)?.0 {
        Holds::Minors(lo, hi) => Some(*lo <= minor && minor <= *hi),
        Holds::ReferenceOnly => Some(false),
    }
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
    }
}
