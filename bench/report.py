#!/usr/bin/env python3
"""Turns bench/results/ (written by bench/run.sh) into bench/RESULTS.md and three SVG charts.

Standard library only. Usage: report.py [--results DIR] [--out DIR]
  RESULTS.md      machine, command, one table per scenario, the iperf3 bulk ceiling
  throughput.svg  msgs/s per target for the 64 B scenarios (grouped bars)
  latency.svg     latency percentile curves of the 50-connection 64 B scenario
  bulk.svg        MB/s per target, bulk over 1 and 10 connections
"""
import argparse
import datetime
import json
import math
import os
import platform
from html import escape

# Scenario id -> (title, short label for charts). The order is the order of the tables.
SCENARIOS = {
    "lat1": ("1 connection, 64 B messages (latency)", "1 conn"),
    "c50": ("50 connections, 64 B messages", "50 conns"),
    "c1000": ("1000 connections, 64 B messages", "1000 conns"),
    "depth16": ("50 connections, 64 B messages, 16 in flight on each", "50 conns, depth 16"),
    "kib4": ("1 connection, 4 KiB messages", "1 conn, 4 KiB"),
    "open50": ("Open loop: 50 connections, 64 B, at 50% of each target's own peak", "open loop"),
    "bulk1": ("Bulk: 1 connection streaming both ways", "1 conn"),
    "bulk10": ("Bulk: 10 connections streaming both ways", "10 conns"),
}
BAR_SCENARIOS = ["lat1", "c50", "c1000", "depth16"]
BULK_SCENARIOS = ["bulk1", "bulk10"]

NAMES = {
    "iterative": "tcpecho iterative",
    "fork": "tcpecho fork",
    "thread": "tcpecho thread",
    "poll": "tcpecho poll",
    "epoll": "tcpecho epoll",
    "uring": "tcpecho uring",
    "socat": "socat fork PIPE",
    "ncat": "ncat --exec cat",
    "xinetd": "xinetd echo",
    "node": "Node.js net",
    "uvloop": "asyncio + uvloop",
    "libuv": "libuv C",
    "libevent": "libevent bufferevent",
    "go": "Go net",
}
COLORS = {
    "iterative": "#7f7f7f",
    "fork": "#8c564b",
    "thread": "#bcbd22",
    "poll": "#17becf",
    "epoll": "#1f77b4",
    "uring": "#2ca02c",
    "socat": "#ff7f0e",
    "ncat": "#d62728",
    "xinetd": "#9467bd",
    "node": "#e377c2",
    "uvloop": "#393b79",
    "libuv": "#637939",
    "libevent": "#8c6d31",
    "go": "#17a589",
}
EXTRA_COLORS = ["#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5"]
# Servers that fork a process per connection: --server-pid sees only the parent, which
# accepts; the children that echo are not counted.
FORKING = {"fork", "socat", "ncat", "xinetd"}


def name_of(t):
    return NAMES.get(t, t)


def color_of(t, order):
    if t in COLORS:
        return COLORS[t]
    return EXTRA_COLORS[order.index(t) % len(EXTRA_COLORS)]


# perf records by (target, scenario), filled by load(): system calls and instructions.
PERF = {}
# echo-bench's own CPU at or above this share of its load thread: it, not the server, was the
# limit of that run (marked ‡).
LOAD_BOUND_PCT = 95.0


# ---- reading ------------------------------------------------------------------------


def load(results):
    """Reads runs.jsonl: returns (meta, targets in order, skips, runs by (target, scenario),
    iperf3 records). Lines that do not parse (a run cut short) are ignored."""
    meta, targets, skips, runs, iperf = {}, [], [], {}, []
    perf = PERF
    with open(os.path.join(results, "runs.jsonl"), encoding="utf-8") as f:
        for line in f:
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            kind = rec.get("type")
            if kind == "meta":
                meta = rec
            elif kind == "end":
                meta["finished"] = rec.get("finished")
                meta["loadavg_end"] = rec.get("loadavg")
            elif kind == "target":
                targets.append(rec)
            elif kind == "skip":
                skips.append(rec)
            elif kind == "run":
                runs.setdefault((rec["target"], rec["scenario"]), []).append(rec)
            elif kind == "iperf3":
                iperf.append(rec)
            elif kind == "perf":
                perf[(rec["target"], rec["scenario"])] = rec
    return meta, targets, skips, {k: median_round(k[1], v) for k, v in runs.items()}, iperf


