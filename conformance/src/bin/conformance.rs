//! `concurrent-futures-conformance`: checks executors clause by clause and
//! prints the clause × executor matrix.
//!
//! ```text
//! cargo run --release -p concurrent-futures-conformance -- \
//!     [--executor NAME]... [--cases N] [--seed S] [--format table|json|junit]
//!     [--group NAME]... [--patience MS]
//! concurrent-futures-conformance --executor NAME --replay TEXT [--patience MS]
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
    EXECUTORS, check_named, entry, options_for, replay_named,
};
use concurrent_futures_conformance::gallery::{Bug, gallery_options, hunt};
use concurrent_futures_conformance::{
    GROUPS, Options, Replay, Report, render_json_all, render_junit_all, render_matrix,
};
use shared::{Argv, Progress, note, number, print, usage_error};
use std::process::ExitCode;

#[path = "shared/mod.rs"]
mod shared;

const PROGRAM: &str = "concurrent-futures-conformance";

const USAGE: &str = "\
usage: concurrent-futures-conformance [--executor NAME]... [--cases N] [--seed S]
                                      [--format table|json|junit] [--group NAME]... [--patience MS]
                                      [--shrink-runs N] [--shrink-time S]
       concurrent-futures-conformance --executor NAME --replay TEXT [--patience MS]
       concurrent-futures-conformance --gallery [--cases N] [--seed S]
       concurrent-futures-conformance --list
       concurrent-futures-conformance --help

  --executor NAME   check this executor (repeatable; default: every executor in --list)
  --cases N         generated scenarios per clause group, 1 to 4294967295 (default 256)
  --seed S          seed for scenario generation, decimal or 0x-hex (default 0xc0ffee)
  --format F        table (default), json or junit
  --group NAME      only this clause group (repeatable)
  --patience MS     how long to wait for what must happen before it may be a hang,
                    1 to 86400000 (default 2000; a hang is confirmed with 5 times as long)
  --shrink-runs N   scenarios run at most while minimising one failure (default 2000)
  --shrink-time S   seconds spent at most minimising one failure (default 60)
  --replay TEXT     run one scenario (the replay text a failure prints) on one --executor;
                    takes only --executor and --patience
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
}

/// The options that only a run of executors takes (not --gallery, not --list).
const RUN_ONLY: &[&str] = &[
    "--executor",
    "--format",
    "--group",
    "--patience",
    "--shrink-runs",
    "--shrink-time",
];

/// The options a replay takes besides --replay.
const REPLAY_TAKES: &[&str] = &["--executor", "--patience"];

fn parse(mut argv: Argv) -> Result<Args, String> {
    let mut args = Args {
        mode: Mode::Run,
        executors: Vec::new(),
        options: Options::default(),
        format: Format::Table,
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
                let known = entry(&name).is_some()
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
            "--replay" => {
                argv.once(&flag)?;
                let text = argv.value(&flag, inline, "a scenario's replay text")?;
                replay = Some(Replay::parse(&text).map_err(|e| format!("--replay: {e}"))?);
            }
            "--gallery" | "--list" | "-h" | "--help" if inline.is_some() => {
                return Err(format!("{flag} takes no value"));
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
                "--replay takes only --executor and --patience (got {flag})"
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
fn run_replay(name: &str, what: &Replay, options: &Options) -> ExitCode {
    let options = options_for(name, options);
    let run = replay_named(name, what, &options).expect("validated name");
    let scenario = what.scenario();
    let failed_at = run.result.as_ref().err().and_then(|v| v.step);
    let mut out = format!("{name}: {}", scenario.render(Some((&run.trace, failed_at))));
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
        Mode::Replay(what) => return run_replay(&args.executors[0], &what, &args.options),
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
        let report = check_named(name, &args.options, &mut progress).expect("validated name");
        shown.line(&format!(
            "[{}/{n}] {name:<12} done in {:.1} s: {}",
            i + 1,
            report.seconds,
            report.counts()
        ));
        reports.push(report);
    }
    print(&match args.format {
        Format::Table => render_table(&reports),
        Format::Json => render_json_all(&reports),
        Format::Junit => render_junit_all(&reports),
    });
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
