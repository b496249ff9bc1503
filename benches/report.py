#!/usr/bin/env python3
"""Writes benches/SUMMARY.md and benches/summary.svg from the benchmark
results (python3 stdlib only).

Reads
  * criterion's results: target/criterion/**/new/{benchmark,estimates}.json
    (the median time per iteration of every benchmark);
  * the CPython script's JSON (benches/python/bench_cpython.py --out ...);
  * the memory bench's JSON (target/cf-bench/memory.json);
  * the callgrind harness's JSON (target/cf-bench/instructions.json, from
    benches/instructions.py).

Usage (from the repository root, after `benches/run.sh` or its steps):
    python3 benches/report.py [--criterion DIR] [--cpython FILE] [--memory FILE]
                              [--instructions FILE]
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUST_PEERS = ["threadpool", "rayon", "tokio", "crossbeam", "floor", "async-task"]
CPYTHON = "CPython"
# The peers that set the bar (issue 14): compared with in targets of their
# own, not counted as "the fastest Rust peer".
BARS = ["floor", "async-task"]
EXECUTORS = ["ours"] + RUST_PEERS + [CPYTHON]
GROUPS = ["throughput", "round_trip", "map", "wait_all", "wait_first",
          "as_completed", "shutdown_cancel", "contention"]
GROUP_TITLES = {
    "throughput": "1. submit N, collect all",
    "round_trip": "2. round trip (one task)",
    "map": "3. map",
    "wait_all": "4. wait(ALL_COMPLETED)",
    "wait_first": "4. wait(FIRST_COMPLETED)",
    "as_completed": "4. as_completed",
    "shutdown_cancel": "5. shutdown(cancel_futures)",
    "contention": "6. contention",
}
COLORS = {"ours": "#d62728", "threadpool": "#1f77b4", "rayon": "#2ca02c",
          "tokio": "#9467bd", "crossbeam": "#ff7f0e", "floor": "#17becf",
          "async-task": "#8c564b", CPYTHON: "#7f7f7f"}
REGENERATE = """benches/run.sh      # from the repository root, on an otherwise idle machine; it runs:
#   cargo bench -p concurrent-futures-benches
#   python3 benches/python/bench_cpython.py --out target/cf-bench/cpython.json
#   cargo build --release -p concurrent-futures-benches --bin profile
#   python3 benches/instructions.py      # callgrind: instructions per task
#   python3 benches/report.py"""


def load_json(path):
    with open(path) as f:
        return json.load(f)


def natural_key(value):
    """'10k' < '100k' < '1M'; '2thr/100k' < '4thr/100k'; 'cs=64' < 'cs=1024'."""
    def number(tok):
        m = re.fullmatch(r"(\d+)([kM]?)", tok)
        if not m:
            return None
        return int(m.group(1)) * {"": 1, "k": 10**3, "M": 10**6}[m.group(2)]
    key = []
    for part in re.split(r"[/=]", value):
        n = number(part)
        key.append((0, n, "") if n is not None else (1, 0, part))
    # Rows without buffersize first.
    return ("bs=" in value, key)


def criterion_results(directory):
    """{(group, value): {executor: (ns_per_iter, elements)}}"""
    rows = {}
    for dirpath, _, files in os.walk(directory):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        bench = load_json(os.path.join(dirpath, "benchmark.json"))
        est = load_json(os.path.join(dirpath, "estimates.json"))
        elements = (bench.get("throughput") or {}).get("Elements", 1)
        key = (bench["group_id"], bench.get("value_str") or "")
        median = est["median"]
        ci = median.get("confidence_interval", {})
        spread = (ci.get("upper_bound", 0) - ci.get("lower_bound", 0)) / 2
        rows.setdefault(key, {})[bench["function_id"]] = (
            median["point_estimate"], elements, 100 * spread / median["point_estimate"])
    return rows


def add_cpython(rows, doc):
    notes = {}
    for r in doc["results"]:
        key = (r["group"], r["value"])
        rows.setdefault(key, {})[CPYTHON] = (r["ns"], r["elements"], None)
        if r.get("note"):
            notes[key] = r["note"]
    return notes