def median_round(scenario, rounds):
    """The round whose figure is the median of the rounds (the lower middle one of an even
    count; a round without a figure counts as the lowest), with '_rounds' = (count, lowest
    figure, highest figure) added, so that a row's figures all come from one real run."""
    ranked = sorted(rounds, key=lambda r: metric(r, scenario) or 0.0)
    rec = dict(ranked[(len(ranked) - 1) // 2])
    figures = [metric(r, scenario) for r in rounds if metric(r, scenario) is not None]
    rec["_rounds"] = (len(rounds), min(figures) if figures else None,
                      max(figures) if figures else None)
    return rec


def spread_text(order, runs, scenario):
    """'Rounds: poll 3 (120–126 k), ...' for the targets measured more than once."""
    parts = []
    for t in order:
        run = runs.get((t, scenario))
        n, lo, hi = (run or {}).get("_rounds", (1, None, None))
        if n > 1 and lo is not None:
            fmt = (lambda x: fmt_sig(x, 4)) if is_bulk(scenario) else fmt_rate
            parts.append("%s %d (%s–%s)" % (name_of(t), n, fmt(lo), fmt(hi)))
    return "Rounds (count, lowest–highest): " + ", ".join(parts) + "." if parts else ""


def iperf3_figures(results, records):
    """MB/s from iperf3's JSON: {'oneway': x, 'bidir': (forward, reverse)}, where it ran."""
    out = {}
    for rec in records:
        if rec.get("rc") != 0:
            continue
        try:
            with open(os.path.join(results, rec["file"]), encoding="utf-8") as f:
                end = json.load(f)["end"]
            fwd = end["sum_received"]["bits_per_second"] / 8e6
            if rec["mode"] == "bidir":
                out["bidir"] = (fwd, end["sum_received_bidir_reverse"]["bits_per_second"] / 8e6)
            else:
                out["oneway"] = fwd
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def read_hist(path):
    """Returns [(value_ns, cumulative_fraction)] from an echo-bench --hist file."""
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                parts = line.split()
                if len(parts) >= 3:
                    rows.append((float(parts[0]), float(parts[2])))
    except (OSError, ValueError):
        return []
    return rows


def quantile(rows, p):
    """The smallest recorded value whose cumulative fraction reaches p."""
    for value, cum in rows:
        if cum >= p - 1e-12:
            return value
    return rows[-1][0] if rows else None


# ---- what a run measured --------------------------------------------------------------


def is_bulk(scenario):
    return scenario.startswith("bulk")


def metric(run, scenario):
    """The figure runs are ranked by: msgs/s, or echoed MB/s for bulk. None when the run
    did not give a usable figure (failed, timed out, stalled)."""
    if not run or run.get("status") not in ("ok", "errors"):
        return None
    res = run.get("result")
    if not isinstance(res, dict):
        return None
    value = res.get("mb_per_s_in") if is_bulk(scenario) else res.get("msgs_per_s")
    if not value:
        return None
    return float(value)


def error_text(run, scenario):
    """What went wrong in a run, in a few words; '0' when nothing did."""
    if not run:
        return "not run"
    status = run.get("status")
    note = (run.get("note") or "").strip()
    if status == "skipped":
        return "skipped: " + note
    if status == "timeout":
        return "**timed out** (echo-bench killed after its duration + 25 s)"
    res = run.get("result")
    if status == "failed" or not isinstance(res, dict):
        return "**failed**" + (": " + note if note else "")
    errs = res.get("errors", {})
    parts = ["%d %s" % (n, k.replace("_", " ")) for k, n in errs.items() if n]
    text = ", ".join(parts) if parts else "0"
    if metric(run, scenario) is None:
        text = "**stalled**: nothing echoed while measuring" + ("; " + text if parts else "")
    if res.get("connected", 0) < res.get("connections", 0):
        text += "; %d of %d connected" % (res.get("connected", 0), res.get("connections", 0))
    return text


def fmt_rate(x):
    if x is None:
        return "—"
    if x >= 1e6:
        return "%.2f M" % (x / 1e6)
    if x >= 1e3:
        return "%.1f k" % (x / 1e3)
    return "%.0f" % x


def fmt_sig(x, digits=3):
    """x with about `digits` significant digits, no exponent."""
    if x is None:
        return "—"
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return "%.*f" % (min(decimals, 4), x)


def fmt_short(x):
    """A compact number for chart labels: 412k, 1.2M, 950."""
    if x >= 1e6:
        return "%.3gM" % (x / 1e6)
    if x >= 1e4:
        return "%.0fk" % (x / 1e3)
    if x >= 1e3:
        return "%.1fk" % (x / 1e3)
    return "%.0f" % x


# ---- RESULTS.md ------------------------------------------------------------------------


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        ncpu = len(os.sched_getaffinity(0))
    except AttributeError:
        ncpu = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(f.readline().split()[1])
        mem = ", %.0f GiB memory" % (kb / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    return "Linux %s, %s, %s CPUs%s" % (platform.release(), cpu, ncpu, mem)


def when(meta):
    start = meta.get("started")
    if not start:
        return "unknown date"
    text = datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"
    )
    if meta.get("finished"):
        text += " (the run took %d s)" % (meta["finished"] - start)
    return text


def best_peer(order, kinds, runs, scenario):
    """(target, figure) of the peer with the highest figure in the scenario, or None."""
    best = None
    for t in order:
        if kinds.get(t) != "peer":
            continue
        value = metric(runs.get((t, scenario)), scenario)
        if value is not None and (best is None or value > best[1]):
            best = (t, value)
    return best


def ratio_text(t, value, best):
    if best is None or value is None:
        return "—"
    text = "%.2f×" % (value / best[1])
    return text + " (best peer)" if t == best[0] else text


def cpu_cells(t, res):
    if not isinstance(res, dict) or "server_cpu_us_per_msg" not in res:
        return "—", "—"
    if t in FORKING:
        return "n/a †", "n/a †"
    return fmt_sig(res["server_cpu_us_per_msg"]), "%.0f%%" % res.get("server_cpu_pct", 0)


def scenario_table(scenario, order, kinds, runs):
    best = best_peer(order, kinds, runs, scenario)
    bulk = is_bulk(scenario)
    lines = []
    if bulk:
        lines.append(
            "| target | echoed MB/s | sent MB/s | server µs per 64 KiB | server CPU "
            "| errors | vs best peer |"
        )
        lines.append("|---|--:|--:|--:|--:|---|--:|")
    else:
        offered = "| offered msgs/s " if scenario == "open50" else ""
        lines.append(
            "| target %s| msgs/s | MB/s | p50 ms | p99 ms | p99.9 ms | server µs/msg "
            "| server CPU | errors | vs best peer |" % offered
        )
        lines.append("|---|" + ("--:|" if offered else "") + "--:|--:|--:|--:|--:|--:|--:|---|--:|")
    for t in order:
        run = runs.get((t, scenario))
        res = run.get("result") if run else None
        res = res if isinstance(res, dict) else None
        value = metric(run, scenario)
        name = name_of(t) + (" †" if t in FORKING else "")
        us, pct = cpu_cells(t, res)
        err = error_text(run, scenario)
        ratio = ratio_text(t, value, best)
        if bulk:
            out = fmt_sig(res["mb_per_s_out"], 4) if res else "—"
            lines.append(
                "| %s | %s | %s | %s | %s | %s | %s |"
                % (name, fmt_sig(value, 4) if value else "—", out, us, pct, err, ratio)
            )
            continue
        lat = res.get("latency_us", {}) if res and value else {}
        cells = [name]
        if scenario == "open50":
            cells.append(fmt_rate(res.get("rate")) if res else "—")
        cells += [
            fmt_rate(value) + (" ‡" if load_bound(res) else ""),
            fmt_sig(res["mb_per_s_in"]) if res and value else "—",
            fmt_sig(lat["p50"] / 1000) if "p50" in lat else "—",
            fmt_sig(lat["p99"] / 1000) if "p99" in lat else "—",
            fmt_sig(lat["p999"] / 1000) if "p999" in lat else "—",
            us,
            pct,
            err,
            ratio,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def load_bound(res):
    """Was echo-bench's own CPU the limit of this run?"""
    if not isinstance(res, dict):
        return False
    if "load_bound" in res:
        return bool(res["load_bound"])
    return res.get("bench_cpu_pct", 0) >= LOAD_BOUND_PCT * max(1, res.get("threads", 1))


def per_msg(t, scenario):
    """(syscalls, user instructions, kernel instructions) per message from the perf run, or
    None."""
    rec = PERF.get((t, scenario))
    if not rec or not isinstance(rec.get("result"), dict):
        return None
    msgs = rec["result"].get("msgs_per_s", 0) * rec.get("seconds", 0)
    c = rec.get("counts", {})
    if msgs <= 0 or "raw_syscalls:sys_enter" not in c:
        return None
    return (c["raw_syscalls:sys_enter"] / msgs, c.get("instructions:u", 0) / msgs,
            c.get("instructions:k", 0) / msgs)


PERF_SCENARIOS = ["c50", "c1000", "depth16"]


def perf_table(order):
    head = "| target | " + " | ".join(
        "%s: syscalls, user / kernel instructions per msg" % SCENARIOS[s][1]
        for s in PERF_SCENARIOS) + " |"
    lines = [head, "|---|" + "--:|" * len(PERF_SCENARIOS)]
    any_row = False
    for t in order:
        cells = []
        for s in PERF_SCENARIOS:
            v = per_msg(t, s)
            cells.append("%.2f, %s / %s" % (v[0], fmt_short(v[1]), fmt_short(v[2])) if v else "—")
        if any(c != "—" for c in cells):
            any_row = True
            lines.append("| %s | %s |" % (name_of(t), " | ".join(cells)))
    return lines if any_row else []


def best_of(order, kinds, runs, scenario, kind, key):
    """(target, value) with the best figure key(run) among targets of this kind: the highest
    for msgs/s and MB/s, the lowest for latency and CPU (key returns (value, higher_is_better))."""
    best = None
    for t in order:
        if kinds.get(t) != kind:
            continue
        if t == "iterative" and connections(runs.get((t, scenario))) > 1:
            continue  # it serves one of the connections and leaves the others waiting
        got = key(t, runs.get((t, scenario)))
        if got is None or got[0] is None:
            continue
        value, higher = got
        if best is None or (value > best[1] if higher else value < best[1]):
            best = (t, value)
    return best


def _res(run):
    res = run.get("result") if run and run.get("status") in ("ok", "errors") else None
    return res if isinstance(res, dict) else None


def _rate(scenario):
    return lambda t, run: (metric(run, scenario), True)


def _lat(p):
    return lambda t, run: ((_res(run) or {}).get("latency_us", {}).get(p), False)


def _cpu(t, run):
    res = _res(run)
    if t in FORKING or not res or "server_cpu_us_per_msg" not in res:
        return None
    return res["server_cpu_us_per_msg"], False


def verdict(ok):
    return "**met**" if ok else "**missed**"


def targets_table(order, kinds, runs):
    """Targets 1-5 of the performance issue, judged from this run's figures."""
    rows = []
    for num, s in (("1", "c50"), ("1", "c1000"), ("2", "depth16")):
        model = best_of(order, kinds, runs, s, "model", _rate(s))
        peer = best_of(order, kinds, runs, s, "peer", _rate(s))
        if not model or not peer:
            continue
        mres, pres = _res(runs[(model[0], s)]), _res(runs[(peer[0], s)])
        ratio = model[1] / peer[1]
        p99m, p99p = mres["latency_us"]["p99"], pres["latency_us"]["p99"]
        cm = best_of(order, kinds, runs, s, "model", _cpu)
        cp = best_of(order, kinds, runs, s, "peer", _cpu)
        text = "%s %s vs %s %s: %.2f× msgs/s, p99 %s vs %s ms" % (
            name_of(model[0]), fmt_rate(model[1]), name_of(peer[0]), fmt_rate(peer[1]), ratio,
            fmt_sig(p99m / 1000), fmt_sig(p99p / 1000))
        ok = ratio >= 1.2 and p99m <= p99p
        if load_bound(mres) and cm and cp:
            cpu_ratio = cm[1] / cp[1]
            text += "; load-bound ‡, so server CPU: %s %s vs %s %s µs/msg, %.2f×" % (
                name_of(cm[0]), fmt_sig(cm[1]), name_of(cp[0]), fmt_sig(cp[1]), cpu_ratio)
            ok = ok or cpu_ratio <= 0.8
        rows.append((num, SCENARIOS[s][1], "≥ 1.2× msgs/s and p99 ≤ peer's; if load-bound, "
                     "CPU/msg ≤ 0.8×", text, verdict(ok)))
    m = best_of(order, kinds, runs, "lat1", "model", _lat("p50"))
    p = best_of(order, kinds, runs, "lat1", "peer", _lat("p50"))
    if m and p:
        rows.append(("3", SCENARIOS["lat1"][1], "p50 ≤ 1.05× best peer's",
                     "%s %s ms vs %s %s ms: %.2f×" % (name_of(m[0]), fmt_sig(m[1] / 1000),
                                                    name_of(p[0]), fmt_sig(p[1] / 1000),
                                                    m[1] / p[1]), verdict(m[1] <= 1.05 * p[1])))
    m = best_of(order, kinds, runs, "kib4", "model", _rate("kib4"))
    p = best_of(order, kinds, runs, "kib4", "peer", _rate("kib4"))
    if m and p:
        worst = max((_res(runs.get((t, "kib4"))) or {}).get("latency_us", {}).get("p999", 0)
                    for t in order if kinds.get(t) == "model")
        rows.append(("3", SCENARIOS["kib4"][1], "no 40 ms stall; ≥ 1.0× best peer",
                     "%s %s vs %s %s: %.2f×; slowest model's p99.9 %s ms" % (
                         name_of(m[0]), fmt_rate(m[1]), name_of(p[0]), fmt_rate(p[1]),
                         m[1] / p[1], fmt_sig(worst / 1000)),
                     verdict(m[1] >= p[1] and worst < 40000)))
    for s in ("bulk1", "bulk10"):
        m = best_of(order, kinds, runs, s, "model", _rate(s))
        p = best_of(order, kinds, runs, s, "peer", _rate(s))
        if m and p:
            rows.append(("4", "bulk, " + SCENARIOS[s][1], "≥ 1.0× best peer's MB/s",
                         "%s %s vs %s %s MB/s: %.2f×" % (name_of(m[0]), fmt_sig(m[1], 4),
                                                        name_of(p[0]), fmt_sig(p[1], 4),
                                                        m[1] / p[1]), verdict(m[1] >= p[1])))
    e, u = per_msg("epoll", "c1000"), per_msg("uring", "c1000")
    if e:
        text = "epoll %.2f syscalls/msg" % e[0] + (", uring %.2f" % u[0] if u else "")
        rows.append(("5", SCENARIOS["c1000"][1], "epoll ≤ 2.1 syscalls/msg, uring fewer",
                     text, verdict(e[0] <= 2.1 and (u is None or u[0] < e[0]))))
    if not rows:
        return []
    lines = ["| # | scenario | target | this run | |", "|---|---|---|---|---|"]
    lines += ["| %s |" % " | ".join(r) for r in rows]
    return lines


def short_status(run):
    """One word for a run without a figure."""
    if not run or run.get("status") == "skipped":
        return "—"
    if run.get("status") in ("ok", "errors") and isinstance(run.get("result"), dict):
        return "stalled"
    return {"timeout": "timed out"}.get(run.get("status"), "failed")


def summary_table(order, runs, scenarios):
    head = "| target | " + " | ".join(
        ("bulk, %s (MB/s)" if is_bulk(s) else "%s") % SCENARIOS[s][1] for s in scenarios
    )
    lines = [head + " |", "|---|" + "--:|" * len(scenarios)]
    for t in order:
        cells = []
        for s in scenarios:
            run = runs.get((t, s))
            value = metric(run, s)
            if value is None:
                cells.append(short_status(run))
            else:
                cells.append(fmt_sig(value, 4) if is_bulk(s) else fmt_rate(value))
        lines.append("| %s | %s |" % (name_of(t), " | ".join(cells)))
    return lines


def write_markdown(path, meta, targets, skips, runs, ceiling):
    order = [r["target"] for r in targets]
    kinds = {r["target"]: r["kind"] for r in targets}
    scenarios = [s for s in SCENARIOS if any((t, s) in runs for t in order)]
    quick = meta.get("mode") == "quick"
    pinned = meta.get("server_cpu") != ""
    md = ["# tcpecho benchmark results", ""]
    if quick:
        md += ["**A quick run** (`make bench-quick`): 3 scenarios, 1 s each. "
               "`make bench` measures everything, 5 s each.", ""]
    md += [
        "- Machine: %s" % machine(),
        "- Date: %s" % when(meta),
        "- Command: `%s`: each scenario measured for %s s after %s s of warm-up, "
        "every server started afresh on 127.0.0.1 for each scenario"
        % (meta.get("command", "?"), meta.get("duration", "?"), meta.get("warmup", "?")),
        ("- Rounds: %s, interleaved (every scenario of every target, then again) for %s; the "
         "other targets once. Each row shows the round with the median msgs/s (bulk: MB/s), "
         "all its figures from that round"
         % (meta.get("rounds"), ", ".join(
             name_of(t) for t in meta.get("round_targets", "").split()))
         if meta.get("rounds", 1) > 1 else "- Rounds: 1"),
        "- Pinning: "
        + (
            "server on CPU %s, echo-bench on CPU %s (`taskset`), echo-bench with one load "
            "thread; the epoll and uring models with one event loop (`-t 1`)"
            % (meta.get("server_cpu"), meta.get("load_cpu"))
            if pinned
            else "none (fewer than 2 CPUs, or no taskset): server and load share the CPU"
        ),
        "- %s" % meta.get("server_version", "echo-server"),
        "- Peers: "
        + (", ".join("%s (%s)" % (name_of(r["target"]), r["version"])
                     for r in targets if r["kind"] == "peer") or "none"),
    ]
    if meta.get("loadavg"):
        md.append("- Load average (1, 5, 15 min) before the run: %s; well above 0 means other "
                  "work shared the CPUs and skewed the figures" % meta["loadavg"])
    md.append("- Bulk ceiling: " + ceiling_text(ceiling))
    for s in skips:
        md.append("- Skipped: %s: %s" % (s["target"], s["reason"]))
    md += [
        "",
        "Every echoed byte is checked by echo-bench. MB is 10^6 bytes. Latency is from sending "
        "a message to its whole echo being back (open loop: from when it was due). "
        "*vs best peer*: this target's msgs/s (bulk: echoed MB/s) over the best peer's in "
        "the same scenario. *server µs/msg*: server CPU time (user + system, all threads) per "
        "echoed message, from `echo-bench --server-pid`; "
        "† marks servers that fork a process per connection, whose children's CPU time is "
        "not counted, so their figure is not given.",
        "",
        "![throughput](throughput.svg)",
        "",
        "![latency](latency.svg)",
        "",
        "![bulk](bulk.svg)",
        "",
    ]
    targets_lines = targets_table(order, kinds, runs)
    if targets_lines:
        md += ["## Targets", "",
               "The performance issue's targets, judged from this run (best tcpecho model "
               "against the best peer in each scenario; ‡: echo-bench used ≥ %d%% of its CPU, "
               "so it was the limit and server CPU per message decides)." % LOAD_BOUND_PCT, ""]
        md += targets_lines + [""]
    md += ["## Summary (msgs/s; bulk: echoed MB/s)", ""]
    md += summary_table(order, runs, scenarios)
    for s in scenarios:
        md += ["", "## " + SCENARIOS[s][0], ""]
        if s == "open50":
            md += ["Each target is offered half the msgs/s it reached with 50 connections, "
                   "so msgs/s here is what was asked for; the latency columns are the result.",
                   ""]
        if is_bulk(s):
            md += ["Bulk ceiling: " + ceiling_text(ceiling), ""]
        md += scenario_table(s, order, kinds, runs)
        spread = spread_text(order, runs, s)
        if spread:
            md += ["", spread]
        if "iterative" in order and connections(runs.get(("iterative", s))) > 1:
            md += ["", "tcpecho iterative serves one client at a time (the notes' server): "
                   "one connection is served and the others wait unanswered in the backlog, "
                   "so its row shows one client's figures."]
    ptable = perf_table(order)
    if ptable:
        md += ["", "## Per message: system calls and instructions", "",
               "From a separate 3 s run per target with `perf stat -e raw_syscalls:sys_enter,"
               "instructions:u,instructions:k -p SERVER` counting over 2 s in its middle, "
               "divided by the messages echoed meanwhile. Servers that fork per connection are "
               "left out. The kernel's part is the loopback TCP path of both the server's and "
               "(on the same CPU, in the server's send) the client's side. The thread model's figures "
               "are lower than its two system calls per message allow: `perf stat -p` on a "
               "process of one thread per connection missed part of them here; read them as a "
               "lower bound.", ""] + ptable
    md += ["", "Raw results: `bench/results/` (`runs.jsonl`: one JSON line per run, as "
           "echo-bench printed it; `hist/`: latency distributions; `logs/`: server output).", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(md))


def connections(run):
    res = run.get("result") if run else None
    return res.get("connections", 0) if isinstance(res, dict) else 0


def ceiling_text(ceiling):
    if not ceiling:
        return "iperf3 was not available: no loopback ceiling was measured."
    parts = []
    if "oneway" in ceiling:
        parts.append("one stream one way %s MB/s" % fmt_sig(ceiling["oneway"], 4))
    if "bidir" in ceiling:
        fwd, rev = ceiling["bidir"]
        parts.append("both ways at once (`--bidir`) %s and %s MB/s, half their sum %s MB/s"
                     % (fmt_sig(fwd, 4), fmt_sig(rev, 4), fmt_sig((fwd + rev) / 2, 4)))
    return ("iperf3 over loopback, pinned like the echo runs: " + "; ".join(parts) + ". An "
            "echo carries every byte across loopback twice, out and back, so half the "
            "`--bidir` sum is the closer ceiling for echoed MB/s.")


# ---- SVG ---------------------------------------------------------------------------------

FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


class Svg:
    def __init__(self, width, height):
        self.w, self.h = width, height
        self.parts = [
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d" %s font-size="13">' % (width, height, width, height, FONT),
            "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
            "stroke=\"#ffffff\" stroke-width=\"2\" stroke-opacity=\"0.55\"/></pattern></defs>",
            '<rect width="100%" height="100%" fill="#ffffff"/>',
        ]

    def add(self, s):
        self.parts.append(s)

    def text(self, x, y, s, size=13, anchor="start", weight="normal", fill="#222", rotate=None,
             halo=False):
        tr = ' transform="rotate(%g %.1f %.1f)"' % (rotate, x, y) if rotate is not None else ""
        if halo:  # a white outline keeps a label readable over grid and reference lines
            tr += ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'
        self.add('<text x="%.1f" y="%.1f" font-size="%g" text-anchor="%s" font-weight="%s" '
                 'fill="%s"%s>%s</text>' % (x, y, size, anchor, weight, fill, tr, escape(s)))

    def line(self, x1, y1, x2, y2, stroke="#999", width=1, dash=None):
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        self.add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%g"%s/>'
                 % (x1, y1, x2, y2, stroke, width, d))

    def rect(self, x, y, w, h, fill, hatch=False):
        self.add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                 % (x, y, w, h, fill))
        if hatch:
            self.add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="url(#hatch)"/>'
                     % (x, y, w, h))

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(self.parts + ["</svg>", ""]))


