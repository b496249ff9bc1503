//! `concurrent-futures-conformance`: checks executors clause by clause and
//! prints the clause × executor matrix.
//!
//! ```text
//! cargo run --release -p concurrent-futures-conformance -- \
//!     [--executor NAME]... [--cases N] [--seed S] [--format table|json|junit]
//!     [--group NAME]... [--patience MS]
//! concurrent-futures-conformance --executor NAME --replay TEXT [--patience MS]
//! concurrent-futures-conformance [--python PATH] --executor py:MODULE:CALLABLE
//!     [--missing FEATURE,...] [--known CLAUSE=WHY]... [other run options]
//! concurrent-futures-conformance --gallery [--cases N] [--seed S]
//! concurrent-futures-conformance --list
//! ```
//!
//! Exits 0 when every executor passes every clause it claims (clauses it
//! declares unsupported are `n/a`; declared deviations are `known`, with
//! their reason), 1 when a claimed clause fails or a declared deviation no
//! longer does (`STALE`; or a gallery bug survives; or a replayed scenario
//! violates a clause), 2 on bad arguments, 141 when stdout is closed early. The rules for combining options are in `USAGE`.

use concurrent_futures_conformance::adapters::{
    EXECUTORS, PythonExecutor, check_named_with_partial, entry, options_for, replay_named,
};
use concurrent_futures_conformance::gallery::{Bug, gallery_options, hunt};
use concurrent_futures_conformance::{
    CLI_REPLAY, Feature, GROUPS, KnownDeviation, Options, Replay, Report, check_with_partial,
    render_json_all, render_junit_all, render_matrix,
};
use shared::{Argv, Progress, feature_list, known_deviation, note, number, print, usage_error};
use std::process::ExitCode;
use std::sync::Arc;

#[path = "shared/mod.rs"]
mod shared;

const PROGRAM: &str = "concurrent-futures-conformance";

const USAGE: &str = "\
usage: concurrent-futures-conformance [--executor NAME]... [--cases N] [--seed S]
                                      [--format table|json|junit] [--group NAME]... [--patience MS]
                                      [--shrink-runs N] [--shrink-time S] [--out FILE]
       concurrent-futures-conformance --executor NAME --replay TEXT [--patience MS] [python options]
       concurrent-futures-conformance [--python PATH] --executor py:MODULE:CALLABLE
                                      [--missing FEATURE,...] [--known CLAUSE=WHY]... [run options]
       concurrent-futures-conformance --gallery [--cases N] [--seed S]
       concurrent-futures-conformance --list
       concurrent-futures-conformance --help

  --executor NAME   check this executor (repeatable; default: every executor in --list);
                    py:MODULE:CALLABLE is a Python executor (MODULE.CALLABLE(max_workers=N)),
                    driven through conformance/python/cf_server.py
  --python PATH     the interpreter for py: executors (default python3)
  --isolated        the py: executors run tasks in other processes or interpreters (process and
                    interpreter pools): tasks report to the driver through a local socket
  --missing LIST    features the py: executors lack, comma-separated: their clauses are n/a
                    (cancel, state-predicates, callbacks, timeouts, wait, as-completed, map,
                    map-chunksize, map-buffersize, cancel-futures, initializer)
  --known C=WHY     clause C is a known deviation of the executors checked, for reason WHY
                    (STALE if no case shows it)
  --known-timing C=WHY
                    the same, for a deviation that shows only when the executor's own
                    threads are quick enough (never STALE)
                    (repeatable, once per clause)
  --cases N         scenarios per clause group, 1 to 4294967295 (default 256): the group's
                    directed shapes first (1 to 7; with fewer cases, the first N), then
                    generated ones
  --seed S          seed for scenario generation, decimal or 0x-hex (default 0xc0ffee)
  --format F        table (default), json or junit
  --group NAME      only this clause group (repeatable)
  --patience MS     how long to wait for what must happen before it may be a hang,
                    1 to 86400000 (default 2000; a hang is confirmed with 5 times as long)
  --out FILE        also write the report (in --format) to FILE, rewritten after every clause
                    group, so that an interrupted run keeps what it found (marked incomplete,
                    naming the groups not run, and never a pass)
  --shrink-runs N   scenarios run at most while minimising one failure (default 2000)
  --shrink-time S   seconds spent at most minimising one failure (default 60)
  --replay TEXT     run one scenario (the replay text a failure prints) on one --executor;
                    takes only --executor, --patience, --python, --isolated, --missing and
                    --known
  --gallery         run the kit on every deliberately broken executor and print the kill rate;
                    takes only --cases and --seed
  --list            list executors, gallery bugs and clause groups; takes no other option