def per_element(cell):
    ns, elements = cell[0], cell[1]
    return ns / elements


def fmt_ns(ns):
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def fmt_axis(ns):
    return f"{ns:g} ns" if ns < 1 else fmt_ns(ns)


def fmt_ratio(r):
    """Two decimals, or two significant digits below 0.1 (0.0031)."""
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def fmt_per(ns):
    if ns >= 100:
        return f"{ns:,.0f}"
    return f"{ns:.1f}" if ns >= 10 else f"{ns:.2f}"


def command(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "(unavailable)"


def machine():
    lscpu = command("lscpu")
    head = "\n".join(lscpu.splitlines()[:10])
    return {
        "nproc": command("nproc"),
        "lscpu": head,
        "rustc": command("rustc", "--version"),
        "kernel": platform.release(),
    }


def ordered_keys(rows):
    return sorted(rows, key=lambda k: (GROUPS.index(k[0]) if k[0] in GROUPS
                                       else len(GROUPS), natural_key(k[1])))


def table(rows, notes):
    out = ["| workload | N | ours: time / iter | ours ns/task | "
           + " | ".join(f"{p} ns/task (ours/{p})" for p in RUST_PEERS + [CPYTHON])
           + " |",
           "|---|---|---|---|" + "---|" * (len(RUST_PEERS) + 1)]
    footnotes = []
    for key in ordered_keys(rows):
        cells = rows[key]
        group, value = key
        ours = cells.get("ours")
        line = [GROUP_TITLES.get(group, group), value]
        if ours:
            line += [f"{fmt_ns(ours[0])} ±{ours[2]:.0f}%", fmt_per(per_element(ours))]
        else:
            line += ["—", "—"]
        for peer in RUST_PEERS + [CPYTHON]:
            cell = cells.get(peer)
            if not cell:
                line.append("—")
                continue
            text = fmt_per(per_element(cell))
            if ours:
                text += f" ({fmt_ratio(per_element(ours) / per_element(cell))})"
            if peer == CPYTHON and key in notes:
                if notes[key] not in footnotes:
                    footnotes.append(notes[key])
                text += f" [{footnotes.index(notes[key]) + 1}]"
            line.append(text)
        out.append("| " + " | ".join(line) + " |")
    if footnotes:
        out.append("")
        for i, note in enumerate(footnotes, 1):
            out.append(f"[{i}] CPython: {note}.")
    return "\n".join(out)


NOT_MEASURED = "**not measured** (row missing)"


def check(ok):
    return "met" if ok else "**missed**"


def ratio_target(what, ours, peer, against, target, limit):
    """A target line "ours ÷ peer ≤ limit", or "not measured" when a row is missing."""
    if ours and peer:
        return (f"- {what}: ours {ours / peer:.2f}× {against} ({target}): "
                f"{check(ours <= limit * peer)}")
    return f"- {what}: ours vs {against} ({target}): {NOT_MEASURED}"


def targets(rows):
    """The issue's targets, evaluated on the numbers above."""
    lines = []

    def pe(group, value, who):
        cell = rows.get((group, value), {}).get(who)
        return per_element(cell) if cell else None

    for group, what in (("throughput", "throughput"), ("contention", "contention")):
        for key in ordered_keys(rows):
            if key[0] != group or "ours" not in rows[key]:
                continue
            ours = pe(*key, "ours")
            peers = {p: pe(*key, p) for p in RUST_PEERS
                     if p not in BARS and pe(*key, p) is not None}
            if not peers:
                continue
            best = min(peers, key=peers.get)
            lines.append(f"- {what} {key[1]}: ours {fmt_per(ours)} ns/task vs fastest "
                         f"Rust peer {best} {fmt_per(peers[best])} "
                         f"({ours / peers[best]:.2f}×): {check(ours <= peers[best])}")
    # Issue 14, item 3, each target as the issue states it; a missing row
    # is reported as such, so that every target has its line.
    for size in ("10k", "100k", "1M"):
        ours, floor, at = (pe("throughput", size, p) for p in ("ours", "floor", "async-task"))
        lines.append(ratio_target(f"throughput {size}", ours, floor, "the floor pool",
                                  "target ≤ 1.2×", 1.2))
        lines.append(ratio_target(f"throughput {size}", ours, at, "the async-task pool",
                                  "target: not slower, ≤ 1×", 1.0))
    ours, floor = (pe("contention", "8thr/100k", p) for p in ("ours", "floor"))
    lines.append(ratio_target("contention, 8 submitters", ours, floor, "the floor pool",
                              "target ≤ 1.2×", 1.2))
    ours, rayon = pe("round_trip", "1", "ours"), pe("round_trip", "1", "rayon")
    if ours and rayon:
        lines.append(f"- round trip: ours {fmt_ns(ours)} vs rayon {fmt_ns(rayon)} "
                     f"({ours / rayon:.2f}×): {check(ours <= rayon)}")
    ours, rayon = pe("map", "1M/cs=1024", "ours"), pe("map", "1M/cs=1", "rayon")
    if ours and rayon:
        lines.append(f"- map cs=1024: ours {fmt_per(ours)} ns/item vs rayon "
                     f"par_iter {fmt_per(rayon)} ({ours / rayon:.1f}×, "
                     f"target ≤ 5×): {check(ours <= 5 * rayon)}")
    else:
        lines.append(f"- map cs=1024 vs rayon par_iter per item (target ≤ 5×): {NOT_MEASURED}")
    series = {v: pe("throughput", v, "ours") for (g, v) in rows
              if g == "throughput" and pe(g, v, "ours")}
    if "1k" in series and "10M" in series:
        spread = max(series.values()) / min(series.values())
        lines.append(f"- throughput cost per task flat from 1k to 10M: {fmt_per(series['1k'])} "
                     f"ns/task at 1k, {fmt_per(series['10M'])} at 10M; max/min over "
                     f"{len(series)} sizes {spread:.2f}× (target ≤ 1.5×): "
                     f"{check(spread <= 1.5)}")
    else:
        lines.append(f"- throughput cost per task flat from 1k to 10M (target ≤ 1.5×): "
                     f"{NOT_MEASURED} (needs the 1k and 10M rows)")
    for group in ("wait_all", "wait_first", "as_completed"):
        series = sorted(((natural_key(v), pe(g, v, "ours"), v)
                         for (g, v) in rows if g == group and pe(g, v, "ours")))
        if len(series) >= 2:
            lo, hi = series[0], series[-1]
            spread = max(s[1] for s in series) / min(s[1] for s in series)
            lines.append(f"- {group} linear: {fmt_per(lo[1])} ns/task at {lo[2]}, "
                         f"{fmt_per(hi[1])} at {hi[2]}; max/min over "
                         f"{len(series)} sizes {spread:.2f}×: "
                         f"{check(spread <= 1.5)} (≤ 1.5× counted as flat)")
    compared = 0
    for group in ("throughput", "map"):
        for key in ordered_keys(rows):
            if key[0] != group:
                continue
            ours, cpy = pe(*key, "ours"), pe(*key, CPYTHON)
            if ours and cpy:
                compared += 1
                lines.append(f"- vs CPython, {group} {key[1]}: {cpy / ours:.0f}× "
                             f"faster (target ≥ 100×): {check(cpy / ours >= 100)}")
    if not compared:
        lines.append(f"- vs CPython (target ≥ 100×): {NOT_MEASURED} (no cpython.json)")
    return "\n".join(lines)


def cost_targets(mem, ins):
    """The issue's per-task cost targets, from memory.json and instructions.json."""
    lines = []
    ours = (mem or {}).get("peers", {}).get("ours")
    if ours:
        ok = ours["allocs_per_task"] <= 1.0 and ours["bytes_per_task"] <= 96
        lines.append(f"- per pending future: ours {ours['allocs_per_task']:.2f} allocations, "
                     f"{ours['bytes_per_task']:.1f} B (target 1.0 and ≤ 96 B): {check(ok)}")
    else:
        lines.append(f"- per pending future (target 1.0 allocation and ≤ 96 B): {NOT_MEASURED} "
                     "(no memory.json)")
    ours = (ins or {}).get("peers", {}).get("ours")
    if ours:
        n = ours["instructions_per_task"]
        lines.append(f"- instructions per task: ours {n:,.0f} (target ≤ 900): {check(n <= 900)}")
    else:
        lines.append(f"- instructions per task (target ≤ 900): {NOT_MEASURED} "
                     "(no instructions.json)")
    return "\n".join(lines)


def instructions_table(ins):
    if not ins:
        return ("(no instructions.json: run `python3 benches/instructions.py` after "
                "`cargo build --release -p concurrent-futures-benches --bin profile`)")
    n = ins["tasks"]
    out = [f"Instructions per task of workload 1 (submit N tiny tasks, collect all), every "
           f"thread counted by callgrind: (instructions at {2 * n:,} tasks − at {n:,}) / "
           f"{n:,}, so start-up cancels; median and range of {ins['repeat']} such pairs (spinning "
           "workers make the count depend on valgrind's thread scheduling, not on the "
           "machine's load).", "",
           "| executor | instructions / task | range | ours/peer |", "|---|---|---|---|"]
    ours = ins["peers"].get("ours", {}).get("instructions_per_task")
    for name, m in ins["peers"].items():
        v = m["instructions_per_task"]
        ratio = f"{ours / v:.2f}" if ours and v > 0 else "—"
        spread = f"{m['min']:,.0f}–{m['max']:,.0f}" if "min" in m else "—"
        out.append(f"| {name} | {v:,.0f} | {spread} | {ratio} |")
    return "\n".join(out)


def memory_table(mem, cpy):
    if not mem:
        return "(no memory.json: run `cargo bench -p concurrent-futures-benches --bench memory`)"
    out = [f"Heap per submitted-but-pending task ({mem['tasks']:,} tasks with an "
           "empty closure, the only worker held at a gate; counting global "
           "allocator, best of three):", "",
           "| executor | bytes / pending task | allocations / pending task | ours/peer "
           "(bytes) | allocations / task run | bytes allocated / task run |",
           "|---|---|---|---|---|---|"]
    ours = mem["peers"].get("ours", {}).get("bytes_per_task")
    for name, m in mem["peers"].items():
        ratio = f"{ours / m['bytes_per_task']:.2f}" if ours else "—"
        run = (f"{m['run_allocs_per_task']:.2f} | {m['run_bytes_per_task']:.1f}"
               if "run_allocs_per_task" in m else "— | —")
        out.append(f"| {name} | {m['bytes_per_task']:.1f} | "
                   f"{m['allocs_per_task']:.2f} | {ratio} | {run} |")
    if cpy and "memory" in cpy:
        b = cpy["memory"]["bytes_per_task"]
        ratio = f"{ours / b:.2f}" if ours else "—"
        out.append(f"| {CPYTHON} (tracemalloc) | {b:.1f} | — | {ratio} | — | — |")
    out += ["", "Per task run: the throughput workload with the benches' worker count, "
            f"{mem['tasks']:,} tasks after a warm-up run: allocation calls and bytes "
            "allocated per task, less the workload's own vectors of handles and results."]
    return "\n".join(out)


def svg(rows, path):
    """A horizontal bar chart of ns per task, log scale, one bar per executor."""
    keys = [k for k in ordered_keys(rows) if rows[k]]
    bar, gap, left, width = 9, 10, 250, 560
    values = [per_element(c) for k in keys for c in rows[k].values()]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))

    def x(v):
        return left + width * (math.log10(v) - math.log10(lo)) / (
            math.log10(hi) - math.log10(lo))

    y, parts = 40, []
    for key in keys:
        cells = [(e, rows[key][e]) for e in EXECUTORS if e in rows[key]]
        h = len(cells) * bar
        parts.append(f'<text x="{left - 8}" y="{y + h / 2 + 4}" text-anchor="end" '
                     f'font-size="11">{key[0]} {key[1]}</text>')
        for e, cell in cells:
            v = per_element(cell)
            parts.append(f'<rect x="{left}" y="{y}" width="{x(v) - left:.1f}" '
                         f'height="{bar - 1}" fill="{COLORS[e]}">'
                         f'<title>{e}: {fmt_per(v)} ns/task</title></rect>')
            y += bar
        y += gap
    height = y + 40
    axis = []
    decade = lo
    while decade <= hi:
        axis.append(f'<line x1="{x(decade):.1f}" y1="34" x2="{x(decade):.1f}" '
                    f'y2="{y}" stroke="#ccc"/>'
                    f'<text x="{x(decade):.1f}" y="{y + 14}" font-size="10" '
                    f'text-anchor="middle">{fmt_axis(decade)}</text>')
        decade *= 10
    legend = []
    for i, e in enumerate(EXECUTORS):
        legend.append(f'<rect x="{10 + i * 100}" y="{height - 18}" width="10" '
                      f'height="10" fill="{COLORS[e]}"/><text x="{10 + i * 100 + 14}" '
                      f'y="{height - 9}" font-size="11">{e}</text>')
    doc = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 30}" '
           f'height="{height}" font-family="sans-serif">'
           f'<rect width="100%" height="100%" fill="white"/>'
           f'<text x="{left}" y="20" font-size="13" font-weight="bold">'
           f'Time per task (log scale; shorter is better)</text>'
           + "".join(axis) + "".join(parts) + "".join(legend) + "</svg>\n")
    with open(path, "w") as f:
        f.write(doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--criterion", default=os.path.join(ROOT, "target", "criterion"))
    ap.add_argument("--cpython", default=os.path.join(ROOT, "target", "cf-bench",
                                                      "cpython.json"))
    ap.add_argument("--memory", default=os.path.join(ROOT, "target", "cf-bench",
                                                     "memory.json"))
    ap.add_argument("--instructions", default=os.path.join(ROOT, "target", "cf-bench",
                                                           "instructions.json"))
    ap.add_argument("--out", default=os.path.join(ROOT, "benches", "SUMMARY.md"))
    ap.add_argument("--svg", default=os.path.join(ROOT, "benches", "summary.svg"))
    args = ap.parse_args()

    rows = criterion_results(args.criterion)
    if not rows:
        sys.exit(f"no criterion results under {args.criterion}: run cargo bench first")
    cpy = load_json(args.cpython) if os.path.exists(args.cpython) else None
    notes = add_cpython(rows, cpy) if cpy else {}
    mem = load_json(args.memory) if os.path.exists(args.memory) else None
    ins = (load_json(args.instructions) if os.path.exists(args.instructions)
           else None)
    m = machine()
    svg(rows, args.svg)

    md = f"""# Benchmark summary

Generated by `benches/report.py` on {datetime.date.today().isoformat()}; do not
edit by hand. Regenerate with:

```sh
{REGENERATE}
```

Every executor runs **{cpy['workers'] if cpy else 2} worker threads** (the memory
workload: 1, held at a gate). Times are criterion's median over 10 samples
(± is half the width of its 95% confidence interval: this machine is a
noisy 2-core VM); CPython's are the median of its repeats. "ns/task" is the time per iteration
divided by the tasks (or map items) one iteration processes. A ratio in
parentheses is ours/peer per task: below 1 means ours is faster. What each
workload measures: [README.md](README.md). Profiles and the limits behind
missed targets: [FINDINGS.md](FINDINGS.md).

![ns per task](summary.svg)

## Machine

- `nproc`: {m['nproc']}
- rustc: `{m['rustc']}`
- Python: `{cpy['python'] if cpy else '(not run)'}`
- kernel: `{m['kernel']}`

```text
{m['lscpu']}
```

## Time

{table(rows, notes)}

## Memory

{memory_table(mem, cpy)}

## Instructions

{instructions_table(ins)}

## Targets

{chr(10).join(t for t in (targets(rows), cost_targets(mem, ins)) if t)}
"""
    with open(args.out, "w") as f:
        f.write(md)
    print(f"wrote {os.path.relpath(args.out)} and {os.path.relpath(args.svg)}")


if __name__ == "__main__":
    main()