class Axis:
    """Maps values to pixels, linear or log10, and gives the tick values."""

    def __init__(self, lo, hi, p0, p1, log):
        self.log = log
        if log:
            lo = 10 ** math.floor(math.log10(lo))
            hi = 10 ** math.ceil(math.log10(hi))
        else:
            lo, hi = 0.0, nice_ceiling(hi)
        self.lo, self.hi, self.p0, self.p1 = lo, hi, p0, p1

    def __call__(self, v):
        if self.log:
            v = max(v, self.lo)
            f = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            f = (v - self.lo) / (self.hi - self.lo)
        return self.p0 + f * (self.p1 - self.p0)

    def ticks(self):
        """(value, is_major) pairs."""
        if self.log:
            out = []
            e = int(round(math.log10(self.lo)))
            while 10 ** e <= self.hi * 1.0001:
                out.append((10.0 ** e, True))
                for m in (2, 5):
                    if m * 10 ** e < self.hi:
                        out.append((m * 10.0 ** e, False))
                e += 1
            return out
        step = self.hi / 5
        return [(i * step, True) for i in range(6)]


def nice_ceiling(x):
    if x <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= x:
            return m * e
    return 10 * e


def legend(svg, x, y, order, kinds, line=False, notes=None):
    """Legend of the targets; notes[target] adds a mark to its name, explained below."""
    notes = notes or {}
    svg.text(x, y, "Targets", weight="bold")
    y += 10
    for t in order:
        y += 22
        c = COLORS.get(t) or color_of(t, order)
        peer = kinds.get(t) == "peer"
        if line:
            svg.line(x, y - 5, x + 26, y - 5, stroke=c, width=3, dash="7 4" if peer else None)
        else:
            svg.rect(x, y - 13, 26, 14, c, hatch=peer)
        svg.text(x + 34, y, name_of(t) + (" *" if t in notes else ""))
    y += 28
    svg.text(x, y, "dashed: peers" if line else "hatched: peers", size=11, fill="#555")
    for t, text in notes.items():
        for i, chunk in enumerate(text):
            y += 15 if i else 20
            svg.text(x, y, ("* " if i == 0 else "  ") + chunk, size=11, fill="#555")
    return y


