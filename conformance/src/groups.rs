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
    shapes: fn() -> Vec<Scenario>,
}

impl Group {
    /// Scenarios for this group.
    pub fn strategy(&self) -> BoxedStrategy<Scenario> {
        (self.strategy)()
    }

    /// The group's directed scenarios, in the order a check runs them before
    /// the generated ones: short scenarios that reach a clause's triggering
    /// situation at once. Together they check every clause of the group on a
    /// conforming executor (the fixed timing probes of `map` aside), so that
    /// a check of few cases still decides every clause.
    pub fn shapes(&self) -> Vec<Scenario> {
        (self.shapes)()
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
        shapes: futures_shapes,
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
        shapes: scheduling_shapes,
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
            "CB-PANIC-2",
        ],
        strategy: callback_scenarios,
        shapes: callback_shapes,
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
        shapes: shutdown_shapes,
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
        shapes: wait_shapes,
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
        shapes: as_completed_shapes,
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
        shapes: map_shapes,
    },
    Group {
        name: "threads",
        title: "blocking calls from other threads",
        clauses: &["FUT-TIMEOUT-1", "ASC-NOTIMEOUT-1"],
        strategy: thread_scenarios,
        shapes: thread_shapes,
    },
    Group {
        name: "broken",
        title: "a failing initializer breaks the executor",
        clauses: &["POOL-BROKEN-1", "POOL-BROKEN-2", "EXE-SUBMIT-2"],
        strategy: broken_scenarios,
        shapes: broken_shapes,
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

/// Random steps; one scenario in four starts with one of `openings`, short
/// openings that reach a clause's triggering situation at once (which
/// random steps reach only rarely), then goes on at random.
fn scenario_with(
    openings: Vec<Vec<Step>>,
    steps: impl Strategy<Value = Step> + 'static,
    max_steps: usize,
) -> BoxedStrategy<Scenario> {
    let opening = if openings.is_empty() {
        Just(Vec::new()).boxed()
    } else {
        prop_oneof![3 => Just(Vec::new()), 1 => prop::sample::select(openings)].boxed()
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

/// A directed scenario: `workers` workers, these steps.
fn shape(workers: usize, steps: Vec<Step>) -> Scenario {
    Scenario {
        workers,
        failing_initializer: false,
        steps,
    }
}

/// Directed scenarios written as replay texts (see [`crate::replay`]).
fn shapes_of(texts: &[&str]) -> Vec<Scenario> {
    texts
        .iter()
        .map(|t| Scenario::from_replay(t).expect("a directed shape is a valid replay text"))
        .collect()
}

fn futures_shapes() -> Vec<Scenario> {
    shapes_of(&[
        // Cancel a queued future twice, read it, then a running and a
        // finished one.
        "w1;s:gA;s:r;c:1;c:1;r:1:n;e:1:z;c:0;o:A;r:0:n;c:0",
        // A failure and a panic, read both ways.
        "w1;s:f;s:p;r:0:n;e:0:n;r:1:z;e:1:s",
        // Zero and short timeouts on a running future, then on a done one.
        "w1;s:gA;r:0:z;e:0:z;r:0:s;e:0:s;o:A;r:0:s;e:0:z",
        // A cancelled queued future reached by the worker.
        "w1;s:gA;s:r;c:1;o:A;e:1:n",
    ])
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

fn scheduling_shapes() -> Vec<Scenario> {
    shapes_of(&[
        // More blocked tasks than workers: the bound, then FIFO start.
        "w2;s:gA;s:gA;s:gB;s:r;o:A;o:B",
        // As many blocked tasks as workers: all start at once.
        "w3;s:gA;s:gA;s:gA;o:A",
        // A panic and a failure, then a task that must still run.
        "w1;s:p;s:f;s:r",
    ])
}

fn scheduling_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        5 => submit(),
        3 => open(),
        1 => cancel(),
    ];
    scenario(step, 14)
}

fn callback_shapes() -> Vec<Scenario> {
    shapes_of(&[
        // Stored callbacks, one panicking, run in order at completion.
        "w1;s:gA;cb:0;cb!:0;cb:0;o:A",
        // Callbacks on a done future run at once, one panicking.
        "w1;s:r;cb:0;cb!:0;cb:0",
        // Stored callbacks run by cancel(), one panicking; then at once.
        "w1;s:gA;s:r;cb:1;cb!:1;cb:1;c:1;cb:1;o:A",
    ])
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

fn shutdown_shapes() -> Vec<Scenario> {
    shapes_of(&[
        // shutdown(wait=False) twice with queued work, then a refused submit.
        "w1;s:gA;s:r;s:r;sd:0:0;sd:0:0;s:r;o:A",
        // cancel_futures=True with a running, a queued and a finished task.
        "w1;s:r;s:gA;s:r;s:gB;sd:0:1;o:A;o:B;r:1:n",
        // shutdown(wait=True) on a helper thread while a task is blocked.
        "w1;s:gA;s:r;sd:1:0;o:A;r:1:n",
        // map() after shutdown is refused like submit() (SHUT-REJECT-1),
        // checked first, before any task: an executor whose tasks fail an
        // earlier clause still gets this one checked.
        "w1;sd:0:0;m:r:1:-:-",
    ])
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

fn wait_shapes() -> Vec<Scenario> {
    let mut shapes: Vec<Scenario> = wait_openings().into_iter().map(|s| shape(2, s)).collect();
    shapes.extend(shapes_of(&[
        // Duplicates, a zero timeout, an empty list.
        "w1;s:r;s:gA;w:0,0,1:fc:z;w:0,1:ac:s;w::ac:n;o:A;w:1,0:ac:n",
        // A cancelled future counts as done.
        "w1;s:gA;s:r;c:1;w:1:fc:n;w:0,1:fe:z;o:A",
        // FIRST_EXCEPTION with no failure waits for all.
        "w2;s:gA;s:r;w:0,1:fe:s;o:A;w:0,1:fe:n",
    ]));
    shapes
}

fn wait_scenarios() -> BoxedStrategy<Scenario> {
    let step = prop_oneof![
        4 => submit(),
        1 => cancel(),
        2 => open(),
        3 => (fs(), mode(), patience()).prop_map(|(fs, m, p)| Step::Wait(fs, m, p)),
    ];
    scenario_with(wait_openings(), step, 12)
}

/// Openings of generated wait scenarios (and directed shapes).
fn wait_openings() -> Vec<Vec<Step>> {
    use Step::{Open, Submit, Wait};
    use TaskSpec::{Fail, Gated};
    vec![
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
    ]
}

fn as_completed_shapes() -> Vec<Scenario> {
    shapes_of(&[
        // Done first, duplicates once, the deadline, then all.
        "w1;s:r;s:gA;ac:0,1,0:s;o:A;ac:1,0,1:n",
        // A cancelled future before and after the worker reaches it.
        "w1;s:gA;s:r;c:1;ac:1:z;o:A;ac:0,1:n",
        // An empty list.
        "w1;ac::n;ac::z",
    ])
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

fn map_shapes() -> Vec<Scenario> {
    let openings = map_openings();
    let mut shapes = vec![shape(3, openings[0].clone()), shape(1, openings[1].clone())];
    shapes.extend(shapes_of(&[
        // A panicking item: yielded as an error, the rest cancelled.
        "w1;m:r,p,gA,r:1:-:-;n;n;n;o:A",
        // Dropped before the first next(): nothing cancelled — four items
        // still queued behind the held one, so that an executor that drops
        // the items it has not handed to a worker yet shows it (dask's
        // client releases them: MAP-DROP-2; with one queued item, that one
        // had often reached the worker already).
        "w1;m:r,gA,r,r,r,r:1:-:-;d;o:A",
        // A buffered map: each next() submits one more item.
        "w1;m:r,r,r,r:1:2:-;n;n;n;n;n",
        // Chunks: a failure fails its chunk; buffered chunks.
        "w1;m:r,f:3:-:-;n;n",
        "w1;m:r,r,gA,r,r:2:1:-;n;o:A;n;n;n",
    ]));
    shapes
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
    scenario_with(map_openings(), step, 14)
}

/// Openings of generated map scenarios (and directed shapes).
fn map_openings() -> Vec<Vec<Step>> {
    use TaskSpec::{Gated, Return};
    vec![
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
    ]
}

fn thread_shapes() -> Vec<Scenario> {
    shapes_of(&[
        // Blocking calls without a timeout on other threads, then released.
        "w1;s:gA;t:r:0;t:w:0:ac;t:ac:0;o:A;j;j;j",
    ])
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

fn broken_shapes() -> Vec<Scenario> {
    shapes_of(&[
        // A failing initializer: the pending work fails, submit is refused.
        "w1!;s:r;r:0:n;s:r",
        "w2!;s:gA;s:r;r:1:n;sd:0:0",
    ])
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
