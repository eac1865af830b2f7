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
# The figures of an echo-bench result that report.py takes the median of over the rounds.
MEDIAN_KEYS = ["msgs_per_s", "mb_per_s_out", "mb_per_s_in", "server_cpu_us_per_msg",
               "server_cpu_pct", "bench_cpu_us_per_msg", "bench_cpu_pct", "load_thread_cpu_pct",
               "rate", "server_rss_per_conn_bytes", "connect_s"]


# ---- reading ------------------------------------------------------------------------


def load(results):
    """Reads runs.jsonl: returns (meta, targets in order, skips, runs by (target, scenario),
    iperf3 records). Each run is the rounds' aggregate (see aggregate()). Lines that do not
    parse (a run cut short) are ignored."""
    meta, targets, skips, rounds, iperf = {}, [], [], {}, []
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
            elif kind == "plan":
                meta["plan"] = rec
            elif kind == "end":
                meta["finished"] = rec.get("finished")
                meta["loadavg_end"] = rec.get("loadavg")
                meta["jiffies_end"] = rec.get("jiffies")
            elif kind == "target":
                targets.append(rec)
            elif kind == "skip":
                skips.append(rec)
            elif kind == "run":
                rounds.setdefault((rec["target"], rec["scenario"]), []).append(rec)
                if isinstance(rec.get("steal_pct"), (int, float)):
                    meta.setdefault("_steal", []).append(rec)
                if rec.get("status") == "skipped" and "budget" in (rec.get("note") or ""):
                    meta.setdefault("_budget_skipped", []).append(rec)
            elif kind == "iperf3":
                iperf.append(rec)
            elif kind == "perf":
                if rec.get("status") == "skipped" and "budget" in (rec.get("note") or ""):
                    meta.setdefault("_budget_skipped", []).append(rec)
                if rec.get("status", "ok") == "ok" or (rec["target"], rec["scenario"]) not in perf:
                    perf[(rec["target"], rec["scenario"])] = rec
    return meta, targets, skips, {k: aggregate(k[1], v) for k, v in rounds.items()}, iperf


