"""RESULTS.md: the run's circumstances (machine, command, rounds, pinning, peers, load, steal),
then the targets judged, the tables and the notes that explain them."""
import datetime
import os
import platform

from . import tables, udp
from .labels import SCENARIOS, fmt_sig, name_of
from .stats import LOAD_BOUND_PCT, connections, is_bulk, result_of
from .targets import targets_table

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
    """'Linux RELEASE, CPU model, N CPUs, M GiB memory' of this machine."""
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
    """When the run started, in UTC, and how long it took."""
    start = meta.get("started")
    if not start:
        return "unknown date"
    text = datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"
    )
    if meta.get("finished"):
        text += " (the run took %d s)" % (meta["finished"] - start)
    return text


def rounds_text(meta, order):
    """The 'Rounds' line: how many, for which targets, and what the figures are of them."""
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
    """The 'Time' line: run.sh's estimate, what the run took and the budget; '' without a plan."""
    plan = meta.get("plan")
    if not plan:
        return ""
    took = meta["finished"] - meta["started"] if meta.get("finished") else None
    return ("- Time: estimated %d s (%d runs ~%d s, C100K ~%d s, perf ~%d s, iperf3 ~%d s)%s; "
            "budget %d s, after which runs are skipped and marked so"
            % (plan["estimate_s"], plan["runs"], plan["main_s"], plan["c100k_s"],
               plan["perf_s"], plan["iperf3_s"], ", took %d s" % took if took else "",
               plan["budget_s"]))


def ceiling_text(ceiling):
    """iperf3's loopback figures, and why half the --bidir sum is the ceiling for echo."""
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


def _c100k_count(meta, runs, rows):
    """'N connections', with why N is fewer than wanted when it is."""
    c = meta.get("c100k") or {}
    n, wanted, hard = c.get("n"), c.get("wanted", 100000), c.get("hard_limit")
    if n is None:
        n = max(connections(runs[(t, "c100k")]) for t in rows)
    if n >= wanted:
        return n, "{:,} connections".format(n)
    if c.get("asked") and c["asked"] == n and c["asked"] < wanted:
        why = ("set by BENCH_C100K_N" if "BENCH_C100K_N=" in meta.get("command", "")
               else "a quick run's")
        return n, ("{:,} connections ({}; {:,} wanted, the descriptor hard limit {} allows "
                   "{:,})".format(n, why, wanted, hard, min(wanted, int(hard) - c.get("margin", 0))
                                  if str(hard).isdigit() else wanted))
    return n, ("{:,} connections ({:,} wanted; limited by the descriptor hard limit {}, less "
               "{} descriptors for the server's and echo-bench's own)".format(
                   n, wanted, hard, c.get("margin", "a margin of")))


def c100k_section(b):
    """The C100K section: how it was run, the table and its notes; [] when it was not run."""
    meta, runs = b.meta, b.runs
    c = meta.get("c100k") or {}
    rows = [t for t in b.order if (t, "c100k") in runs]
    if not rows:
        return []
    n, count = _c100k_count(meta, runs, rows)
    md = ["", "## C100K: %s" % count, "",
          "%s, opened %s a second, each echoing 64 B once a second (open loop, so %s "
          "msgs/s in all; every byte checked), measured for %s s after %s s of warm-up; one "
          "round per target (the targets that hold every connection in one process; not "
          "iterative, fork, socat, ncat, xinetd). The server's RSS is read by echo-bench "
          "before connecting, with every connection up and idle, and at the end; *bytes/conn* "
          "is (connected − before) ÷ connections. Targets: every connection up, 0 errors, "
          "p99 < 20 ms, ≤ 512 B per idle connection."
          % (count[0].upper() + count[1:].split(" (")[0], "{:,}".format(c.get("connect_rate",
             20000)), "{:,}".format(n), c.get("seconds", "?"), c.get("warmup", "?")), ""]
    table, peak = tables.c100k_table(b, rows, n)
    md += table
    go = result_of(runs.get(("go", "c100k")))
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


def _circumstances(b, scenarios):
    """The lines before the first section: what was run, where, how, and what was skipped."""
    meta = b.meta
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
        rounds_text(meta, b.order),
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
                     for r in b.targets if r["kind"] == "peer") or "none"),
    ]
    return md + _disturbances(b)


