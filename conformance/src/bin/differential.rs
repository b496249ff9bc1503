//! `differential`: runs the kit's generated scenarios through the kit's one
//! runner on the reference and on Python executors (every installed CPython
//! by default), compares the two runs of each scenario, and reports, per
//! version, which clauses differ and whether the spec records it.
//!
//! ```text
//! cargo run --release -p concurrent-futures-conformance --bin differential -- \
//!     [--python default|all|3.N|PATH]... [--scenarios N] [--others N] [--seed S]
//!     [--executor MODULE:CALLABLE] [--isolated] [--missing LIST] [--known C=WHY]...
//!     [--patience MS] [--shrink N] [--out FILE]
//! differential --replay TEXT [--python …] [--executor …] [--isolated] [--missing …]
//!     [--known …] [--patience MS]
//! differential --probes [--python …]
//! ```
//!
//! Exits 0 when every difference found is one the spec records, 1 when
//! there is an unexpected one, 2 on bad arguments, a missing interpreter or
//! an executor that cannot be started.

use concurrent_futures_conformance::adapters::PythonExecutor;
use concurrent_futures_conformance::diff::generate::scenarios;
use concurrent_futures_conformance::diff::probes::{check_probes, render_probes};
use concurrent_futures_conformance::diff::python::{
    Interpreter, discover, missing, probe_interpreter, probes,
};
use concurrent_futures_conformance::diff::traces::{
    Tally, any_unexpected, campaign, compare_runs, confirmed, count_of, render_markdown,
};
use concurrent_futures_conformance::{
    Config, ExecutorAdapter, Factory, Feature, Replay, Run, Timing, reference,
};
use shared::{Argv, Progress, feature_list, known_deviation, note, number, print, usage_error};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

#[path = "shared/mod.rs"]
mod shared;

