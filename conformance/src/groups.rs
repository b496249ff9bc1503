//! Clause groups: which clauses each generated test checks, which features
//! each clause needs, and the proptest strategy generating its scenarios.

use crate::adapter::{Feature, Mode};
use crate::scenario::{GATES, Patience, Scenario, Step, TaskSpec, ThreadOp};
use proptest::prelude::*;

/// A family of clauses checked by one kind of generated scenario.
#[derive(Clone, Copy, Debug)]
pub struct Group {
    /// The group's name (the generated test's name).
    pub name: &'static str,
    /// What it checks, in a few words.
    pub title: &'static str,
    /// The clauses it is responsible for.
    pub clauses: &'static [&'static str],
    strategy: fn() -> BoxedStrategy<Scenario>,
}

impl Group {
    /// Scenarios for this group.
    pub fn strategy(&self) -> BoxedStrategy<Scenario> {
        (self.strategy)()
    }
}

/// Every group, in report order.
pub const GROUPS: &[Group] = &[
    Group {
        name: "futures",
        title: "future states, cancel, result and exception",
        clauses: &[
            "FUT-STATE-1",
            "FUT-PRED-1",
            "FUT-PRED-2",
            "FUT-PRED-3",
            "FUT-CANCEL-1",
            "FUT-CANCEL-2",
            "FUT-CANCEL-3",
            "FUT-NOTIFY-2",
            "FUT-RESULT-1",
            "FUT-RESULT-2",
            "FUT-RESULT-3",
            "FUT-EXC-1",
            "FUT-EXC-2",
            "FUT-TIMEOUT-2",
            "FUT-TIMEOUT-3",
            "EXE-SUBMIT-1",
            "EXE-PANIC-1",
            "EXE-FALLIBLE-1",
            "EXE-CANCEL-1",
        ],
        strategy: futures_scenarios,
    },
    Group {
        name: "scheduling",
        title: "start order, worker bound, resilience",
        clauses: &[
            "EXE-SUBMIT-3",
            "POOL-MAX-1",
            "POOL-REUSE-2",
            "EXE-RESILIENT-1",
        ],
        strategy: scheduling_scenarios,
    },
    Group {
        name: "callbacks",
        title: "add_done_callback",
        clauses: &[
            "CB-ADD-1",
            "CB-ADD-2",
            "CB-ORDER-1",
            "CB-ONCE-1",
            "CB-PANIC-1",
        ],
        strategy: callback_scenarios,
    },
    Group {
        name: "shutdown",
        title: "shutdown(wait, cancel_futures)",
        clauses: &[
            "SHUT-REJECT-1",
            "SHUT-IDEMPOTENT-1",
            "SHUT-WAIT-1",
            "SHUT-NOWAIT-1",
            "SHUT-CANCEL-1",
            "SHUT-CANCEL-2",
            "SHUT-CANCEL-3",
        ],
        strategy: shutdown_scenarios,
    },
    Group {
        name: "wait",
        title: "wait(fs, timeout, return_when)",
        clauses: &[
            "WAIT-PARTITION-1",
            "WAIT-DEDUP-1",
            "WAIT-CANCELLED-1",
            "WAIT-FIRSTCOMPLETED-1",
            "WAIT-FIRSTEXCEPTION-1",
            "WAIT-FIRSTEXCEPTION-2",
            "WAIT-ALLCOMPLETED-1",
            "WAIT-TIMEOUT-1",
            "WAIT-EMPTY-1",
        ],
        strategy: wait_scenarios,
    },
    Group {
        name: "as_completed",
        title: "as_completed(fs, timeout)",
        clauses: &[
            "ASC-DONEFIRST-1",
            "ASC-ORDER-1",
            "ASC-ONCE-1",
            "ASC-CANCELLED-1",
            "ASC-TIMEOUT-1",
            "ASC-EMPTY-1",
        ],
        strategy: as_completed_scenarios,
    },
    Group {
        name: "map",
        title: "map(timeout, chunksize, buffersize) and dropping its iterator",
        clauses: &[
            "MAP-EAGER-1",
            "MAP-ORDER-1",
            "MAP-ERROR-1",
            "MAP-DROP-1",
            "MAP-DROP-2",
            "MAP-BUFFER-1",
            "MAP-BUFFER-2",
            "MAP-BUFFER-3",
            "MAP-CHUNK-1",
            "MAP-CHUNK-2",
            "MAP-TIMEOUT-1",
            "MAP-DEADLINE-1",
        ],
        strategy: map_scenarios,
    },
    Group {
        name: "threads",
        title: "blocking calls from other threads",
        clauses: &["FUT-TIMEOUT-1", "ASC-NOTIMEOUT-1"],
        strategy: thread_scenarios,
    },
    Group {
        name: "broken",
        title: "a failing initializer breaks the executor",
        clauses: &["POOL-BROKEN-1", "POOL-BROKEN-2", "EXE-SUBMIT-2"],
        strategy: broken_scenarios,
    },
];

