//! The spec's machine-readable future state table
//! (`spec/future-state-machine.tsv`), which the oracle reads instead of
//! restating it: what each operation returns in each state, the state it
//! leads to, whether callbacks run, and the clause that says so.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The table's text, compiled in.
pub const STATE_TABLE_TSV: &str = include_str!("../../spec/future-state-machine.tsv");

/// A future's state in the spec's terms, with FINISHED split by outcome as
/// the table does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecState {
    /// PENDING.
    Pending,
    /// RUNNING.
    Running,
    /// CANCELLED (cancelled, not yet acknowledged by the executor).
    Cancelled,
    /// CANCELLED_AND_NOTIFIED.
    CancelledAndNotified,
    /// FINISHED with a value.
    FinishedValue,
    /// FINISHED with an exception.
    FinishedException,
}

impl SpecState {
    /// The table's spelling.
    pub fn name(self) -> &'static str {
        match self {
            SpecState::Pending => "PENDING",
            SpecState::Running => "RUNNING",
            SpecState::Cancelled => "CANCELLED",
            SpecState::CancelledAndNotified => "CANCELLED_AND_NOTIFIED",
            SpecState::FinishedValue => "FINISHED(value)",
            SpecState::FinishedException => "FINISHED(exception)",
        }
    }

    fn parse(s: &str) -> Option<SpecState> {
        [
            SpecState::Pending,
            SpecState::Running,
            SpecState::Cancelled,
            SpecState::CancelledAndNotified,
            SpecState::FinishedValue,
            SpecState::FinishedException,
        ]
        .into_iter()
        .find(|st| st.name() == s)
    }

    /// What `done()` returns in this state, per the table.
    pub fn reports_done(self) -> bool {
        StateTable::get().predicate(self, "done")
    }

    /// Whether `wait` and `as_completed` count it as done (FINISHED or
    /// CANCELLED_AND_NOTIFIED; WAIT-CANCELLED-1).
    pub fn done_for_waiters(self) -> bool {
        matches!(
            self,
            SpecState::CancelledAndNotified
                | SpecState::FinishedValue
                | SpecState::FinishedException
        )
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// What the operation returns (`true`, `false`, `err:Timeout`, `queued`, …).
    pub returns: String,
    /// The state afterwards (`None`: unchanged).
    pub next: Option<SpecState>,
    /// Whether stored callbacks run.
    pub runs_callbacks: bool,
    /// The clause that states the row.
    pub clause: String,
}

/// The parsed table.
#[derive(Debug)]
pub struct StateTable {
    rows: HashMap<(SpecState, String), Row>,
}

impl StateTable {
    /// The table compiled into the kit, parsed once.
    pub fn get() -> &'static StateTable {
        static TABLE: OnceLock<StateTable> = OnceLock::new();
        TABLE.get_or_init(|| StateTable::parse(STATE_TABLE_TSV).expect("spec state table parses"))
    }

    /// Parses the TSV text.
    pub fn parse(text: &str) -> Result<StateTable, String> {
        let mut rows = HashMap::new();
        for (n, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() != 8 {
                return Err(format!("line {}: expected 8 columns", n + 1));
            }
            let state =
                SpecState::parse(cols[0]).ok_or_else(|| format!("line {}: bad state", n + 1))?;
            let next = match cols[3] {
                "same" => None,
                s => Some(SpecState::parse(s).ok_or_else(|| format!("line {}: bad next", n + 1))?),
            };
            rows.insert(
                (state, cols[1].to_string()),
                Row {
                    returns: cols[2].to_string(),
                    next,
                    runs_callbacks: cols[4] == "run",
                    clause: cols[7].to_string(),
                },
            );
        }
        Ok(StateTable { rows })
    }

    /// The row for `operation` in `state`.
    pub fn row(&self, state: SpecState, operation: &str) -> &Row {
        self.rows
            .get(&(state, operation.to_string()))
            .unwrap_or_else(|| panic!("state table has no row {} / {operation}", state.name()))
    }

    /// A predicate (`cancelled`, `running`, `done`) in `state`.
    pub fn predicate(&self, state: SpecState, operation: &str) -> bool {
        self.row(state, operation).returns == "true"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_every_state_and_operation() {
        let t = StateTable::get();
        assert_eq!(t.rows.len(), 60);
        assert!(t.predicate(SpecState::Running, "running"));
        assert!(!t.predicate(SpecState::Cancelled, "running"));
        assert_eq!(
            t.row(SpecState::Pending, "cancel").next,
            Some(SpecState::Cancelled)
        );
    }
}