def bar_chart(path, title, ylabel, groups, order, kinds, values, log_ok=True, refs=(),
              fmt=None):
    """Grouped bars: one group per (label, scenario), one bar per target.
    values[(target, scenario)] is a number or None (failed: an 'x' is drawn)."""
    fmt = fmt or fmt_short
    present = [t for t in order if any((t, s) in values for _, s in groups)]
    nums = [v for v in values.values() if v]
    nums += [r[1] for r in refs]
    svg = Svg(1100, 520)
    left, right, top, bottom = 90, 850, 60, 440
    svg.text(left, 30, title, size=17, weight="bold")
    if not nums or not present:
        svg.text(left, top + 40, "no results")
        svg.save(path)
        return
    log = log_ok and max(nums) / max(min(nums), 1e-9) > 30
    ax = Axis(min(nums), max(nums) * 1.08, bottom, top, log)
    for v, major in ax.ticks():
        y = ax(v)
        svg.line(left, y, right, y, stroke="#dddddd" if major else "#f0f0f0")
        if major or log:
            svg.text(left - 8, y + 4, fmt(v), size=11 if major else 9, anchor="end",
                     fill="#444" if major else "#888")
    svg.text(22, (top + bottom) / 2, ylabel + (" (log scale)" if log else ""), anchor="middle",
             rotate=-90)
    for _, v, color, dash in refs:
        y = ax(v)
        svg.line(left, y, right, y, stroke=color, width=1.5, dash=dash)
    gw = (right - left) / len(groups)
    bw = min(28.0, (gw - 24) / len(present))
    for gi, (label, s) in enumerate(groups):
        x0 = left + gi * gw + (gw - bw * len(present)) / 2
        svg.text(left + gi * gw + gw / 2, bottom + 22, label, anchor="middle", weight="bold")
        for i, t in enumerate(present):
            x = x0 + i * bw
            v = values.get((t, s))
            if (t, s) not in values:
                continue
            if not v:
                svg.text(x + bw / 2, bottom - 4, "×", size=14, anchor="middle", fill="#c00")
                continue
            y = ax(v)
            svg.rect(x + 1, y, bw - 2, bottom - y, color_of(t, order), hatch=kinds.get(t) == "peer")
            svg.text(x + bw / 2 + 3, y - 4, fmt(v), size=9, rotate=-90, fill="#333", halo=True)
    svg.line(left, bottom, right, bottom, stroke="#333")
    svg.line(left, top, left, bottom, stroke="#333")
    svg.text(left, bottom + 50, "× = failed, timed out or stalled (see RESULTS.md)", size=11,
             fill="#555")
    y = legend(svg, right + 30, top + 4, present, kinds)
    for i, (label, _, color, dash) in enumerate(refs):
        for j, chunk in enumerate(label):
            yy = y + 30 + 34 * i + 15 * j
            if j == 0:
                svg.line(right + 30, yy - 4, right + 56, yy - 4, stroke=color, width=1.5, dash=dash)
            svg.text(right + 64, yy, chunk, size=11, fill=color)
    svg.save(path)