def median(values):
    values = sorted(values)
    n = len(values)
    if not n:
        return None
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def median_round(scenario, rounds):
    """The round whose figure is the median of the rounds (the lower middle one of an even
    count; a round without a figure counts as the lowest)."""
    ranked = sorted(rounds, key=lambda r: metric(r, scenario) or 0.0)
    return ranked[(len(ranked) - 1) // 2]


def aggregate(scenario, rounds):
    """One record for the rounds of a (target, scenario): every figure (msgs/s, MB/s, each
    latency percentile, CPU, RSS per connection) is the median of the rounds that gave one;
    errors are summed over them, connected is the fewest, load_bound holds when it held in at
    least half of them. The other fields (and the latency histogram, for the chart) are those
    of the median round. '_rounds' = (rounds run, lowest figure, highest figure, rounds with a
    figure). Without any usable round, the last round is returned as it is."""
    usable = [r for r in rounds if metric(r, scenario) is not None]
    figures = [metric(r, scenario) for r in usable]
    if not usable:
        rec = dict(rounds[-1])
        rec["_rounds"] = (len(rounds), None, None, 0)
        return rec
    rec = dict(median_round(scenario, usable))
    res = dict(rec["result"])
    results = [r["result"] for r in usable]
    for key in MEDIAN_KEYS:
        vals = [x[key] for x in results if isinstance(x.get(key), (int, float))]
        if vals:
            res[key] = median(vals)
    lat = {}
    for key in res.get("latency_us", {}):
        vals = [x["latency_us"][key] for x in results if key in x.get("latency_us", {})]
        lat[key] = median(vals)
    res["latency_us"] = lat
    errs = {}
    for x in results:
        for key, n in x.get("errors", {}).items():
            errs[key] = errs.get(key, 0) + n
    res["errors"] = errs
    res["connected"] = min(x.get("connected", 0) for x in results)
    bound = [load_bound(x) for x in results]
    res["load_bound"] = 2 * sum(bound) >= len(bound)
    res["_load_bound_known"] = all("load_bound" in x for x in results)
    rec["result"] = res
    rec["status"] = "errors" if any(r.get("status") == "errors" for r in usable) else "ok"
    rec["_rounds"] = (len(rounds), min(figures), max(figures), len(usable))
    return rec


def spread_text(order, runs, scenario):
    """'Rounds (count, lowest–highest msgs/s): poll 3 (120–126 k), ...' for the targets
    measured more than once."""
    parts = []
    for t in order:
        run = runs.get((t, scenario))
        n, lo, hi, used = (run or {}).get("_rounds", (1, None, None, 1))
        if n > 1 and lo is not None:
            fmt = (lambda x: fmt_sig(x, 4)) if is_bulk(scenario) else fmt_rate
            parts.append("%s %d%s (%s–%s)" % (name_of(t), n, "" if used == n else
                                               ", %d usable" % used, fmt(lo), fmt(hi)))
    what = "MB/s" if is_bulk(scenario) else "msgs/s"
    return ("Rounds (count, lowest–highest %s; the table gives each figure's median): " % what
            + ", ".join(parts) + ".") if parts else ""


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
    n, _, _, used = run.get("_rounds", (1, None, None, 1))
    if 0 < used < n:
        text += "; %d of %d rounds gave no figure" % (n - used, n)
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


STEAL_FLAG = 2.0  # % of CPU time stolen in one run above which it is named


def steal_text(meta):
    """The share of CPU time the hypervisor gave to other guests, over the whole run and in
    the runs where it was highest, from /proc/stat's steal counter; '' on bare metal."""
    parts = []
    try:
        s0, t0 = (int(x) for x in meta["jiffies"].split())
        s1, t1 = (int(x) for x in meta["jiffies_end"].split())
        if t1 > t0:
            parts.append("%.2f %% over the whole run" % (100.0 * (s1 - s0) / (t1 - t0)))
    except (KeyError, AttributeError, ValueError):
        pass
    runs = meta.get("_steal", [])
    if runs:
        top = max(runs, key=lambda r: r["steal_pct"])
        parts.append("at most %.2f %% in one run (%s %s, round %s)"
                     % (top["steal_pct"], name_of(top["target"]), top["scenario"],
                        top.get("round")))
        flagged = [r for r in runs if r["steal_pct"] > STEAL_FLAG]
        parts.append("%d of %d runs above %g %%%s" % (
            len(flagged), len(runs), STEAL_FLAG,
            ": " + ", ".join("%s %s r%s" % (name_of(r["target"]), r["scenario"], r.get("round"))
                             for r in flagged[:20]) + (", ..." if len(flagged) > 20 else "")
            if flagged else ""))
    if not parts or (len(parts) == 1 and parts[0].startswith("0.00")):
        return ""
    return ("CPU steal (time the hypervisor gave these CPUs to other guests; the one "
            "disturbance pinning cannot keep out): " + "; ".join(parts))


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
    """Was echo-bench's own CPU the limit of this run? (echo-bench says so in 'load_bound';
    an older one only gives its CPU share.)"""
    if not isinstance(res, dict):
        return False
    if "load_bound" in res:
        return bool(res["load_bound"])
    return res.get("bench_cpu_pct", 0) >= LOAD_BOUND_PCT * max(1, res.get("threads", 1))


# ---- per message: system calls and instructions (perf) ---------------------------------

PERF_SCENARIOS = ["c50", "c1000", "depth16"]


def per_msg(t, scenario):
    """{'syscalls', 'ins_u', 'ins_k', 'ins', 'inside'} per message from the perf run, or None.
    The messages of the window are the run's msgs/s times the window; 'inside' is False when
    the window was not within echo-bench's measured one (then the rate is the nearest there
    is, and the figure is marked ≈)."""
    rec = PERF.get((t, scenario))
    if not rec or rec.get("status", "ok") != "ok" or not isinstance(rec.get("result"), dict):
        return None
    res = rec["result"]
    msgs = res.get("msgs_per_s", 0) * rec.get("seconds", 0)
    c = rec.get("counts", {})
    if msgs <= 0 or "raw_syscalls:sys_enter" not in c:
        return None
    u, k = c.get("instructions:u"), c.get("instructions:k")
    total = c.get("instructions", (u or 0) + (k or 0)) if (u or k or "instructions" in c) else None
    inside = True
    win = rec.get("window")
    if isinstance(win, list) and len(win) == 2 and "connect_s" in res:
        start = res["connect_s"] + res.get("warmup", 1)
        inside = win[0] >= start - 0.02 and win[1] <= start + res.get("seconds", 0) + 0.05
    return {"syscalls": c["raw_syscalls:sys_enter"] / msgs,
            "ins_u": u / msgs if u is not None else None,
            "ins_k": k / msgs if k is not None else None,
            "ins": total / msgs if total is not None else None,
            "inside": inside}


def perf_table(order, kinds):
    scen = [s for s in PERF_SCENARIOS if any((t, s) in PERF for t in order)]
    if not scen:
        return []
    head = "| target | " + " | ".join("%s: syscalls/msg | %s: instructions/msg (user)"
                                       % (SCENARIOS[s][1], SCENARIOS[s][1]) for s in scen) + " |"
    lines = [head, "|---|" + "--:|--:|" * len(scen)]
    any_row = False
    for t in order:
        if t in FORKING:
            lines.append("| %s † | %s |" % (name_of(t), " | ".join(["n/a †"] * 2 * len(scen))))
            continue
        cells = []
        for s in scen:
            v = per_msg(t, s)
            rec = PERF.get((t, s))
            if not v:
                why = "—"
                if rec and rec.get("status") == "skipped":
                    why = "skipped"
                elif rec:
                    why = "failed"
                cells += [why, why]
                continue
            mark = "" if v["inside"] else " ≈"
            ins = "—"
            if v["ins"] is not None:
                ins = fmt_short(v["ins"]) + (" (%s)" % fmt_short(v["ins_u"])
                                             if v["ins_u"] is not None else "")
            cells += ["%.2f%s" % (v["syscalls"], mark), ins + mark]
        if any(c not in ("—",) for c in cells):
            any_row = True
        lines.append("| %s | %s |" % (name_of(t), " | ".join(cells)))
    return lines if any_row else []


# ---- the targets ---------------------------------------------------------------


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


def _syscalls(scenario):
    def key(t, run):
        v = per_msg(t, scenario)
        return (v["syscalls"], False) if v else None
    return key


def verdict(ok):
    return "**MET**" if ok else "**MISSED**"


def ms(us):
    return fmt_sig(us / 1000) + " ms" if us is not None else "—"


def c100k_n(meta):
    return (meta.get("c100k") or {}).get("n")


def rss_per_conn(res, rec=None):
    """(bytes of server RSS per connection, how it was measured) or (None, '')."""
    if not isinstance(res, dict):
        return None, ""
    if isinstance(res.get("server_rss_per_conn_bytes"), (int, float)):
        return float(res["server_rss_per_conn_bytes"]), "idle"
    rss = res.get("server_rss_kib")
    if isinstance(rss, dict) and res.get("connected"):
        return (rss["connected"] - rss["before"]) * 1024.0 / res["connected"], "idle"
    st = (rec or {}).get("server_status_kib")
    if isinstance(st, dict) and isinstance(st.get("rss_start"), int) and \
            isinstance(st.get("hwm_end"), int) and res.get("connected"):
        return (st["hwm_end"] - st["rss_start"]) * 1024.0 / res["connected"], "peak"
    return None, ""


C100K_P99_US = 20000
C100K_BYTES = 512


def c100k_check(run, n):
    """(all met, [what missed]) for a C100K run: every connection up, 0 errors, p99 < 20 ms,
    ≤ 512 B of server RSS per connection."""
    res = _res(run)
    if not res:
        return False, ["no result"]
    missed = []
    if res.get("connected", 0) < (n or res.get("connections", 0)):
        missed.append("%d of %d connected" % (res.get("connected", 0), n or 0))
    errs = sum(res.get("errors", {}).values())
    if errs:
        missed.append("%d errors" % errs)
    p99 = res.get("latency_us", {}).get("p99")
    if p99 is None or p99 >= C100K_P99_US:
        missed.append("p99 %s" % ms(p99))
    per, _ = rss_per_conn(res, run)
    if per is None or per > C100K_BYTES:
        missed.append("%s B/conn" % ("?" if per is None else "%.0f" % per))
    return not missed, missed


def best_c100k(order, kinds, runs, kind, n):
    """The target of this kind that met most of the C100K criteria, then with the lowest p99."""
    best = None
    for t in order:
        run = runs.get((t, "c100k"))
        if kinds.get(t) != kind or not _res(run):
            continue
        ok, missed = c100k_check(run, n)
        p99 = _res(run).get("latency_us", {}).get("p99") or float("inf")
        key = (len(missed), p99)
        if best is None or key < best[1]:
            best = (t, key)
    return best[0] if best else None


def c100k_text(t, run):
    res = _res(run)
    per, how = rss_per_conn(res, run)
    return "%s: %d connected, p99 %s, %d errors, %s B/conn%s" % (
        name_of(t), res.get("connected", 0), ms(res.get("latency_us", {}).get("p99")),
        sum(res.get("errors", {}).values()), "?" if per is None else "%.0f" % per,
        " (peak)" if how == "peak" else "")


def targets_table(order, kinds, runs, meta, ceiling):
    """The performance issue's targets, judged from this run's figures (medians of the
    rounds): one row per target, each with the rule applied and MET or MISSED."""
    rows = []
    for num, s in (("1", "c50"), ("1", "c1000"), ("2", "depth16")):
        model = best_of(order, kinds, runs, s, "model", _rate(s))
        peer = best_of(order, kinds, runs, s, "peer", _rate(s))
        if not model or not peer:
            continue
        mres, pres = _res(runs[(model[0], s)]), _res(runs[(peer[0], s)])
        ratio = model[1] / peer[1]
        p99m, p99p = mres["latency_us"].get("p99"), pres["latency_us"].get("p99")
        by_rate = ratio >= 1.2 and p99m is not None and p99p is not None and p99m <= p99p
        cm = best_of(order, kinds, runs, s, "model", _cpu)
        cp = best_of(order, kinds, runs, s, "peer", _cpu)
        mtext = "%s %s msgs/s%s, p99 %s" % (name_of(model[0]), fmt_rate(model[1]),
                                            " ‡" if load_bound(mres) else "", ms(p99m))
        ptext = "%s %s msgs/s%s, p99 %s" % (name_of(peer[0]), fmt_rate(peer[1]),
                                            " ‡" if load_bound(pres) else "", ms(p99p))
        rtext = "%.2f× msgs/s, p99 %s×" % (ratio, "%.2f" % (p99m / p99p) if p99m and p99p
                                           else "?")
        if load_bound(mres) and cm and cp:
            cpu_ratio = cm[1] / cp[1]
            rule = ("load-bound ‡: server CPU/msg ≤ 0.8× the best peer's "
                    "(or ≥ 1.2× msgs/s with p99 ≤ its)")
            mtext += "; CPU %s %s µs/msg" % (name_of(cm[0]), fmt_sig(cm[1]))
            ptext += "; CPU %s %s µs/msg" % (name_of(cp[0]), fmt_sig(cp[1]))
            rtext = "**%.2f× CPU/msg**; %s" % (cpu_ratio, rtext)
            ok = cpu_ratio <= 0.8 or by_rate
        else:
            rule = "≥ 1.2× msgs/s and p99 ≤ the best peer's"
            rtext = "**%.2f× msgs/s**, p99 %s×" % (ratio, "%.2f" % (p99m / p99p)
                                                   if p99m and p99p else "?")
            ok = by_rate
        rows.append((num, SCENARIOS[s][1], rule, mtext, ptext, rtext, verdict(ok)))
    m = best_of(order, kinds, runs, "lat1", "model", _lat("p50"))
    p = best_of(order, kinds, runs, "lat1", "peer", _lat("p50"))
    if m and p:
        rows.append(("3", SCENARIOS["lat1"][1], "p50 ≤ 1.05× the best peer's",
                     "%s p50 %s" % (name_of(m[0]), ms(m[1])),
                     "%s p50 %s" % (name_of(p[0]), ms(p[1])),
                     "**%.2f×** p50" % (m[1] / p[1]), verdict(m[1] <= 1.05 * p[1])))
    m = best_of(order, kinds, runs, "kib4", "model", _rate("kib4"))
    p = best_of(order, kinds, runs, "kib4", "peer", _rate("kib4"))
    if m and p:
        p999 = {t: (_res(runs.get((t, "kib4"))) or {}).get("latency_us", {}).get("p999", 0)
                for t in order if kinds.get(t) == "model" and (t, "kib4") in runs}
        worst = max(p999, key=p999.get)
        rows.append(("3", SCENARIOS["kib4"][1], "no 40 ms stall (every model's p99.9 < 40 ms); "
                     "≥ 1.0× the best peer's msgs/s",
                     "%s %s msgs/s; slowest p99.9: %s %s" % (
                         name_of(m[0]), fmt_rate(m[1]), name_of(worst), ms(p999[worst])),
                     "%s %s msgs/s" % (name_of(p[0]), fmt_rate(p[1])),
                     "**%.2f×** msgs/s" % (m[1] / p[1]),
                     verdict(m[1] >= p[1] and p999[worst] < 40000)))
    half = sum(ceiling["bidir"]) / 2 if "bidir" in ceiling else None
    for s in ("bulk1", "bulk10"):
        m = best_of(order, kinds, runs, s, "model", _rate(s))
        p = best_of(order, kinds, runs, s, "peer", _rate(s))
        if m and p:
            rows.append(("4", "bulk, " + SCENARIOS[s][1], "≥ 1.0× the best peer's MB/s" +
                         ("; iperf3 ceiling %s MB/s (half the `--bidir` sum)" % fmt_sig(half, 4)
                          if half else ""),
                         "%s %s MB/s%s" % (name_of(m[0]), fmt_sig(m[1], 4),
                                           " (%.0f%% of the ceiling)" % (100 * m[1] / half)
                                           if half else ""),
                         "%s %s MB/s" % (name_of(p[0]), fmt_sig(p[1], 4)),
                         "**%.2f×** MB/s" % (m[1] / p[1]), verdict(m[1] >= p[1])))
    e, u = per_msg("epoll", "c1000"), per_msg("uring", "c1000")
    if e:
        peer = best_of(order, kinds, runs, "c1000", "peer", _syscalls("c1000"))
        text = "epoll %.2f syscalls/msg" % e["syscalls"] + (
            ", %s instructions" % fmt_short(e["ins"]) if e["ins"] else "")
        if u:
            text += "; uring %.2f syscalls/msg" % u["syscalls"] + (
                ", %s instructions" % fmt_short(u["ins"]) if u["ins"] else "")
        else:
            text += "; uring not measured"
        ptext = "—"
        rtext = "—"
        if peer:
            pv = per_msg(peer[0], "c1000")
            ptext = "%s %.2f syscalls/msg" % (name_of(peer[0]), pv["syscalls"]) + (
                ", %s instructions" % fmt_short(pv["ins"]) if pv["ins"] else "")
            rtext = "epoll %.2f× syscalls" % (e["syscalls"] / pv["syscalls"])
        rows.append(("5", SCENARIOS["c1000"][1], "epoll ≤ 2.1 syscalls/msg; uring fewer than "
                     "epoll", text, ptext, rtext,
                     verdict(e["syscalls"] <= 2.1 and (u is None or u["syscalls"] < e["syscalls"]))))
    # 5, the rest: server CPU per message for every model and peer (the scenario tables), and
    # system calls and instructions per message for every single-process target.
    single = [t for t in order if t not in FORKING]
    perf_want = [(t, s) for t in single for s in PERF_SCENARIOS if (t, s) in runs]
    perf_got = [k for k in perf_want if per_msg(*k)]
    cpu_want = [(t, s) for (t, s) in runs if t in single and s in SCENARIOS]
    cpu_got = [(t, s) for (t, s) in cpu_want if _cpu(t, runs[(t, s)])]
    if perf_want or cpu_want:
        rows.append(("5", "every scenario", "server CPU µs/msg for every model and peer; "
                     "syscalls and instructions per msg in 50 conns, 1000 conns and depth 16 "
                     "(forking servers n/a †)",
                     "CPU/msg: %d of %d runs" % (len(cpu_got), len(cpu_want)),
                     "syscalls: %d of %d target × scenario" % (len(perf_got), len(perf_want)),
                     "—", verdict(len(perf_got) == len(perf_want) and
                                  len(cpu_got) == len(cpu_want))))
    n = c100k_n(meta)
    m = best_c100k(order, kinds, runs, "model", n)
    if m:
        p = best_c100k(order, kinds, runs, "peer", n)
        mres = _res(runs[(m, "c100k")])
        ok, missed = c100k_check(runs[(m, "c100k")], n)
        rtext = "—"
        if p:
            pres = _res(runs[(p, "c100k")])
            mp = rss_per_conn(mres, runs[(m, "c100k")])[0]
            pp = rss_per_conn(pres, runs[(p, "c100k")])[0]
            a, b = mres["latency_us"].get("p99"), pres["latency_us"].get("p99")
            rtext = "p99 %s×, RSS/conn %s×" % ("%.2f" % (a / b) if a and b else "?",
                                                "%.2f" % (mp / pp) if mp and pp else "?")
        rows.append(("6", "C100K: %s connections" % ("{:,}".format(n) if n else "?"),
                     "all connected, 0 errors, p99 < 20 ms, ≤ 512 B RSS per idle connection",
                     c100k_text(m, runs[(m, "c100k")]) + ("" if ok else " (missed: %s)"
                                                            % ", ".join(missed)),
                     c100k_text(p, runs[(p, "c100k")]) if p else "—", rtext, verdict(ok)))
    marked = [(t, s) for (t, s), run in runs.items() if _res(run) and load_bound(_res(run))]
    known = all(_res(run).get("_load_bound_known", "load_bound" in _res(run))
                for run in runs.values() if _res(run))
    if runs:
        by_s = {}
        for t, s in marked:
            by_s.setdefault(s, []).append(name_of(t))
        text = "; ".join("%s: %s" % (SCENARIOS.get(s, (s, s))[1], ", ".join(v))
                         for s, v in sorted(by_s.items(), key=lambda kv: list(SCENARIOS).index(
                             kv[0]) if kv[0] in SCENARIOS else 99)) or "none"
        rows.append(("7", "every scenario", "the load-bound runs are marked ‡ (echo-bench's "
                     "load thread ≥ %d%% busy, as echo-bench reports it)" % LOAD_BOUND_PCT,
                     "%d of %d target × scenario load-bound: %s" % (len(marked), len(runs), text),
                     "—", "—", verdict(known) + ("" if known else " (older echo-bench: "
                                                 "judged from its CPU share)")))
    if not rows:
        return []
    lines = ["| # | scenario | rule applied | tcpecho (best model) | best peer | ratio | |",
             "|---|---|---|---|---|---|---|"]
    lines += ["| %s |" % " | ".join(r) for r in rows]
    return lines


# ---- the tables ------------------------------------------------------------------------


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
                cells.append((fmt_sig(value, 4) if is_bulk(s) else fmt_rate(value))
                             + (" ‡" if load_bound(_res(run)) else ""))
        lines.append("| %s | %s |" % (name_of(t), " | ".join(cells)))
    return lines


def c100k_section(order, runs, meta):
    c = meta.get("c100k") or {}
    rows = [t for t in order if (t, "c100k") in runs]
    if not rows:
        return []
    n, wanted, hard = c.get("n"), c.get("wanted", 100000), c.get("hard_limit")
    if n is None:
        n = max(connections(runs[(t, "c100k")]) for t in rows)
    if n >= wanted:
        count = "{:,} connections".format(n)
    elif c.get("asked") and c["asked"] == n and c["asked"] < wanted:
        why = ("set by BENCH_C100K_N" if "BENCH_C100K_N=" in meta.get("command", "")
               else "a quick run's")
        count = ("{:,} connections ({}; {:,} wanted, the descriptor hard limit {} allows "
                 "{:,})".format(n, why, wanted, hard, min(wanted, int(hard) - c.get("margin", 0))
                                if str(hard).isdigit() else wanted))
    else:
        count = ("{:,} connections ({:,} wanted; limited by the descriptor hard limit {}, less "
                 "{} descriptors for the server's and echo-bench's own)".format(
                     n, wanted, hard, c.get("margin", "a margin of")))
    md = ["", "## C100K: %s" % count, "",
          "%s, opened %s a second, each echoing 64 B once a second (open loop, so %s "
          "msgs/s in all; every byte checked), measured for %s s after %s s of warm-up; one "
          "round per target (the targets that hold every connection in one process; not "
          "iterative, fork, socat, ncat, xinetd). The server's RSS is read by echo-bench "
          "before connecting, with every connection up and idle, and at the end; *bytes/conn* "
          "is (connected − before) ÷ connections. Targets: every connection up, 0 errors, "
          "p99 < 20 ms, ≤ 512 B per idle connection."
          % (count[0].upper() + count[1:].split(" (")[0], "{:,}".format(c.get("connect_rate",
             20000)), "{:,}".format(n), c.get("seconds", "?"), c.get("warmup", "?")), "",
          "| target | connected | msgs/s | p50 ms | p99 ms | p99.9 ms | errors "
          "| server RSS MiB: before / connected / end | bytes/conn | server µs/msg | |",
          "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|---|"]
    peak = False
    for t in rows:
        run = runs[(t, "c100k")]
        res = _res(run)
        if not res:
            md.append("| %s | — | — | — | — | — | %s | — | — | — | **MISSED** |"
                      % (name_of(t), error_text(run, "c100k")))
            continue
        lat = res.get("latency_us", {})
        rss = res.get("server_rss_kib")
        rss_text = ("%.1f / %.1f / %.1f" % (rss["before"] / 1024, rss["connected"] / 1024,
                                            rss["end"] / 1024)) if isinstance(rss, dict) else "—"
        per, how = rss_per_conn(res, run)
        peak = peak or how == "peak"
        ok, _ = c100k_check(run, n)
        cpu, _ = cpu_cells(t, res)
        md.append("| %s | %d | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name_of(t), res.get("connected", 0), fmt_rate(metric(run, "c100k")),
            " ‡" if load_bound(res) else "",
            fmt_sig(lat["p50"] / 1000) if "p50" in lat else "—",
            fmt_sig(lat["p99"] / 1000) if "p99" in lat else "—",
            fmt_sig(lat["p999"] / 1000) if "p999" in lat else "—",
            error_text(run, "c100k"), rss_text,
            "—" if per is None else "%.0f%s" % (per, " (peak)" if how == "peak" else ""),
            cpu, verdict(ok)))
    go = _res(runs.get(("go", "c100k")))
    if go and go.get("connected", 0) < n:
        md += ["", "Go net: `io.Copy` between a connection and itself splices through a pipe "
               "of its own for each connection, so every connection costs the server three "
               "descriptors, and the descriptor limit stops it accepting at about a third of "
               "it; the connections past that wait in the listen queue or time out."]
    if peak:
        md += ["", "(peak): this echo-bench did not read the server's RSS; the figure is the "
               "server's peak RSS (VmHWM) at the end less its RSS before, under load, per "
               "connection."]
    return md


