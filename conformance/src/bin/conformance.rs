//! `concurrent-futures-conformance`: checks executors clause by clause and
//! prints the clause × executor matrix.
//!
//! ```text
//! cargo run --release -p concurrent-futures-conformance -- \
//!     [--executor NAME]... [--cases N] [--seed S] [--format table|json|junit]
//!     [--group NAME]... [--patience MS] [--gallery] [--list]
//! ```
//!
//! Exits 0 when every executor passes every clause it claims (clauses it
//! declares unsupported are `n/a`; clauses listed as known deviations of a
//! third-party executor are reported with their reason), 1 when a claimed
//! clause fails (or a gallery bug survives), 2 on bad arguments.

use concurrent_futures_conformance::adapters::{EXECUTORS, check_named, entry};
use concurrent_futures_conformance::gallery::{Bug, gallery_options, hunt};
use concurrent_futures_conformance::{
    GROUPS, Options, Report, render_json_all, render_junit_all, render_matrix,
};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
usage: concurrent-futures-conformance [--executor NAME]... [--cases N] [--seed S]
                                      [--format table|json|junit] [--group NAME]... [--patience MS]
       concurrent-futures-conformance --gallery [--cases N] [--seed S]
       concurrent-futures-conformance --list

  --executor NAME   check this executor (repeatable; default: every executor in --list)
  --cases N         generated scenarios per clause group (default 256)
  --seed S          seed for scenario generation, decimal or 0x-hex (default 0xc0ffee)
  --format F        table (default), json or junit
  --group NAME      only this clause group (repeatable)
  --patience MS     how long to wait for what must happen before calling it a hang (default 2000)
  --gallery         run the kit on every deliberately broken executor and print the kill rate
  --list            list executors, gallery bugs and clause groups";

#[derive(Debug, PartialEq)]
enum Format {
    Table,
    Json,
    Junit,
}

struct Args {
    executors: Vec<String>,
    options: Options,
    format: Format,
    gallery: bool,
    list: bool,
}

fn parse_number(flag: &str, value: Option<String>) -> Result<u64, String> {
    let v = value.ok_or_else(|| format!("{flag} needs a value"))?;
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    parsed.map_err(|_| format!("{flag}: '{v}' is not a non-negative integer"))
}

fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        executors: Vec::new(),
        options: Options::default(),
        format: Format::Table,
        gallery: false,
        list: false,
    };
    let mut groups = Vec::new();
    while let Some(arg) = argv.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| argv.next());
        match flag.as_str() {
            "--executor" => {
                let name = value().ok_or("--executor needs a name (see --list)")?;
                let known = entry(&name).is_some()
                    || name
                        .strip_prefix("gallery:")
                        .and_then(Bug::from_name)
                        .is_some();
                if !known {
                    return Err(format!("unknown executor '{name}' (see --list)"));
                }
                args.executors.push(name);
            }
            "--cases" => {
                let n = parse_number("--cases", value())?;
                if n == 0 || n > u32::MAX as u64 {
                    return Err("--cases must be between 1 and 4294967295".into());
                }
                args.options.cases = n as u32;
            }
            "--seed" => args.options.seed = parse_number("--seed", value())?,
            "--patience" => {
                let ms = parse_number("--patience", value())?;
                if ms == 0 {
                    return Err("--patience must be at least 1 ms".into());
                }
                args.options.timing.patience = std::time::Duration::from_millis(ms);
            }
            "--format" => {
                args.format = match value().as_deref() {
                    Some("table") => Format::Table,
                    Some("json") => Format::Json,
                    Some("junit") => Format::Junit,
                    Some(other) => {
                        return Err(format!("--format: '{other}' is not table, json or junit"));
                    }
                    None => return Err("--format needs a value: table, json or junit".into()),
                }
            }
            "--group" => {
                let g = value().ok_or("--group needs a name (see --list)")?;
                if !GROUPS.iter().any(|x| x.name == g) {
                    return Err(format!("unknown group '{g}' (see --list)"));
                }
                groups.push(g);
            }
            "--gallery" => args.gallery = true,
            "--list" => args.list = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if !groups.is_empty() {
        args.options.groups = Some(groups);
    }
    if args.executors.is_empty() {
        args.executors = EXECUTORS.iter().map(|e| e.name.to_string()).collect();
    }
    Ok(args)
}