Options are given once each (--executor and --group once per name); a value may be attached
(--cases=64). Exit status: 0 every claimed clause passes (with --gallery: every bug is killed),
1 a claimed clause fails or a declared deviation no longer does (a bug survives; a replayed
scenario violates a clause that is not a known deviation), 2 bad arguments, 141 stdout closed.
A progress line is shown on stderr when it is a terminal, else one line per executor.";

#[derive(Debug, PartialEq)]
enum Format {
    Table,
    Json,
    Junit,
}

/// What the command line asks for.
enum Mode {
    Run,
    Replay(Replay),
    Gallery,
    List,
    Help,
}

struct Args {
    mode: Mode,
    executors: Vec<String>,
    options: Options,
    format: Format,
    /// The interpreter of `py:` executors.
    python: String,
    /// Features the `py:` executors lack.
    missing: Vec<Feature>,
    /// The `py:` executors run tasks in other processes.
    isolated: bool,
    /// Where to keep the report as it grows.
    out: Option<std::path::PathBuf>,
}

/// The options that only a run of executors takes (not --gallery, not --list).
const RUN_ONLY: &[&str] = &[
    "--out",
    "--executor",
    "--python",
    "--isolated",
    "--missing",
    "--known",
    "--known-timing",
    "--format",
    "--group",
    "--patience",
    "--shrink-runs",
    "--shrink-time",
];

/// The options a replay takes besides --replay.
const REPLAY_TAKES: &[&str] = &[
    "--executor",
    "--patience",
    "--python",
    "--isolated",
    "--missing",
    "--known",
    "--known-timing",
];