def latency_chart(path, results, order, kinds, runs, scenario="c50"):
    """Percentile curves from the hist files: x = percentile (log of 1/(1-p)), y = ms (log)."""
    curves = {}
    xmin, xmax = math.log10(2), 4.0  # p50 .. p99.99
    for t in order:
        run = runs.get((t, scenario))
        if metric(run, scenario) is None or not run.get("hist"):
            continue
        rows = read_hist(os.path.join(results, run["hist"]))
        if not rows:
            continue
        pts = []
        for i in range(161):
            x = xmin + (xmax - xmin) * i / 160
            v = quantile(rows, 1 - 10 ** -x)
            if v:
                pts.append((x, v / 1e6))
        curves[t] = pts
    svg = Svg(1100, 540)
    left, right, top, bottom = 90, 850, 60, 460
    title = SCENARIOS[scenario][0]
    svg.text(left, 30, "Latency percentiles, %s%s (lower is better)" % (title[0].lower(), title[1:]),
             size=17, weight="bold")
    if not curves:
        svg.text(left, top + 40, "no latency distributions")
        svg.save(path)
        return
    ys = [v for pts in curves.values() for _, v in pts]
    ay = Axis(min(ys), max(ys), bottom, top, True)
    for v, major in ay.ticks():
        y = ay(v)
        svg.line(left, y, right, y, stroke="#dddddd" if major else "#f0f0f0")
        svg.text(left - 8, y + 4, "%g" % v, size=11 if major else 9, anchor="end",
                 fill="#444" if major else "#888")

    def px(x):
        return left + (x - xmin) / (xmax - xmin) * (right - left)

    for label, p in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999),
                     ("p99.99", 0.9999)):
        x = px(math.log10(1 / (1 - p)))
        svg.line(x, top, x, bottom, stroke="#dddddd")
        svg.text(x, bottom + 20, label, anchor="middle")
    svg.text((left + right) / 2, bottom + 45, "percentile", anchor="middle")
    svg.text(22, (top + bottom) / 2, "latency, ms (log scale)", anchor="middle", rotate=-90)
    for t, pts in curves.items():
        d = " ".join("%.1f,%.1f" % (px(x), ay(v)) for x, v in pts)
        dash = ' stroke-dasharray="8 4"' if kinds.get(t) == "peer" else ""
        svg.add('<polyline points="%s" fill="none" stroke="%s" stroke-width="2.2"%s/>'
                % (d, color_of(t, order), dash))
    svg.line(left, bottom, right, bottom, stroke="#333")
    svg.line(left, top, left, bottom, stroke="#333")
    notes = {}
    if "iterative" in curves:
        notes["iterative"] = ["one client at a time: the", "others wait unanswered, so",
                              "this is one client's latency"]
    legend(svg, right + 30, top + 4, [t for t in order if t in curves], kinds, line=True,
           notes=notes)
    svg.save(path)


