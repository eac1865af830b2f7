"""The figures of a run: medians over the rounds, the figure runs are ranked by, whether the
load generator was the limit, system calls and instructions per message, RSS per connection."""

# echo-bench's own CPU at or above this share of its load thread: it, not the server, was the
# limit of that run (marked ‡).
LOAD_BOUND_PCT = 95.0
# The figures of an echo-bench result that the report takes the median of over the rounds.
MEDIAN_KEYS = ["msgs_per_s", "mb_per_s_out", "mb_per_s_in", "server_cpu_us_per_msg",
               "server_cpu_pct", "bench_cpu_us_per_msg", "bench_cpu_pct", "load_thread_cpu_pct",
               "rate", "server_rss_per_conn_bytes", "connect_s"]


def median(values):
    """The median of values, or None when there is none."""
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
    results = [r["result"] for r in usable]
    rec["result"] = _median_result(rec["result"], results)
    rec["status"] = "errors" if any(r.get("status") == "errors" for r in usable) else "ok"
    rec["_rounds"] = (len(rounds), min(figures), max(figures), len(usable))
    return rec


def _median_result(middle, results):
    """The median round's result with its figures replaced by the medians over results."""
    res = dict(middle)
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
    udp = _udp_sums(results)
    if udp:
        res["udp"] = udp
    res["connected"] = min(x.get("connected", 0) for x in results)
    bound = [load_bound(x) for x in results]
    res["load_bound"] = 2 * sum(bound) >= len(bound)
    res["_load_bound_known"] = all("load_bound" in x for x in results)
    return res


def _udp_sums(results):
    """echo-bench's UDP counters (sent, echoed, lost, ...) summed over the rounds that gave
    them, and loss_pct of the sums: a datagram lost in any round counts. None without any."""
    udps = [x["udp"] for x in results if isinstance(x.get("udp"), dict)]
    if not udps:
        return None
    out = {}
    for u in udps:
        for key, n in u.items():
            if key != "loss_pct" and isinstance(n, (int, float)):
                out[key] = out.get(key, 0) + n
    sent = out.get("sent", 0)
    out["loss_pct"] = 100.0 * out.get("lost", 0) / sent if sent else 0.0
    return out


def udp_cpu_us(res, forked):
    """Server CPU µs per echoed datagram of a UDP result, or None (not measured, or forked: a
    server forking per datagram, whose children's CPU time is not counted)."""
    if forked or not isinstance(res, dict):
        return None
    v = res.get("server_cpu_us_per_msg")
    return float(v) if isinstance(v, (int, float)) and v > 0 else None


def per_cpu_second(res, forked):
    """Datagrams echoed per second of server CPU time of a UDP result, or None."""
    us = udp_cpu_us(res, forked)
    return 1e6 / us if us else None


def is_bulk(scenario):
    """True for the streaming scenarios, whose figure is MB/s, not msgs/s."""
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


def result_of(run):
    """The echo-bench result of a run that gave one (ok or with errors), else None."""
    res = run.get("result") if run and run.get("status") in ("ok", "errors") else None
    return res if isinstance(res, dict) else None


def connections(run):
    """The connections echo-bench was asked to open in this run (0 without a result)."""
    res = run.get("result") if run else None
    return res.get("connections", 0) if isinstance(res, dict) else 0


def load_bound(res):
    """Was echo-bench's own CPU the limit of this run? (echo-bench says so in 'load_bound';
    an older one only gives its CPU share.)"""
    if not isinstance(res, dict):
        return False
    if "load_bound" in res:
        return bool(res["load_bound"])
    return res.get("bench_cpu_pct", 0) >= LOAD_BOUND_PCT * max(1, res.get("threads", 1))


def quantile(rows, p):
    """The smallest recorded value whose cumulative fraction reaches p."""
    for value, cum in rows:
        if cum >= p - 1e-12:
            return value
    return rows[-1][0] if rows else None


def per_msg(perf, t, scenario):
    """{'syscalls', 'ins_u', 'ins_k', 'ins', 'inside'} per message from the perf run of
    (t, scenario) in perf, or None. The messages of the window are the run's msgs/s times the
    window; 'inside' is False when the window was not within echo-bench's measured one (then
    the rate is the nearest there is, and the figure is marked ≈)."""
    rec = perf.get((t, scenario))
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