fn parse(mut argv: Argv) -> Result<Args, String> {
    let mut args = Args {
        mode: Mode::Run,
        executors: Vec::new(),
        options: Options::default(),
        format: Format::Table,
        python: "python3".to_string(),
        missing: Vec::new(),
        isolated: false,
        out: None,
    };
    let mut groups: Vec<String> = Vec::new();
    let mut given: Vec<&'static str> = Vec::new();
    let (mut gallery, mut list) = (false, false);
    let mut replay: Option<Replay> = None;
    while let Some((flag, inline)) = argv.next_flag() {
        match flag.as_str() {
            "--executor" => {
                given.push("--executor");
                let name = argv.value(&flag, inline, "a name (see --list)")?;
                if let Some(spec) = name.strip_prefix("py:") {
                    let (module, callable) = spec.split_once(':').unwrap_or(("", ""));
                    if module.is_empty() || callable.is_empty() {
                        return Err(format!(
                            "--executor {name}: a Python executor is py:MODULE:CALLABLE"
                        ));
                    }
                }
                let known = name.starts_with("py:")
                    || entry(&name).is_some()
                    || name
                        .strip_prefix("gallery:")
                        .and_then(Bug::from_name)
                        .is_some();
                if !known {
                    return Err(format!("unknown executor '{name}' (see --list)"));
                }
                argv.once(&format!("--executor {name}"))?;
                args.executors.push(name);
            }
            "--cases" => {
                given.push("--cases");
                argv.once(&flag)?;
                let v = argv.value(&flag, inline, "a number")?;
                args.options.cases = number(&flag, &v, 1, u32::MAX.into())? as u32;
            }
            "--seed" => {
                given.push("--seed");
                argv.once(&flag)?;
                let v = argv.value(&flag, inline, "a number")?;
                args.options.seed = number(&flag, &v, 0, u64::MAX)?;
            }
            "--patience" => {
                given.push("--patience");
                argv.once(&flag)?;
                let v = argv.value(&flag, inline, "a number of milliseconds")?;
                let ms = number(&flag, &v, 1, 86_400_000)?;
                args.options.timing.patience = std::time::Duration::from_millis(ms);
            }
            "--format" => {
                given.push("--format");
                argv.once(&flag)?;
                args.format = match argv
                    .value(&flag, inline, "a value: table, json or junit")?
                    .as_str()
                {
                    "table" => Format::Table,
                    "json" => Format::Json,
                    "junit" => Format::Junit,
                    other => {
                        return Err(format!("--format: '{other}' is not table, json or junit"));
                    }
                }
            }
            "--group" => {
                given.push("--group");
                let g = argv.value(&flag, inline, "a name (see --list)")?;
                if !GROUPS.iter().any(|x| x.name == g) {
                    return Err(format!("unknown group '{g}' (see --list)"));
                }
                argv.once(&format!("--group {g}"))?;
                groups.push(g);
            }
            "--shrink-runs" => {
                given.push("--shrink-runs");
                argv.once(&flag)?;
                let v = argv.value(&flag, inline, "a number")?;
                args.options.max_shrink_iters = number(&flag, &v, 0, u32::MAX.into())? as u32;
            }
            "--shrink-time" => {
                given.push("--shrink-time");
                argv.once(&flag)?;
                let v = argv.value(&flag, inline, "a number of seconds")?;
                let secs = number(&flag, &v, 0, 86_400)?;
                args.options.max_shrink_time = std::time::Duration::from_secs(secs);
            }
            "--out" => {
                given.push("--out");
                argv.once(&flag)?;
                let path: std::path::PathBuf = argv.value(&flag, inline, "a file")?.into();
                let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
                if path.is_dir() || dir.is_some_and(|d| !d.is_dir()) {
                    return Err(format!("--out: cannot write {}", path.display()));
                }
                args.out = Some(path);
            }
            "--python" => {
                given.push("--python");
                argv.once(&flag)?;
                args.python = argv.value(&flag, inline, "an interpreter's path")?;
            }
            "--missing" => {
                given.push("--missing");
                argv.once(&flag)?;
                let list = argv.value(&flag, inline, "a comma-separated list of features")?;
                args.missing.extend(feature_list(&list)?);
            }
            "--known" | "--known-timing" => {
                given.push("--known");
                let v = argv.value(&flag, inline, "CLAUSE=WHY")?;
                let (clause, why) =
                    known_deviation(&v, |c| GROUPS.iter().any(|g| g.clauses.contains(&c)))
                        .map_err(|e| e.replacen("--known", &flag, 1))?;
                argv.once(&format!("--known {clause}"))?;
                args.options.known.push(if flag == "--known" {
                    KnownDeviation::new(clause, why)
                } else {
                    KnownDeviation::timing(clause, why)
                });
            }
            "--replay" => {
                argv.once(&flag)?;
                let text = argv.value(&flag, inline, "a scenario's replay text")?;
                replay = Some(Replay::parse(&text).map_err(|e| format!("--replay: {e}"))?);
            }
            "--gallery" | "--list" | "--isolated" | "-h" | "--help" if inline.is_some() => {
                return Err(format!("{flag} takes no value"));
            }
            "--isolated" => {
                given.push("--isolated");
                argv.once(&flag)?;
                args.isolated = true;
            }
            "--gallery" => {
                argv.once(&flag)?;
                gallery = true;
            }
            "--list" => {
                argv.once(&flag)?;
                list = true;
            }
            "-h" | "--help" => {
                args.mode = Mode::Help;
                return Ok(args);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if gallery && list {
        return Err("--list and --gallery cannot be combined".into());
    }
    if let Some(what) = replay {
        if gallery || list {
            return Err("--replay cannot be combined with --gallery or --list".into());
        }
        if let Some(flag) = given.iter().find(|f| !REPLAY_TAKES.contains(f)) {
            return Err(format!(
                "--replay takes only --executor, --patience, --python, --isolated, --missing and --known (got {flag})"
            ));
        }
        if args.executors.len() != 1 {
            return Err("--replay needs exactly one --executor".into());
        }
        args.mode = Mode::Replay(what);
    }
    if list {
        if let Some(flag) = given.first() {
            return Err(format!("--list takes no other option (got {flag})"));
        }
        args.mode = Mode::List;
    }
    if gallery {
        if let Some(flag) = given.iter().find(|f| RUN_ONLY.contains(f)) {
            return Err(format!(
                "--gallery takes only --cases and --seed (got {flag})"
            ));
        }
        args.mode = Mode::Gallery;
    }
    if !groups.is_empty() {
        args.options.groups = Some(groups);
    }
    let python = args.executors.iter().any(|e| e.starts_with("py:"));
    for flag in ["--python", "--missing", "--isolated"] {
        if given.contains(&flag) && !python {
            return Err(format!("{flag} needs an --executor py:MODULE:CALLABLE"));
        }
    }
    if args.executors.is_empty() {
        args.executors = EXECUTORS.iter().map(|e| e.name.to_string()).collect();
    }
    Ok(args)
}

fn list() -> String {
    let mut s = String::from("executors:\n");
    for e in EXECUTORS {
        s.push_str(&format!("  {:<12} {}\n", e.name, e.about));
    }
    s.push_str("gallery (as gallery:NAME):\n");
    for b in Bug::ALL {
        s.push_str(&format!("  {:<36} breaks {}\n", b.name(), b.clauses()[0]));
    }
    s.push_str("clause groups:\n");
    for g in GROUPS {
        s.push_str(&format!(
            "  {:<13} {} ({} clauses)\n",
            g.name,
            g.title,
            g.clauses.len()
        ));
    }
    s
}

fn render_table(reports: &[Report]) -> String {
    let mut s = String::new();
    for r in reports {
        s.push_str(&r.summary());
        s.push('\n');
    }
    s.push('\n');
    s.push_str(&render_matrix(reports));
    for r in reports {
        s.push_str(&r.render_details());
    }
    s
}

/// Replays one scenario on one executor; exit 1 if it violates a clause
/// that is not a known deviation of that executor.
fn run_replay(args: &Args, what: &Replay) -> ExitCode {
    let name = args.executors[0].as_str();
    let options = options_for(name, &args.options);
    let run = match name.strip_prefix("py:") {
        Some(spec) => match python_executor(args, spec) {
            Ok(py) => concurrent_futures_conformance::replay(py.factory(), what, &options),
            Err(code) => return code,
        },
        None => replay_named(name, what, &options).expect("validated name"),
    };
    let scenario = what.scenario();
    let failed_at = run.result.as_ref().err().and_then(|v| v.step);
    // A fixed timing probe that passed keeps no trace of its steps: they
    // are shown as written, not as "not reached".
    let passed_probe = matches!(what, Replay::Probe(_)) && run.result.is_ok();
    let trace = (!passed_probe).then_some((&run.trace, failed_at));
    let mut out = format!("{name}: {}", scenario.render(trace));
    let code = match run.result {
        Ok(()) => {
            out.push_str("no violation\n");
            ExitCode::SUCCESS
        }
        Err(v) => {
            out.push_str(&format!("  {v}\n"));
            match options.known.iter().find(|k| k.clause == v.clause) {
                Some(k) => {
                    out.push_str(&format!("  known deviation of {name}: {}\n", k.why));
                    ExitCode::SUCCESS
                }
                None => ExitCode::from(1),
            }
        }
    };
    print(&out);
    code
}

fn render(format: &Format, reports: &[Report]) -> String {
    match format {
        Format::Table => render_table(reports),
        Format::Json => render_json_all(reports),
        Format::Junit => render_junit_all(reports),
    }
}

/// Replaces `path` with `text` (written beside it, then renamed, so that an
/// interruption leaves the previous whole report). A failure is a note.
fn keep(path: &std::path::Path, text: &str) {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = std::path::PathBuf::from(tmp);
    if let Err(e) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)) {
        note(&format!("--out {}: {e}", path.display()));
    }
}

/// Starts the Python executor `spec` (`MODULE:CALLABLE`); a failure is one
/// line and exit status 2.
fn python_executor(args: &Args, spec: &str) -> Result<Arc<PythonExecutor>, ExitCode> {
    PythonExecutor::with_options(&args.python, spec, &args.missing, args.isolated)
        .map(Arc::new)
        .map_err(|e| usage_error(PROGRAM, &format!("--executor py:{spec}: {e}")))
}

/// The replay command printed for a Python executor's failures: the same
/// interpreter and declared features.
fn python_replay_command(args: &Args) -> String {
    let mut extra = format!("--python {} ", args.python);
    if args.isolated {
        extra.push_str("--isolated ");
    }
    if !args.missing.is_empty() {
        let names: Vec<&str> = args.missing.iter().map(|f| f.name()).collect();
        extra.push_str(&format!("--missing {} ", names.join(",")));
    }
    CLI_REPLAY.replace("--executor", &format!("{extra}--executor"))
}

fn run_gallery(options: &Options) -> ExitCode {
    let options = gallery_options(options.cases, options.seed);
    let mut progress = Progress::new();
    let mut killed = 0;
    for (i, bug) in Bug::ALL.iter().enumerate() {
        progress.status(&format!("[{}/{}] {}", i + 1, Bug::ALL.len(), bug.name()));
        let kill = hunt(*bug, &options);
        if kill.killed {
            killed += 1;
        }
        progress.finish();
        let verdict = match (kill.killed, kill.exact) {
            (true, true) => "killed",
            (true, false) => "killed+",
            (false, _) => "ALIVE",
        };
        print(&format!(
            "{:<36} {verdict:<7} expected {:<22} flagged {}\n",
            bug.name(),
            bug.clauses().join(", "),
            kill.flagged.join(", ")
        ));
    }
    let total = Bug::ALL.len();
    print(&format!(
        "kill rate: {killed}/{total} ({:.0}%)\n",
        100.0 * killed as f64 / total as f64
    ));
    if killed == total {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    let args = match Argv::from_env().and_then(parse) {
        Ok(a) => a,
        Err(msg) => return usage_error(PROGRAM, &msg),
    };
    match args.mode {
        Mode::Help => {
            print(&format!("{USAGE}\n"));
            return ExitCode::SUCCESS;
        }
        Mode::List => {
            print(&list());
            return ExitCode::SUCCESS;
        }
        Mode::Gallery => return run_gallery(&args.options),
        Mode::Replay(ref what) => return run_replay(&args, what),
        Mode::Run => {}
    }
    let mut reports = Vec::new();
    let n = args.executors.len();
    let mut shown = Progress::new();
    for (i, name) in args.executors.iter().enumerate() {
        let mut progress = |group: &str, g: usize| {
            shown.status(&format!(
                "[{}/{n}] {name:<12} group {}/{} {group}",
                i + 1,
                g + 1,
                GROUPS.len()
            ));
        };
        let done = &reports;
        let mut partial = |r: &Report| {
            if let Some(path) = &args.out {
                let mut all = done.clone();
                all.push(r.clone());
                // The executors not started yet: every group pending.
                all.extend(args.executors[i + 1..].iter().map(|later| Report {
                    executor: later.clone(),
                    pending: args.options.asked_groups(),
                    clauses: Vec::new(),
                    unsupported: Vec::new(),
                    scenarios: 0,
                    slow: 0,
                    seconds: 0.0,
                    ..r.clone()
                }));
                keep(path, &render(&args.format, &all));
            }
        };
        let report = match name.strip_prefix("py:") {
            Some(spec) => {
                let py = match python_executor(&args, spec) {
                    Ok(py) => py,
                    Err(code) => return code,
                };
                let mut options = args.options.clone();
                options.replay_command = python_replay_command(&args);
                check_with_partial(name, py.factory(), &options, &mut progress, &mut partial)
            }
            None => check_named_with_partial(name, &args.options, &mut progress, &mut partial)
                .expect("validated name"),
        };
        shown.line(&format!(
            "[{}/{n}] {name:<12} done in {:.1} s: {}",
            i + 1,
            report.seconds,
            report.counts()
        ));
        reports.push(report);
    }
    let text = render(&args.format, &reports);
    if let Some(path) = &args.out {
        keep(path, &text);
    }
    print(&text);
    let bad: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.failed_clauses()
                .into_iter()
                .map(move |c| format!("{} {c}", r.executor))
        })
        .collect();
    if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        note(&format!("claimed clauses failed: {}", bad.join(", ")));
        ExitCode::from(1)
    }
}
