//! `differential`: runs the kit's generated scenarios on the reference and
//! on Python executors (every installed CPython by default) and reports,
//! per version, which clauses agree and where they differ.
//!
//! ```text
//! cargo run --release -p concurrent-futures-conformance --bin differential -- \
//!     [--python default|all|3.N|PATH]... [--scenarios N] [--others N] [--seed S]
//!     [--executor MODULE:CALLABLE] [--isolated] [--shrink N] [--out FILE]
//! differential --replay FILE [--python …] [--executor …] [--isolated]
//! differential --probes [--python …]
//! ```
//!
//! Exits 0 when every difference found is one the spec records, 1 when
//! there is an unexpected one (or the driver failed on a scenario), 2 on
//! bad arguments, a missing interpreter or a driver that does not start.

use concurrent_futures_conformance::diff::compare::compare;
use concurrent_futures_conformance::diff::format::DiffScenario;
use concurrent_futures_conformance::diff::generate::Caps;
use concurrent_futures_conformance::diff::harness::{Campaign, Tally, run, run_pair};
use concurrent_futures_conformance::diff::probes::{check_probes, render_probes};
use concurrent_futures_conformance::diff::python::{
    Driver, Interpreter, discover, missing, probe_interpreter, probes,
};
use concurrent_futures_conformance::diff::report::render_markdown;
use shared::{Argv, Progress, note, number, print, usage_error};
use std::path::Path;
use std::process::ExitCode;

#[path = "shared/mod.rs"]
mod shared;

const USAGE: &str = "\
usage: differential [--python default|all|3.N|PATH]... [--scenarios N] [--others N] [--seed S]
                    [--executor MODULE:CALLABLE] [--isolated] [--shrink N] [--out FILE]
       differential --replay FILE [--python ...] [--executor ...] [--isolated]
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
  --isolated     the executor runs tasks in other processes (no gates, no task log)
  --shrink N     shrink steps per unexpected difference, 0 to 4294967295 (default 200)
  --out FILE     also write the Markdown report to FILE
  --replay FILE  run one scenario (FORMAT.md JSON) on both sides and print the traces;
                 takes only --python, --executor and --isolated
  --probes       print the version facts the scenarios cannot show, checked against the spec;
                 takes only --python

--replay and --probes cannot be combined. Options are given once each (--python is repeatable);
a value may be attached (--seed=7). Exit status: 0 only expected differences, 1 an unexpected one,
2 bad arguments or a missing interpreter, 141 stdout closed early.";

const PROGRAM: &str = "differential";

struct Args {
    pythons: Vec<String>,
    campaign: Campaign,
    others: Option<u32>,
    executor: String,
    isolated: bool,
    out: Option<String>,
    replay: Option<String>,
    probes: bool,
    help: bool,
}

/// The options of a campaign (not --replay, not --probes).
const CAMPAIGN_ONLY: &[&str] = &["--scenarios", "--others", "--seed", "--shrink", "--out"];