def rounds_text(meta, order):
    n = meta.get("rounds", 1)
    if n <= 1:
        return "- Rounds: 1 (each figure from one run)"
    rt = meta.get("round_targets", "").split()
    many = [name_of(t) for t in order if t in rt]
    once = [name_of(t) for t in order if t not in rt]
    text = ("- Rounds: %d, interleaved (round 1 of every scenario and target, then round 2, "
            "...; every run with a fresh server)%s. Each figure in the tables (msgs/s, MB/s, "
            "every latency percentile, CPU) is the median of its rounds, errors are summed over "
            "them, and the ratios use the medians; the spread is below each table"
            % (n, " for the event loops: " + ", ".join(many) if many else ""))
    if once:
        text += (". In round 1 only: %s (a process or a thread per connection, or one client "
                 "at a time: they cannot contend under load)" % ", ".join(once))
    return text + "; C100K and the perf runs: one round"


def plan_text(meta):
    plan = meta.get("plan")
    if not plan:
        return ""
    took = meta["finished"] - meta["started"] if meta.get("finished") else None
    return ("- Time: estimated %d s (%d runs ~%d s, C100K ~%d s, perf ~%d s, iperf3 ~%d s)%s; "
            "budget %d s, after which runs are skipped and marked so"
            % (plan["estimate_s"], plan["runs"], plan["main_s"], plan["c100k_s"],
               plan["perf_s"], plan["iperf3_s"], ", took %d s" % took if took else "",
               plan["budget_s"]))