def _disturbances(b):
    """The lines on what else ran (load, steal), the ceiling, and what was skipped."""
    meta, md = b.meta, []
    if meta.get("loadavg"):
        md.append("- Load average (1, 5, 15 min) before the run: %s (well above 0 means other "
                  "work was running)%s"
                  % (meta["loadavg"], "; after it: %s, which counts the forking servers' own "
                     "processes (one per connection)" % meta["loadavg_end"]
                     if meta.get("loadavg_end") else ""))
    steal = steal_text(meta)
    if steal:
        md.append("- " + steal)
    md.append("- Bulk ceiling: " + ceiling_text(b.ceiling))
    for s in b.skips:
        md.append("- Skipped: %s: %s" % (s["target"], s["reason"]))
    skipped = meta.get("_budget_skipped", [])
    if skipped:
        md.append("- **%d runs not started: the time budget was spent**: %s" % (
            len(skipped), ", ".join("%s %s%s" % (
                name_of(r["target"]), r["scenario"],
                " round %s" % r["round"] if "round" in r else " (perf)") for r in skipped)))
    return md


LEGEND = (
    "Every echoed byte is checked by echo-bench. MB is 10^6 bytes. Latency is from sending "
    "a message to its whole echo being back (open loop: from when it was due). "
    "*vs best peer*: this target's msgs/s (bulk: echoed MB/s) over the best peer's in "
    "the same scenario. *server µs/msg*: server CPU time (user + system, all threads) per "
    "echoed message, from `echo-bench --server-pid`; "
    "† marks servers that fork a process per connection, whose children's CPU time is "
    "not counted, so their figure is not given. ‡ marks load-bound runs: echo-bench's "
    "load thread was ≥ %d%% busy (as echo-bench reports it), so it, not the server, may "
    "have been the limit, and server CPU per message is the fairer comparison."
    % LOAD_BOUND_PCT)


def _targets_section(b):
    lines = targets_table(b)
    if not lines:
        return []
    return ["## Targets", "",
            "The performance targets tcpecho holds itself to (bench/report/targets.py defines "
            "them), computed from this run: tcpecho's best model "
            "against the best peer in each scenario (the iterative model, which serves one "
            "client at a time, is left out with more than one connection), from the "
            "medians of the rounds. Where tcpecho's best run was load-bound (‡), the rule "
            "is server CPU per message (the lowest model's against the lowest peer's).",
            ""] + lines + [""]


def _scenario_sections(b, scenarios):
    md = []
    for s in scenarios:
        md += ["", "## " + SCENARIOS[s][0], ""]
        if s == "open50":
            md += ["Each target is offered half the msgs/s it reached with 50 connections, "
                   "so msgs/s here is what was asked for; the latency columns are the result.",
                   ""]
        if is_bulk(s):
            md += ["Bulk ceiling: " + ceiling_text(b.ceiling), ""]
        md += tables.scenario_table(b, s)
        spread = tables.spread_text(b, s)
        if spread:
            md += ["", spread]
        if "iterative" in b.order and connections(b.runs.get(("iterative", s))) > 1:
            md += ["", "tcpecho iterative serves one client at a time (the notes' server): "
                   "one connection is served and the others wait unanswered in the backlog, "
                   "so its row shows one client's figures."]
    return md


def _perf_section(b):
    ptable = tables.perf_table(b)
    if not ptable:
        return []
    run_s, win = b.meta.get("perf_run"), b.meta.get("perf_window")
    return ["", "## Per message: system calls and instructions", "",
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


def write_markdown(path, b):
    """Writes RESULTS.md for the run b to path."""
    scenarios = [s for s in SCENARIOS if any((t, s) in b.runs for t in b.order)]
    md = _circumstances(b, scenarios + udp.scenarios(b))
    md += ["", LEGEND, "",
           "![throughput](throughput.svg)", "",
           "![latency](latency.svg)", "",
           "![bulk](bulk.svg)", ""]
    md += _targets_section(b)
    if scenarios:
        md += ["## Summary (msgs/s; bulk: echoed MB/s)", ""]
        md += tables.summary_table(b, scenarios)
    md += _scenario_sections(b, scenarios)
    md += udp.section(b)
    md += c100k_section(b)
    md += _perf_section(b)
    md += ["", "Raw results: `bench/results/` (`runs.jsonl`: one JSON line per run, as "
           "echo-bench printed it; `hist/`: latency distributions; `logs/`: server output).", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