fn parse(mut argv: Argv) -> Result<Args, String> {
    let mut a = Args {
        pythons: Vec::new(),
        campaign: Campaign::default(),
        others: None,
        executor: "concurrent.futures:ThreadPoolExecutor".into(),
        isolated: false,
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
        if flag != "--python" {
            argv.once(&flag)?;
        }
        match flag.as_str() {
            "--python" => a.pythons.push(argv.value(&flag, inline, "a value")?),
            "--scenarios" => {
                given.push("--scenarios");
                a.campaign.scenarios = count(&mut argv, &flag, inline, 1)?;
            }
            "--others" => {
                given.push("--others");
                a.others = Some(count(&mut argv, &flag, inline, 0)?);
            }
            "--seed" => {
                given.push("--seed");
                let v = argv.value(&flag, inline, "a number")?;
                a.campaign.seed = number(&flag, &v, 0, u64::MAX)?;
            }
            "--shrink" => {
                given.push("--shrink");
                a.campaign.shrink_steps = count(&mut argv, &flag, inline, 0)?;
            }
            "--executor" => {
                given.push("--executor");
                let e = argv.value(&flag, inline, "a value")?;
                if !e.contains(':') {
                    return Err(format!("--executor: '{e}' is not module:callable"));
                }
                a.executor = e;
            }
            "--out" => {
                given.push("--out");
                a.out = Some(argv.value(&flag, inline, "a file")?);
            }
            "--replay" => a.replay = Some(argv.value(&flag, inline, "a file")?),
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
            return Err(format!("--probes takes only --python (got {flag})"));
        }
    }
    if a.replay.is_some() {
        if let Some(flag) = given.iter().find(|f| CAMPAIGN_ONLY.contains(f)) {
            return Err(format!(
                "--replay takes only --python, --executor and --isolated (got {flag})"
            ));
        }
    }
    if a.pythons.is_empty() {
        a.pythons.push("all".into());
    }
    Ok(a)
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

fn caps_of(i: &Interpreter, isolated: bool) -> Result<Caps, String> {
    let p = probes(i)?;
    Ok(Caps {
        buffersize: p["has_buffersize"] == true,
        isolated,
    })
}

fn main() -> ExitCode {
    let args = match Argv::from_env().and_then(parse) {
        Ok(a) => a,
        Err(e) => return usage_error(PROGRAM, &e),
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
    if !missing.is_empty() {
        note(&format!(
            "differential: CPython versions not found here: {}",
            missing.join(", ")
        ));
    }
    if args.probes {
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
    if let Some(file) = &args.replay {
        return replay(file, &interpreters, &args);
    }
    let mut tallies: Vec<Tally> = Vec::new();
    for i in &interpreters {
        let caps = match caps_of(i, args.isolated) {
            Ok(c) => c,
            Err(e) => {
                note(&format!("differential: {e}"));
                return ExitCode::from(2);
            }
        };
        let mut driver = match Driver::start(i, &args.executor, args.isolated) {
            Ok(d) => d,
            Err(e) => {
                note(&format!("differential: {e}"));
                return ExitCode::from(2);
            }
        };
        let mut campaign = args.campaign.clone();
        if !i.default {
            campaign.scenarios = args.others.unwrap_or(campaign.scenarios);
        }
        note(&format!(
            "== {} ({}) `{}`: {} scenarios",
            i.version,
            i.path.display(),
            args.executor,
            campaign.scenarios
        ));
        let total = campaign.scenarios;
        let mut progress = Progress::new();
        let tally = run(&mut driver, caps, &campaign, &mut |k, t| {
            let line = format!(
                "   {k}/{total}: {} agree, {} expected, {} unexpected, {} errors",
                t.agreed,
                t.expected.values().map(|(n, _)| n).sum::<u32>(),
                t.unexpected.values().map(|u| u.count).sum::<u32>(),
                t.errors.len()
            );
            // Every scenario on a terminal; every hundredth as a line.
            if k % 100 == 0 || k == total {
                progress.line(&line);
            } else {
                progress.status(&line);
            }
        });
        progress.finish();
        if let Some(e) = tally.errors.first() {
            if tally.errors.len() as u32 == tally.scenarios {
                note(&format!(
                    "differential: the driver failed on every scenario: {e}"
                ));
                return ExitCode::from(2);
            }
        }
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
    let bad = tallies
        .iter()
        .any(|t| !t.unexpected.is_empty() || !t.errors.is_empty());
    if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn replay(file: &str, interpreters: &[Interpreter], args: &Args) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            note(&format!("differential: cannot read {file}: {e}"));
            return ExitCode::from(2);
        }
    };
    let s = match serde_json::from_str(&text)
        .map_err(|e| e.to_string())
        .and_then(|v| DiffScenario::from_json(&v))
    {
        Ok(s) => s,
        Err(e) => {
            note(&format!("differential: {file}: {e}"));
            return ExitCode::from(2);
        }
    };
    let mut status = ExitCode::SUCCESS;
    for i in interpreters {
        let mut driver = match Driver::start(i, &args.executor, args.isolated) {
            Ok(d) => d,
            Err(e) => {
                note(&format!("differential: {e}"));
                return ExitCode::from(2);
            }
        };
        match run_pair(&mut driver, &s) {
            Err(e) => {
                note(&format!("differential: {}: {e}", i.version));
                status = ExitCode::from(1);
            }
            Ok((r, p)) => {
                let c = compare(&s, &r, &p, i.minor, args.isolated);
                let mut text = format!(
                    "{}\nreference: {r}\npython {}: {p}\n",
                    s.scenario, i.version
                );
                match c.difference {
                    None => text.push_str("=> agree\n"),
                    Some(d) => {
                        text.push_str(&format!("=> {d}\n"));
                        if d.expected.is_none() {
                            status = ExitCode::from(1);
                        }
                    }
                }
                print(&text);
            }
        }
    }
    status
}