const USAGE: &str = "\
usage: differential [--python default|all|3.N|PATH]... [--scenarios N] [--others N] [--seed S]
                    [--executor MODULE:CALLABLE] [--isolated] [--missing LIST] [--known C=WHY]...
                    [--patience MS] [--shrink N] [--out FILE]
       differential --replay TEXT [--python ...] [--executor ...] [--isolated] [--missing ...]
                    [--known ...] [--patience MS]
       differential --probes [--python ...]
       differential --help

  --python P     which interpreters: default (python3 on PATH), all (default: every CPython 3.6+
                 found on PATH, through pyenv and in target/cpython/, where
                 conformance/python/get-cpython.sh puts 3.14 and 3.15), a version such as 3.15,
                 or an executable's path (repeatable)
  --scenarios N  scenarios run against the default python3, 1 to 4294967295 (default 300)
  --others N     scenarios run against every other interpreter, 0 to 4294967295
                 (default: as --scenarios)
  --seed S       generator seed, decimal or 0x-hex (default 0xc0ffee)
  --executor E   the Python executor, as module:callable (default
                 concurrent.futures:ThreadPoolExecutor)
  --isolated     the executor runs tasks in other processes: tasks reach the server through a
                 local socket (process and interpreter pools)
  --missing LIST features to run without on both sides, comma-separated (as the kit's --missing)
  --known C=WHY  a difference on clause C is expected, for reason WHY (repeatable, once per
                 clause): a known deviation of this executor the spec does not record
  --patience MS  how long to wait for what must happen, 1 to 86400000 (default 2000)
  --shrink N     runs spent at most minimising each unexpected difference (default 200)
  --out FILE     also write the Markdown report to FILE (checked before anything runs)
  --replay TEXT  run one scenario (the kit's replay text) on both sides and print both verdicts;
                 takes only --python, --executor, --isolated, --missing, --known and --patience
  --probes       print the version facts the scenarios cannot show, checked against the spec;
                 takes only --python

Both sides run the kit's runner with the same features (those the Python executor lacks are
left out of both). --replay and --probes cannot be combined. Options are given once each
(--python and --known are repeatable); a value may be attached (--seed=7). Exit status: 0
only expected differences, 1 an unexpected one, 2 bad arguments or a missing interpreter,
141 stdout closed.";

const PROGRAM: &str = "differential";

struct Args {
    pythons: Vec<String>,
    scenarios: u32,
    others: Option<u32>,
    seed: u64,
    shrink: u32,
    executor: String,
    isolated: bool,
    missing: Vec<Feature>,
    known: Vec<(String, String)>,
    timing: Timing,
    out: Option<String>,
    replay: Option<Replay>,
    probes: bool,
    help: bool,
}

/// The options of a campaign (not --replay, not --probes).
const CAMPAIGN_ONLY: &[&str] = &["--scenarios", "--others", "--seed", "--shrink", "--out"];

fn parse(mut argv: Argv) -> Result<Args, String> {
    let mut a = Args {
        pythons: Vec::new(),
        scenarios: 300,
        others: None,
        seed: 0xC0FFEE,
        shrink: 200,
        executor: "concurrent.futures:ThreadPoolExecutor".into(),
        isolated: false,
        missing: Vec::new(),
        known: Vec::new(),
        timing: Timing::default(),
        out: None,
        replay: None,
        probes: false,
        help: false,
    };
    let mut given: Vec<&'static str> = Vec::new();
    let count = |argv: &mut Argv, flag: &str, inline, min| -> Result<u32, String> {
        let v = argv.value(flag, inline, "a number")?;
        Ok(number(flag, &v, min, u32::MAX.into())? as u32)
    };
    while let Some((flag, inline)) = argv.next_flag() {
        if flag != "--python" && flag != "--known" {
            argv.once(&flag)?;
        }
        match flag.as_str() {
            "--python" => a.pythons.push(argv.value(&flag, inline, "a value")?),
            "--scenarios" => {
                given.push("--scenarios");
                a.scenarios = count(&mut argv, &flag, inline, 1)?;
            }
            "--others" => {
                given.push("--others");
                a.others = Some(count(&mut argv, &flag, inline, 0)?);
            }
            "--seed" => {
                given.push("--seed");
                let v = argv.value(&flag, inline, "a number")?;
                a.seed = number(&flag, &v, 0, u64::MAX)?;
            }
            "--shrink" => {
                given.push("--shrink");
                a.shrink = count(&mut argv, &flag, inline, 0)?;
            }
            "--patience" => {
                given.push("--patience");
                let v = argv.value(&flag, inline, "a number of milliseconds")?;
                let ms = number(&flag, &v, 1, 86_400_000)?;
                a.timing.patience = std::time::Duration::from_millis(ms);
            }
            "--executor" => {
                given.push("--executor");
                let e = argv.value(&flag, inline, "a value")?;
                if !e.contains(':') {
                    return Err(format!("--executor: '{e}' is not module:callable"));
                }
                a.executor = e;
            }
            "--missing" => {
                given.push("--missing");
                let list = argv.value(&flag, inline, "a comma-separated list of features")?;
                a.missing.extend(feature_list(&list)?);
            }
            "--known" => {
                given.push("--known");
                let v = argv.value(&flag, inline, "CLAUSE=WHY")?;
                let clauses = concurrent_futures_conformance::diff::versions::clauses();
                a.known
                    .push(known_deviation(&v, |c| clauses.contains_key(c))?);
            }
            "--out" => {
                given.push("--out");
                let path = argv.value(&flag, inline, "a file")?;
                writable(&path)?;
                a.out = Some(path);
            }
            "--replay" => {
                let text = argv.value(&flag, inline, "a scenario's replay text")?;
                a.replay = Some(Replay::parse(&text).map_err(|e| format!("--replay: {e}"))?);
            }
            "--isolated" | "--probes" | "-h" | "--help" if inline.is_some() => {
                return Err(format!("{flag} takes no value"));
            }
            "--isolated" => {
                given.push("--isolated");
                a.isolated = true;
            }
            "--probes" => a.probes = true,
            "-h" | "--help" => {
                a.help = true;
                return Ok(a);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if a.probes && a.replay.is_some() {
        return Err("--replay and --probes cannot be combined".into());
    }
    if a.probes {
        if let Some(flag) = given.first() {
            return Err(format!("--probes takes only --python, not {flag}"));
        }
    }
    if a.replay.is_some() {
        if let Some(flag) = given.iter().find(|f| CAMPAIGN_ONLY.contains(f)) {
            return Err(format!(
                "--replay takes only --python, --executor, --isolated, --missing, --known and --patience, not {flag}"
            ));
        }
    }
    if a.pythons.is_empty() {
        a.pythons.push("all".into());
    }
    Ok(a)
}

/// Whether the report can be written to `path`, checked before anything
/// runs (as the kit's `--out`): not a directory, in a directory that
/// exists.
fn writable(path: &str) -> Result<(), String> {
    let p = Path::new(path);
    let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
    if p.is_dir() || dir.is_some_and(|d| !d.is_dir()) {
        return Err(format!("--out: cannot write {path}"));
    }
    Ok(())
}

/// The one line a bad argument gets, and exit status 2: `--help` is named
/// after a semicolon when the message already ends in a parenthesis, so a
/// line never carries two.
fn bad_usage(msg: &str) -> ExitCode {
    if msg.ends_with(')') {
        note(&format!("{PROGRAM}: {msg}; see --help"));
        ExitCode::from(2)
    } else {
        usage_error(PROGRAM, msg)
    }
}

/// The interpreters `specs` select, and the claimed versions not found
/// (neither discovered nor given by path).
fn select(specs: &[String]) -> Result<(Vec<Interpreter>, Vec<String>), String> {
    let (found, _) = discover();
    let mut chosen: Vec<Interpreter> = Vec::new();
    for spec in specs {
        let add: Vec<Interpreter> = match spec.as_str() {
            "all" => found.clone(),
            "default" => found.iter().filter(|i| i.default).cloned().collect(),
            v if v.starts_with("3.") && !v.contains('/') => found
                .iter()
                .filter(|i| i.version == v || i.version.starts_with(&format!("{v}.")))
                .take(1)
                .cloned()
                .collect(),
            path => probe_interpreter(Path::new(path), false)
                .into_iter()
                .collect(),
        };
        if add.is_empty() {
            let have: Vec<&str> = found.iter().map(|i| i.version.as_str()).collect();
            return Err(format!(
                "--python {spec}: no such interpreter (found: {})",
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            ));
        }
        for i in add {
            if !chosen.iter().any(|c| c.path == i.path) {
                chosen.push(i);
            }
        }
    }
    let known: Vec<Interpreter> = found.iter().chain(&chosen).cloned().collect();
    Ok((chosen, missing(&known)))
}

/// The Python executor on `i`, and the reference with the same features.
fn sides(
    i: &Interpreter,
    args: &Args,
) -> Result<
    (
        Arc<PythonExecutor>,
        Factory<ExecutorAdapter<concurrent_futures::ThreadPoolExecutor>>,
    ),
    String,
> {
    let py = PythonExecutor::with_options(&i.path, &args.executor, &args.missing, args.isolated)
        .map_err(|e| format!("{} {}: {e}", i.version, args.executor))?;
    let unsupported = py.unsupported().to_vec();
    let reference: Factory<_> =
        Arc::new(move |cfg: Config| reference(cfg).with_unsupported(unsupported.clone()));
    Ok((Arc::new(py), reference))
}

fn main() -> ExitCode {
    let args = match Argv::from_env().and_then(parse) {
        Ok(a) => a,
        Err(e) => return bad_usage(&e),
    };
    if args.help {
        print(&format!("{USAGE}\n"));
        return ExitCode::SUCCESS;
    }
    let (interpreters, missing) = match select(&args.pythons) {
        Ok(x) => x,
        Err(e) => {
            note(&format!("differential: {e}"));
            return ExitCode::from(2);
        }
    };
    let not_found = || {
        if !missing.is_empty() {
            note(&format!(
                "differential: CPython versions not found here: {}",
                missing.join(", ")
            ));
        }
    };
    if args.probes {
        not_found();
        let mut all_ok = true;
        for i in &interpreters {
            match probes(i) {
                Ok(p) => {
                    let checks = check_probes(i, &p);
                    all_ok &= checks.iter().all(|c| c.agrees);
                    print(&render_probes(i, &checks));
                }
                Err(e) => {
                    note(&format!("differential: {e}"));
                    return ExitCode::from(2);
                }
            }
        }
        return if all_ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    if let Some(what) = &args.replay {
        return replay(what, &interpreters, &args);
    }
    // Every executor is started before anything runs: one that cannot be
    // is bad input.
    let mut all_sides = Vec::new();
    for i in &interpreters {
        match sides(i, &args) {
            Ok(s) => all_sides.push(s),
            Err(e) => {
                note(&format!("differential: {e}"));
                return ExitCode::from(2);
            }
        }
    }
    not_found();
    let mut tallies: Vec<Tally> = Vec::new();
    for (i, (py, reference)) in interpreters.iter().zip(all_sides) {
        let n = if i.default {
            args.scenarios
        } else {
            args.others.unwrap_or(args.scenarios)
        };
        note(&format!(
            "== {} ({}) `{}`: {}",
            i.version,
            i.path.display(),
            args.executor,
            count_of(n, "scenario")
        ));
        let list = scenarios(n, args.seed, py.unsupported());
        let known = args.known.clone();
        let mut tally = Tally {
            version: i.version.clone(),
            executor: args.executor.clone(),
            unsupported: py.unsupported().to_vec(),
            ..Tally::default()
        };
        let mut progress = Progress::new();
        let python = py.factory();
        campaign(
            &reference,
            &python,
            &list,
            args.timing,
            i.minor,
            &known,
            args.shrink,
            &mut tally,
            &mut |k, t| {
                let line = format!(
                    "   {k}/{n}: {} agree, {} expected, {} unexpected",
                    t.agreed,
                    t.expected.values().map(|(c, _)| c).sum::<u32>(),
                    t.unexpected.values().map(|(c, _)| c).sum::<u32>(),
                );
                if k % 100 == 0 || k == n {
                    progress.line(&line);
                } else {
                    progress.status(&line);
                }
            },
        );
        progress.finish();
        tallies.push(tally);
    }
    let command = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let report = render_markdown(&tallies, &missing, &format!("differential {command}"));
    print(&format!("{report}\n"));
    if let Some(path) = &args.out {
        if let Err(e) = std::fs::write(path, &report) {
            note(&format!("differential: cannot write {path}: {e}"));
            return ExitCode::from(2);
        }
    }
    if any_unexpected(&tallies) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The step a run failed at, if it failed (as the kit's replay marks it).
fn failed_step(run: &Run) -> Option<usize> {
    run.result.as_ref().err().and_then(|v| v.step)
}

fn replay(what: &Replay, interpreters: &[Interpreter], args: &Args) -> ExitCode {
    let scenario = concurrent_futures_conformance::resolve(&what.scenario());
    let mut status = ExitCode::SUCCESS;
    for i in interpreters {
        let (py, reference) = match sides(i, args) {
            Ok(s) => s,
            Err(e) => {
                note(&format!("differential: {e}"));
                return ExitCode::from(2);
            }
        };
        let r = confirmed(&reference, &scenario, args.timing);
        let p = confirmed(&py.factory(), &scenario, args.timing);
        // What ran: each step with the kit's marks (a step skipped for a
        // feature both sides lack says so), on both sides if they differ;
        // the teardown once if it is the same, else each side's.
        let steps = |run: &Run| {
            let text = scenario.render(Some((&run.trace, failed_step(run))));
            text.lines()
                .filter(|l| !l.starts_with("  then: "))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        };
        let mut text = steps(&r);
        if steps(&p) != text {
            text = format!(
                "reference ran:\n{text}python {} ran:\n{}",
                i.version,
                steps(&p)
            );
        }
        let (rt, pt) = (&r.trace.teardown, &p.trace.teardown);
        if rt == pt && !rt.is_empty() {
            text.push_str(&format!("  then: {}\n", rt.join(", ")));
        } else if rt != pt {
            for (side, t) in [
                ("reference".to_string(), rt),
                (format!("python {}", i.version), pt),
            ] {
                if !t.is_empty() {
                    text.push_str(&format!("  {side} then: {}\n", t.join(", ")));
                }
            }
        }
        match compare_runs(&r, &p, &scenario, i.minor, &args.known) {
            None => text.push_str(&format!(
                "python {}: agrees with the reference\n",
                i.version
            )),
            Some(d) => {
                text.push_str(&format!(
                    "reference: {}\npython {}: {}\n=> differs on {}",
                    d.reference, i.version, d.python, d.clause
                ));
                match &d.expected {
                    Some((entry, why)) => text.push_str(&format!(" (expected: {entry}: {why})\n")),
                    None => {
                        text.push_str(" (unexpected)\n");
                        status = ExitCode::from(1);
                    }
                }
            }
        }
        print(&text);
    }
    status
}