def write_markdown(path, meta, targets, skips, runs, ceiling):
    order = [r["target"] for r in targets]
    kinds = {r["target"]: r["kind"] for r in targets}
    scenarios = [s for s in SCENARIOS if any((t, s) in runs for t in order)]
    quick = meta.get("mode") == "quick"
    pinned = meta.get("server_cpu") != ""
    md = ["# tcpecho benchmark results", ""]
    if quick:
        md += ["**A quick run** (`make bench-quick`): %d scenarios, %s s each, %s: "
               "noisy. `make bench` measures everything, 5 s each, median of 3 rounds."
               % (len(scenarios), meta.get("duration", "?"), "one round" if
                  meta.get("rounds", 1) == 1 else "%s rounds" % meta["rounds"]), ""]
    md += [
        "- Machine: %s" % machine(),
        "- Date: %s" % when(meta),
        "- Command: `%s`: each scenario measured for %s s after %s s of warm-up, "
        "every server started afresh on 127.0.0.1 for each run"
        % (meta.get("command", "?"), meta.get("duration", "?"), meta.get("warmup", "?")),
        rounds_text(meta, order),
    ]
    if plan_text(meta):
        md.append(plan_text(meta))
    md += [
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
        md.append("- Load average (1, 5, 15 min) before the run: %s (well above 0 means other "
                  "work was running)%s"
                  % (meta["loadavg"], "; after it: %s, which counts the forking servers' own "
                     "processes (one per connection)" % meta["loadavg_end"]
                     if meta.get("loadavg_end") else ""))
    steal = steal_text(meta)
    if steal:
        md.append("- " + steal)
    md.append("- Bulk ceiling: " + ceiling_text(ceiling))
    for s in skips:
        md.append("- Skipped: %s: %s" % (s["target"], s["reason"]))
    skipped = meta.get("_budget_skipped", [])
    if skipped:
        md.append("- **%d runs not started: the time budget was spent**: %s" % (
            len(skipped), ", ".join("%s %s%s" % (
                name_of(r["target"]), r["scenario"],
                " round %s" % r["round"] if "round" in r else " (perf)") for r in skipped)))
    md += [
        "",
        "Every echoed byte is checked by echo-bench. MB is 10^6 bytes. Latency is from sending "
        "a message to its whole echo being back (open loop: from when it was due). "
        "*vs best peer*: this target's msgs/s (bulk: echoed MB/s) over the best peer's in "
        "the same scenario. *server µs/msg*: server CPU time (user + system, all threads) per "
        "echoed message, from `echo-bench --server-pid`; "
        "† marks servers that fork a process per connection, whose children's CPU time is "
        "not counted, so their figure is not given. ‡ marks load-bound runs: echo-bench's "
        "load thread was ≥ %d%% busy (as echo-bench reports it), so it, not the server, may "
        "have been the limit, and server CPU per message is the fairer comparison."
        % LOAD_BOUND_PCT,
        "",
        "![throughput](throughput.svg)",
        "",
        "![latency](latency.svg)",
        "",
        "![bulk](bulk.svg)",
        "",
    ]
    targets_lines = targets_table(order, kinds, runs, meta, ceiling)
    if targets_lines:
        md += ["## Targets", "",
               "The performance issue's targets, computed from this run: tcpecho's best model "
               "against the best peer in each scenario (the iterative model, which serves one "
               "client at a time, is left out with more than one connection), from the "
               "medians of the rounds. Where tcpecho's best run was load-bound (‡), the rule "
               "is server CPU per message (the lowest model's against the lowest peer's).", ""]
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
    md += c100k_section(order, runs, meta)
    ptable = perf_table(order, kinds)
    if ptable:
        run_s, win = meta.get("perf_run"), meta.get("perf_window")
        md += ["", "## Per message: system calls and instructions", "",
               "From a separate run per target and scenario (one round): echo-bench measures "
               "%s s after 1 s of warm-up while `perf stat -e raw_syscalls:sys_enter,"
               "instructions:u,instructions:k -p SERVER` counts the server's system calls and "
               "instructions from 0.1 s after the warm-up ends, for %s s (inside the measured "
               "window); the counts are divided by the messages echoed in that window (the "
               "run's msgs/s times the window). *instructions/msg* is user + kernel, the user "
               "part in brackets; the kernel's part is the loopback TCP path, which on the "
               "server's CPU also carries much of the client's side. perf counts every thread "
               "the server has when it attaches (every connection is up by then). Servers that "
               "fork a process per connection are n/a †: perf attached to the parent does not "
               "see the children that echo. ≈: the perf window was not wholly inside "
               "echo-bench's measured one." % (run_s or "?", win or "?"), ""] + ptable
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