fn list() {
    println!("executors:");
    for e in EXECUTORS {
        println!("  {:<12} {}", e.name, e.about);
    }
    println!("gallery (as gallery:NAME):");
    for b in Bug::ALL {
        println!("  {:<36} breaks {}", b.name(), b.clauses()[0]);
    }
    println!("clause groups:");
    for g in GROUPS {
        println!("  {:<13} {} ({} clauses)", g.name, g.title, g.clauses.len());
    }
}

/// Failed clauses of `report` that are not known deviations of its executor.
fn regressions(report: &Report) -> Vec<String> {
    let known = entry(&report.executor).map_or(&[][..], |e| e.known);
    report
        .failed_clauses()
        .into_iter()
        .filter(|c| !known.iter().any(|k| k.clause == c))
        .collect()
}

fn render_table(reports: &[Report]) -> String {
    let mut s = String::new();
    for r in reports {
        let (p, f, n) = r.counts();
        s.push_str(&format!(
            "{}: {p} pass, {f} fail, {n} n/a; {} scenarios ({} per group, seed {:#x}) in {:.1} s\n",
            r.executor, r.scenarios, r.cases, r.seed, r.seconds
        ));
    }
    s.push('\n');
    s.push_str(&render_matrix(reports));
    for r in reports {
        let known = entry(&r.executor).map_or(&[][..], |e| e.known);
        for (c, f) in r.failures() {
            match known.iter().find(|k| k.clause == c.clause) {
                Some(k) => s.push_str(&format!(
                    "\n{} / {}: known — {}\n",
                    r.executor, c.clause, k.why
                )),
                None => s.push_str(&format!(
                    "\n{} / {} — minimal scenario ({} group):\n{}  {}\n",
                    r.executor, c.clause, f.group, f.scenario, f.violation
                )),
            }
        }
    }
    s
}

fn run_gallery(options: &Options) -> ExitCode {
    let options = gallery_options(options.cases, options.seed);
    let mut killed = 0;
    for (i, bug) in Bug::ALL.iter().enumerate() {
        eprint!("\r[{}/{}] {:<40}", i + 1, Bug::ALL.len(), bug.name());
        let _ = std::io::stderr().flush();
        let kill = hunt(*bug, &options);
        if kill.killed {
            killed += 1;
        }
        println!(
            "{:<36} {:<7} expected {:<22} flagged {}",
            bug.name(),
            if kill.killed { "killed" } else { "ALIVE" },
            bug.clauses()[0],
            kill.flagged.join(", ")
        );
    }
    eprintln!();
    let total = Bug::ALL.len();
    println!(
        "kill rate: {killed}/{total} ({:.0}%)",
        100.0 * killed as f64 / total as f64
    );
    if killed == total {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) if msg.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("error: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if args.list {
        list();
        return ExitCode::SUCCESS;
    }
    if args.gallery {
        return run_gallery(&args.options);
    }
    let mut reports = Vec::new();
    let n = args.executors.len();
    for (i, name) in args.executors.iter().enumerate() {
        let mut progress = |group: &str, g: usize| {
            eprint!(
                "\r[{}/{n}] {name:<12} group {}/{} {group:<14}",
                i + 1,
                g + 1,
                GROUPS.len()
            );
            let _ = std::io::stderr().flush();
        };
        let report = check_named(name, &args.options, &mut progress).expect("validated name");
        eprintln!(
            "\r[{}/{n}] {name:<12} done in {:.1} s: {} pass, {} fail, {} n/a{:20}",
            i + 1,
            report.seconds,
            report.counts().0,
            report.counts().1,
            report.counts().2,
            ""
        );
        reports.push(report);
    }
    match args.format {
        Format::Table => print!("{}", render_table(&reports)),
        Format::Json => print!("{}", render_json_all(&reports)),
        Format::Junit => print!("{}", render_junit_all(&reports)),
    }
    let bad: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            regressions(r)
                .into_iter()
                .map(move |c| format!("{} {c}", r.executor))
        })
        .collect();
    if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("claimed clauses failed: {}", bad.join(", "));
        ExitCode::from(1)
    }
}
