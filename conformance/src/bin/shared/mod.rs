//! What both commands share: reading arguments, numbers, writing output and
//! the progress line.
//!
//! Rules common to both commands:
//! * every argument must be valid UTF-8;
//! * a value follows its option (`--cases 64`) or is attached (`--cases=64`);
//! * an option that takes one value may be given once;
//! * numbers are decimal or `0x` hex, and beyond an option's range are "out
//!   of range";
//! * bad arguments get one line on stderr and exit status 2;
//! * a closed stdout (`... | head -1`) ends the command quietly with status
//!   141, as a shell reports a process ended by SIGPIPE.

use std::io::{ErrorKind, IsTerminal, Write};
use std::num::IntErrorKind;
use std::process::ExitCode;

/// The exit status when stdout is a closed pipe.
const BROKEN_PIPE: i32 = 141;

/// The command-line arguments after the program name, each checked to be
/// UTF-8, read as options with values.
pub struct Argv {
    args: std::vec::IntoIter<String>,
    seen: Vec<String>,
}

impl Argv {
    /// This process's arguments; an error names the first that is not UTF-8.
    pub fn from_env() -> Result<Argv, String> {
        let mut args = Vec::new();
        for (i, a) in std::env::args_os().skip(1).enumerate() {
            match a.into_string() {
                Ok(s) => args.push(s),
                Err(raw) => {
                    return Err(format!(
                        "argument {} is not valid UTF-8: '{}'",
                        i + 1,
                        raw.to_string_lossy()
                    ));
                }
            }
        }
        Ok(Argv::new(args))
    }

    /// `args` as the arguments.
    pub fn new(args: Vec<String>) -> Argv {
        Argv {
            args: args.into_iter(),
            seen: Vec::new(),
        }
    }

    /// The next option and its attached value (`--flag=value`), if any.
    pub fn next_flag(&mut self) -> Option<(String, Option<String>)> {
        let arg = self.args.next()?;
        Some(match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg, None),
        })
    }

    /// The value of `flag`: attached, or the next argument. `what` names it
    /// in the error.
    pub fn value(
        &mut self,
        flag: &str,
        inline: Option<String>,
        what: &str,
    ) -> Result<String, String> {
        inline
            .or_else(|| self.args.next())
            .ok_or_else(|| format!("{flag} needs {what}"))
    }

    /// Records that `flag` (one value at most) was given; an error the
    /// second time.
    pub fn once(&mut self, flag: &str) -> Result<(), String> {
        if self.seen.iter().any(|s| s == flag) {
            return Err(format!("{flag} given twice"));
        }
        self.seen.push(flag.to_string());
        Ok(())
    }
}

/// `v`, the value of `flag`, as a number in `min..=max` (decimal or `0x` hex).
pub fn number(flag: &str, v: &str, min: u64, max: u64) -> Result<u64, String> {
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    let out_of_range = || format!("{flag}: {v} is out of range ({min} to {max})");
    match parsed {
        Ok(n) if n < min || n > max => Err(out_of_range()),
        Ok(n) => Ok(n),
        Err(e) if *e.kind() == IntErrorKind::PosOverflow => Err(out_of_range()),
        Err(_) => Err(format!("{flag}: '{v}' is not a non-negative integer")),
    }
}

/// The one line a bad argument gets, and exit status 2.
pub fn usage_error(program: &str, msg: &str) -> ExitCode {
    // A message that already points somewhere (`(see --list)`) keeps that one.
    let see = if msg.ends_with(')') && msg.contains("(see ") {
        ""
    } else {
        " (see --help)"
    };
    note(&format!("{program}: {msg}{see}"));
    ExitCode::from(2)
}

/// Writes `text` to stdout. A closed pipe ends the process quietly (status
/// 141); any other write error is one line on stderr and status 2.
pub fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(BROKEN_PIPE);
        }
        note(&format!("cannot write the output: {e}"));
        std::process::exit(2);
    }
}

/// Writes `line` and a newline to stderr; a stderr that cannot be written is
/// ignored.
pub fn note(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Progress on stderr: on a terminal, one line rewritten in place (`\r`);
/// otherwise only the finished lines, one per item.
pub struct Progress {
    tty: bool,
    shown: usize,
}

impl Progress {
    /// Progress for this process's stderr.
    pub fn new() -> Progress {
        Progress {
            tty: std::io::stderr().is_terminal(),
            shown: 0,
        }
    }

    /// What is being done now: shown on a terminal only, replacing the
    /// previous status.
    pub fn status(&mut self, text: &str) {
        if self.tty {
            let pad = self.shown.saturating_sub(text.chars().count());
            let _ = write!(std::io::stderr().lock(), "\r{text}{:pad$}", "");
            let _ = std::io::stderr().flush();
            self.shown = text.chars().count();
        }
    }

    /// A line that stays: replaces the status on a terminal, else a plain
    /// line.
    pub fn line(&mut self, text: &str) {
        if self.tty {
            self.status(text);
            note("");
            self.shown = 0;
        } else {
            note(text);
        }
    }

    /// Ends a status line left on a terminal.
    pub fn finish(&mut self) {
        if self.tty && self.shown > 0 {
            self.status("");
            let _ = write!(std::io::stderr().lock(), "\r");
            self.shown = 0;
        }
    }
}

/// The features named by a `--missing` list (comma-separated
/// [`Feature::name`](concurrent_futures_conformance::Feature::name)s); the error names an unknown one.
pub fn feature_list(list: &str) -> Result<Vec<concurrent_futures_conformance::Feature>, String> {
    use concurrent_futures_conformance::Feature;
    list.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|name| {
            Feature::from_name(name).ok_or_else(|| {
                let all: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "--missing: unknown feature '{name}' (there are: {})",
                    all.join(", ")
                )
            })
        })
        .collect()
}

/// A `--known CLAUSE=WHY` value, the clause checked by `exists`.
pub fn known_deviation(v: &str, exists: impl Fn(&str) -> bool) -> Result<(String, String), String> {
    let Some((clause, why)) = v
        .split_once('=')
        .map(|(c, w)| (c.trim(), w.trim()))
        .filter(|(c, w)| !c.is_empty() && !w.is_empty())
    else {
        return Err(format!("--known: '{v}' is not CLAUSE=WHY"));
    };
    if !exists(clause) {
        return Err(format!("--known: unknown clause '{clause}'"));
    }
    Ok((clause.to_string(), why.to_string()))
}