def write_charts(out, results, targets, runs, ceiling):
    order = [r["target"] for r in targets]
    kinds = {r["target"]: r["kind"] for r in targets}
    groups = [(SCENARIOS[s][1], s) for s in BAR_SCENARIOS if any((t, s) in runs for t in order)]
    values = {(t, s): metric(runs[(t, s)], s) for t in order for _, s in groups if (t, s) in runs}
    bar_chart(os.path.join(out, "throughput.svg"),
              "Echo throughput, 64 B messages (msgs/s, higher is better)", "messages per second",
              groups, order, kinds, values)
    groups = [(SCENARIOS[s][1], s) for s in BULK_SCENARIOS if any((t, s) in runs for t in order)]
    values = {(t, s): metric(runs[(t, s)], s) for t in order for _, s in groups if (t, s) in runs}
    refs = []
    if "oneway" in ceiling:
        refs.append((["iperf3, one way:", "%.0f MB/s" % ceiling["oneway"]], ceiling["oneway"],
                     "#c00000", "6 4"))
    if "bidir" in ceiling:
        half = sum(ceiling["bidir"]) / 2
        refs.append((["iperf3 --bidir, half the", "sum of both ways: %.0f MB/s" % half], half,
                     "#555555", "2 3"))
    bar_chart(os.path.join(out, "bulk.svg"), "Bulk echo (echoed MB/s, higher is better)",
              "MB/s echoed", groups, order, kinds, values, log_ok=False, refs=refs,
              fmt=lambda v: "%.0f" % v)
    latency_chart(os.path.join(out, "latency.svg"), results, order, kinds, runs)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=os.path.join(here, "results"))
    ap.add_argument("--out", default=here)
    args = ap.parse_args()
    meta, targets, skips, runs, iperf = load(args.results)
    ceiling = iperf3_figures(args.results, iperf)
    write_markdown(os.path.join(args.out, "RESULTS.md"), meta, targets, skips, runs, ceiling)
    write_charts(args.out, args.results, targets, runs, ceiling)


if __name__ == "__main__":
    main()