/// The group named `name`.
pub fn group(name: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.name == name)
}

/// The features a clause needs; without them it is not applicable.
pub fn needs(clause: &str) -> Vec<Feature> {
    use Feature::*;
    let mut out = match clause.split('-').next().unwrap_or("") {
        "CB" => vec![Callbacks],
        "WAIT" => vec![Wait],
        "ASC" => vec![AsCompleted],
        "MAP" => vec![Map],
        _ => vec![],
    };
    out.extend(match clause {
        "FUT-PRED-1" | "FUT-PRED-2" | "FUT-STATE-1" => vec![StatePredicates],
        "FUT-CANCEL-1" | "FUT-CANCEL-2" | "FUT-CANCEL-3" | "FUT-RESULT-3" | "FUT-EXC-2"
        | "EXE-CANCEL-1" => {
            vec![Cancel]
        }
        "FUT-NOTIFY-2" | "WAIT-CANCELLED-1" => vec![Cancel, Wait],
        "ASC-CANCELLED-1" => vec![Cancel],
        "FUT-TIMEOUT-2" | "FUT-TIMEOUT-3" | "WAIT-TIMEOUT-1" | "ASC-TIMEOUT-1"
        | "MAP-TIMEOUT-1" | "MAP-DEADLINE-1" => vec![Timeouts],
        "SHUT-CANCEL-1" | "SHUT-CANCEL-2" => vec![CancelFutures],
        c if c.starts_with("MAP-BUFFER-") => vec![MapBuffersize],
        c if c.starts_with("MAP-CHUNK-") => vec![MapChunksize],
        "POOL-BROKEN-1" | "POOL-BROKEN-2" | "EXE-SUBMIT-2" => vec![Initializer],
        _ => vec![],
    });
    out
}

// ---- strategies -------------------------------------------------------------

fn task() -> impl Strategy<Value = TaskSpec> {
    prop_oneof![
        3 => Just(TaskSpec::Return),
        1 => Just(TaskSpec::Fail),
        1 => Just(TaskSpec::Panic),
        3 => (0..GATES).prop_map(TaskSpec::Gated),
    ]
}

fn gated_task() -> impl Strategy<Value = TaskSpec> {
    prop_oneof![
        1 => Just(TaskSpec::Return),
        3 => (0..GATES).prop_map(TaskSpec::Gated),
    ]
}

fn idx() -> impl Strategy<Value = usize> {
    0..8usize
}

fn fs() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(idx(), 0..5)
}

fn patience() -> impl Strategy<Value = Patience> {
    prop_oneof![
        Just(Patience::Forever),
        Just(Patience::Zero),
        Just(Patience::Short)
    ]
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::FirstCompleted),
        Just(Mode::FirstException),
        Just(Mode::AllCompleted)
    ]
}

fn open() -> impl Strategy<Value = Step> {
    (0..GATES).prop_map(Step::Open)
}

fn submit() -> impl Strategy<Value = Step> {
    task().prop_map(Step::Submit)
}

fn cancel() -> impl Strategy<Value = Step> {
    idx().prop_map(Step::Cancel)
}

fn scenario(
    steps: impl Strategy<Value = Step> + 'static,
    max_steps: usize,
) -> BoxedStrategy<Scenario> {
    scenario_with(Vec::new(), steps, max_steps)
}

/// Random steps; one scenario in four starts with one of `shapes`, short
/// openings that reach a clause's triggering situation at once (which
/// random steps reach only rarely), then goes on at random.
fn scenario_with(
    shapes: Vec<Vec<Step>>,
    steps: impl Strategy<Value = Step> + 'static,
    max_steps: usize,
) -> BoxedStrategy<Scenario> {
    let opening = if shapes.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        prop_oneof![3 => Just(Vec::new()), 1 => prop::sample::select(shapes)].boxed()
    };
    (
        1..=3usize,
        opening,
        prop::collection::vec(steps, 1..=max_steps),
    )
        .prop_map(|(workers, opening, steps)| Scenario {
            workers,
            failing_initializer: false,
            steps: opening.into_iter().chain(steps).collect(),
        })
        .boxed()
}

fn futures_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        4 => submit(),
        2 => cancel(),
        2 => open(),
        2 => (idx(), patience()).prop_map(|(i, p)| Step::Result(i, p)),
        1 => (idx(), patience()).prop_map(|(i, p)| Step::Exception(i, p)),
    ];
    scenario(step, 12)
}

fn scheduling_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        5 => submit(),
        3 => open(),
        1 => cancel(),
    ];
    scenario(step, 14)
}

fn callback_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        3 => submit(),
        4 => (idx(), prop::bool::weighted(0.25)).prop_map(|(i, p)| Step::Callback(i, p)),
        1 => cancel(),
        2 => open(),
    ];
    scenario(step, 12)
}

fn shutdown_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        4 => submit(),
        1 => cancel(),
        2 => open(),
        1 => (any::<bool>(), any::<bool>())
            .prop_map(|(wait, cancel_futures)| Step::Shutdown { wait, cancel_futures }),
        1 => (idx(), patience()).prop_map(|(i, p)| Step::Result(i, p)),
    ];
    scenario(step, 12)
}

fn wait_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        4 => submit(),
        1 => cancel(),
        2 => open(),
        3 => (fs(), mode(), patience()).prop_map(|(fs, m, p)| Step::Wait(fs, m, p)),
    ];
    use Step::{Open, Submit, Wait};
    use TaskSpec::{Fail, Gated};
    let shapes = vec![
        // A failed future and a running one: FirstException returns at once.
        vec![
            Submit(Fail),
            Submit(Gated(0)),
            Wait(vec![0, 1], Mode::FirstException, Patience::Forever),
        ],
        // A completion after the last submit, then a wait without timeout.
        vec![
            Submit(Gated(0)),
            Submit(Gated(1)),
            Open(0),
            Wait(vec![0, 1], Mode::FirstCompleted, Patience::Forever),
        ],
    ];
    scenario_with(shapes, step, 12)
}

fn as_completed_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        4 => submit(),
        1 => cancel(),
        2 => open(),
        3 => (fs(), patience()).prop_map(|(fs, p)| Step::AsCompleted(fs, p)),
    ];
    scenario(step, 12)
}

fn map_scenarios() -> BoxedStrategy<Scenario> {
    let map_item = prop_oneof![
        3 => Just(TaskSpec::Return),
        1 => Just(TaskSpec::Panic),
        3 => (0..GATES).prop_map(TaskSpec::Gated),
    ];
    let map = (
        prop::collection::vec(map_item, 0..7),
        1..=3usize,
        prop::option::weighted(0.4, 1..=3usize),
    )
        .prop_map(|(items, chunksize, buffersize)| Step::Map {
            items,
            chunksize,
            buffersize,
            timeout: false,
        });
    let step = prop_oneof![
        2 => gated_task().prop_map(Step::Submit),
        2 => open(),
        2 => map,
        5 => Just(Step::MapNext),
        2 => Just(Step::MapDrop),
        1 => any::<bool>().prop_map(|c| Step::Shutdown { wait: false, cancel_futures: c }),
    ];
    use TaskSpec::{Gated, Return};
    let shapes = vec![
        // Two finished items, then as many blocked as there can be workers
        // and one queued: next() yields the first, the drop cancels the
        // queued one.
        vec![
            Step::Map {
                items: vec![Return, Return, Gated(0), Gated(0), Gated(0), Return],
                chunksize: 1,
                buffersize: None,
                timeout: false,
            },
            Step::MapNext,
            Step::MapDrop,
        ],
        // A buffered map whose next() has an item to submit after shutdown:
        // the refusal ends the iteration (MAP-BUFFER-3).
        vec![
            Step::Map {
                items: vec![Return, Return, Return, Return],
                chunksize: 1,
                buffersize: Some(1),
                timeout: false,
            },
            Step::MapNext,
            Step::Shutdown {
                wait: false,
                cancel_futures: false,
            },
            Step::MapNext,
        ],
    ];
    scenario_with(shapes, step, 14)
}

fn thread_scenarios() -> BoxedStrategy<Scenario> {
    let op = prop_oneof![
        idx().prop_map(ThreadOp::Result),
        (fs(), mode()).prop_map(|(fs, m)| ThreadOp::Wait(fs, m)),
        fs().prop_map(ThreadOp::AsCompleted),
    ];
    let step = prop_oneof![
        4 => submit(),
        1 => cancel(),
        3 => open(),
        3 => op.prop_map(Step::Spawn),
        1 => Just(Step::Join),
        1 => any::<bool>().prop_map(|c| Step::Shutdown { wait: true, cancel_futures: c }),
    ];
    scenario(step, 14)
}

fn broken_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        4 => submit(),
        1 => cancel(),
        1 => open(),
        1 => (any::<bool>(), any::<bool>())
            .prop_map(|(wait, cancel_futures)| Step::Shutdown { wait, cancel_futures }),
        2 => (idx(), patience()).prop_map(|(i, p)| Step::Result(i, p)),
    ];
    (1..=3usize, prop::collection::vec(step, 1..=10))
        .prop_map(|(workers, steps)| Scenario {
            workers,
            failing_initializer: true,
            steps,
        })
        .boxed()
}
