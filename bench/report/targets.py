"""The performance targets tcpecho holds itself to, judged MET or MISSED from one bench run
(the medians of its rounds). tcpecho's best model is set against the best peer in the same
scenario (the iterative model, which serves one client at a time, is left out with more than
one connection):
  1. 50 and 1000 connections of 64 B: >= 1.2x the best peer's msgs/s with a p99 no higher than
     its; when tcpecho's best run was load-bound (echo-bench was the limit), server CPU per
     message <= 0.8x the best peer's instead (the lowest model's against the lowest peer's).
  2. 50 connections with 16 messages in flight on each: the same rule.
  3. 1 connection of 64 B: p50 <= 1.05x the best peer's; 1 connection of 4 KiB: no 40 ms stall
     (every model's p99.9 < 40 ms) and >= 1.0x the best peer's msgs/s.
  4. Bulk over 1 and 10 connections: >= 1.0x the best peer's echoed MB/s.
  5. 1000 connections: epoll <= 2.1 system calls per message and uring fewer than epoll; server
     CPU per message for every model and peer, and system calls and instructions per message
     for every single-process target, measured.
  6. C100K: every connection up, 0 errors, p99 < 20 ms, <= 512 B of server RSS per idle
     connection.
  7. The load-bound runs are marked ‡.
  8. UDP, 50 flows of 64 B: >= 2x the best peer's echoed datagrams per server CPU-second
     (batched system calls against one per datagram); a server that forks per datagram has no
     such figure and is left out.
  9. UDP, 1 flow of 64 B: p50 <= 1.05x the best peer's.
 10. UDP open loop at half each target's own 50-flow rate (below its saturation): every model
     0 datagrams lost.
"""
from .labels import SCENARIOS, UDP_SCENARIOS, fmt_rate, fmt_short, fmt_sig, ms, name_of
from .labels import udp_name_of
from .stats import LOAD_BOUND_PCT, connections, load_bound, metric, per_cpu_second, per_msg
from .stats import rss_per_conn
from .stats import result_of as _res

C100K_P99_US = 20000
C100K_BYTES = 512


def best_of(b, scenario, kind, key):
    """(target, value) with the best figure key(run) among targets of this kind: the highest
    for msgs/s and MB/s, the lowest for latency and CPU (key returns (value, higher_is_better))."""
    best = None
    for t in b.order:
        if b.kinds.get(t) != kind:
            continue
        if t == "iterative" and connections(b.runs.get((t, scenario))) > 1 and \
                not scenario.startswith("udp_"):
            continue  # it serves one of the connections and leaves the others waiting (over
            # UDP it answers every flow, one datagram at a time)
        got = key(t, b.runs.get((t, scenario)))
        if got is None or got[0] is None:
            continue
        value, higher = got
        if best is None or (value > best[1] if higher else value < best[1]):
            best = (t, value)
    return best


def _rate(scenario):
    return lambda t, run: (metric(run, scenario), True)


def _lat(p):
    return lambda t, run: ((_res(run) or {}).get("latency_us", {}).get(p), False)


def _cpu(forking):
    def key(t, run):
        res = _res(run)
        if t in forking or not res or "server_cpu_us_per_msg" not in res:
            return None
        return res["server_cpu_us_per_msg"], False
    return key


def _syscalls(perf, scenario):
    def key(t, run):
        v = per_msg(perf, t, scenario)
        return (v["syscalls"], False) if v else None
    return key


def verdict(ok):
    """The verdict cell: MET or MISSED, in bold."""
    return "**MET**" if ok else "**MISSED**"


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


def best_c100k(b, kind, n):
    """The target of this kind that met most of the C100K criteria, then with the lowest p99."""
    best = None
    for t in b.order:
        run = b.runs.get((t, "c100k"))
        if b.kinds.get(t) != kind or not _res(run):
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


def _rows_rate(b):
    """Targets 1 and 2: msgs/s and p99 against the best peer, or CPU per message."""
    rows = []
    cpu = _cpu(b.forking)
    for num, s in (("1", "c50"), ("1", "c1000"), ("2", "depth16")):
        model = best_of(b, s, "model", _rate(s))
        peer = best_of(b, s, "peer", _rate(s))
        if not model or not peer:
            continue
        mres, pres = _res(b.runs[(model[0], s)]), _res(b.runs[(peer[0], s)])
        ratio = model[1] / peer[1]
        p99m, p99p = mres["latency_us"].get("p99"), pres["latency_us"].get("p99")
        by_rate = ratio >= 1.2 and p99m is not None and p99p is not None and p99m <= p99p
        cm = best_of(b, s, "model", cpu)
        cp = best_of(b, s, "peer", cpu)
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
    return rows


def _rows_latency(b):
    """Target 3: p50 over 1 connection; no stall and the best peer's msgs/s at 4 KiB."""
    rows = []
    m = best_of(b, "lat1", "model", _lat("p50"))
    p = best_of(b, "lat1", "peer", _lat("p50"))
    if m and p:
        rows.append(("3", SCENARIOS["lat1"][1], "p50 ≤ 1.05× the best peer's",
                     "%s p50 %s" % (name_of(m[0]), ms(m[1])),
                     "%s p50 %s" % (name_of(p[0]), ms(p[1])),
                     "**%.2f×** p50" % (m[1] / p[1]), verdict(m[1] <= 1.05 * p[1])))
    m = best_of(b, "kib4", "model", _rate("kib4"))
    p = best_of(b, "kib4", "peer", _rate("kib4"))
    if m and p:
        p999 = {t: (_res(b.runs.get((t, "kib4"))) or {}).get("latency_us", {}).get("p999", 0)
                for t in b.order if b.kinds.get(t) == "model" and (t, "kib4") in b.runs}
        worst = max(p999, key=p999.get)
        rows.append(("3", SCENARIOS["kib4"][1], "no 40 ms stall (every model's p99.9 < 40 ms); "
                     "≥ 1.0× the best peer's msgs/s",
                     "%s %s msgs/s; slowest p99.9: %s %s" % (
                         name_of(m[0]), fmt_rate(m[1]), name_of(worst), ms(p999[worst])),
                     "%s %s msgs/s" % (name_of(p[0]), fmt_rate(p[1])),
                     "**%.2f×** msgs/s" % (m[1] / p[1]),
                     verdict(m[1] >= p[1] and p999[worst] < 40000)))
    return rows


def _rows_bulk(b):
    """Target 4: echoed MB/s against the best peer, beside iperf3's ceiling."""
    rows = []
    ceiling = b.ceiling
    half = sum(ceiling["bidir"]) / 2 if "bidir" in ceiling else None
    for s in ("bulk1", "bulk10"):
        m = best_of(b, s, "model", _rate(s))
        p = best_of(b, s, "peer", _rate(s))
        if m and p:
            rows.append(("4", "bulk, " + SCENARIOS[s][1], "≥ 1.0× the best peer's MB/s" +
                         ("; iperf3 ceiling %s MB/s (half the `--bidir` sum)" % fmt_sig(half, 4)
                          if half else ""),
                         "%s %s MB/s%s" % (name_of(m[0]), fmt_sig(m[1], 4),
                                           " (%.0f%% of the ceiling)" % (100 * m[1] / half)
                                           if half else ""),
                         "%s %s MB/s" % (name_of(p[0]), fmt_sig(p[1], 4)),
                         "**%.2f×** MB/s" % (m[1] / p[1]), verdict(m[1] >= p[1])))
    return rows


def _per_msg_text(name, v):
    return "%s %.2f syscalls/msg" % (name, v["syscalls"]) + (
        ", %s instructions" % fmt_short(v["ins"]) if v["ins"] else "")


def _rows_syscalls(b):
    """Target 5: epoll's and uring's system calls per message; every CPU and perf figure."""
    rows = []
    e, u = per_msg(b.perf, "epoll", "c1000"), per_msg(b.perf, "uring", "c1000")
    if e:
        peer = best_of(b, "c1000", "peer", _syscalls(b.perf, "c1000"))
        text = _per_msg_text("epoll", e)
        text += "; " + _per_msg_text("uring", u) if u else "; uring not measured"
        ptext = "—"
        rtext = "—"
        if peer:
            pv = per_msg(b.perf, peer[0], "c1000")
            ptext = _per_msg_text(name_of(peer[0]), pv)
            rtext = "epoll %.2f× syscalls" % (e["syscalls"] / pv["syscalls"])
        ok = e["syscalls"] <= 2.1 and (u is None or u["syscalls"] < e["syscalls"])
        rows.append(("5", SCENARIOS["c1000"][1], "epoll ≤ 2.1 syscalls/msg; uring fewer than "
                     "epoll", text, ptext, rtext, verdict(ok)))
    # 5, the rest: server CPU per message for every model and peer (the scenario tables), and
    # system calls and instructions per message for every single-process target.
    single = [t for t in b.order if t not in b.forking]
    perf_want = [(t, s) for t in single for s in b.perf_scenarios if (t, s) in b.runs]
    perf_got = [k for k in perf_want if per_msg(b.perf, *k)]
    cpu_want = [(t, s) for (t, s) in b.runs if t in single and s in SCENARIOS]
    cpu_got = [(t, s) for (t, s) in cpu_want if _cpu(b.forking)(t, b.runs[(t, s)])]
    if perf_want or cpu_want:
        rows.append(("5", "every scenario", "server CPU µs/msg for every model and peer; "
                     "syscalls and instructions per msg in 50 conns, 1000 conns and depth 16 "
                     "(forking servers n/a †)",
                     "CPU/msg: %d of %d runs" % (len(cpu_got), len(cpu_want)),
                     "syscalls: %d of %d target × scenario" % (len(perf_got), len(perf_want)),
                     "—", verdict(len(perf_got) == len(perf_want) and
                                  len(cpu_got) == len(cpu_want))))
    return rows


def _rows_c100k(b):
    """Target 6: the best model's C100K run against the criteria, beside the best peer's."""
    n = (b.meta.get("c100k") or {}).get("n")
    m = best_c100k(b, "model", n)
    if not m:
        return []
    p = best_c100k(b, "peer", n)
    mres = _res(b.runs[(m, "c100k")])
    ok, missed = c100k_check(b.runs[(m, "c100k")], n)
    rtext = "—"
    if p:
        pres = _res(b.runs[(p, "c100k")])
        mp = rss_per_conn(mres, b.runs[(m, "c100k")])[0]
        pp = rss_per_conn(pres, b.runs[(p, "c100k")])[0]
        a, z = mres["latency_us"].get("p99"), pres["latency_us"].get("p99")
        rtext = "p99 %s×, RSS/conn %s×" % (
            "%.2f" % (a / z) if a and z else "?", "%.2f" % (mp / pp) if mp and pp else "?")
    return [("6", "C100K: %s connections" % ("{:,}".format(n) if n else "?"),
             "all connected, 0 errors, p99 < 20 ms, ≤ 512 B RSS per idle connection",
             c100k_text(m, b.runs[(m, "c100k")]) + ("" if ok else " (missed: %s)"
                                                    % ", ".join(missed)),
             c100k_text(p, b.runs[(p, "c100k")]) if p else "—", rtext, verdict(ok))]


def _rows_load_bound(b):
    """Target 7: every load-bound run marked, which needs echo-bench to say which they are."""
    runs = b.runs
    if not runs:
        return []
    marked = [(t, s) for (t, s), run in runs.items() if _res(run) and load_bound(_res(run))]
    known = all(_res(run).get("_load_bound_known", "load_bound" in _res(run))
                for run in runs.values() if _res(run))
    by_s = {}
    for t, s in marked:
        by_s.setdefault(s, []).append(name_of(t))
    text = "; ".join("%s: %s" % (SCENARIOS.get(s, (s, s))[1], ", ".join(v))
                     for s, v in sorted(by_s.items(), key=lambda kv: list(SCENARIOS).index(
                         kv[0]) if kv[0] in SCENARIOS else 99)) or "none"
    return [("7", "every scenario", "the load-bound runs are marked ‡ (echo-bench's "
             "load thread ≥ %d%% busy, as echo-bench reports it)" % LOAD_BOUND_PCT,
             "%d of %d target × scenario load-bound: %s" % (len(marked), len(runs), text),
             "—", "—", verdict(known) + ("" if known else " (older echo-bench: "
                                         "judged from its CPU share)"))]


def _udp_cpu(b):
    def key(t, run):
        v = per_cpu_second(_res(run), t in b.udp_forking)
        return (v, True) if v else None
    return key


def _rows_udp_cpu(b):
    """Target 8: datagrams echoed per server CPU-second at 50 flows, against the best peer."""
    s = "udp_c50"
    m = best_of(b, s, "model", _udp_cpu(b))
    p = best_of(b, s, "peer", _udp_cpu(b))
    if not m or not p:
        return []

    def text(t, v):
        res = _res(b.runs[(t, s)])
        return "%s %s datagrams per server CPU-s (%s µs/datagram; %s datagrams/s%s)" % (
            udp_name_of(t), fmt_rate(v), fmt_sig(1e6 / v), fmt_rate(metric(b.runs[(t, s)], s)),
            " ‡" if load_bound(res) else "")
    return [("8", "UDP, " + UDP_SCENARIOS[s][1], "≥ 2× the best peer's datagrams per server "
             "CPU-second (socat †, forking per datagram, left out)", text(*m), text(*p),
             "**%.2f×** per CPU-s" % (m[1] / p[1]), verdict(m[1] >= 2 * p[1]))]


def _rows_udp_latency(b):
    """Target 9: p50 over 1 UDP flow against the best peer's."""
    s = "udp_lat1"
    m = best_of(b, s, "model", _lat("p50"))
    p = best_of(b, s, "peer", _lat("p50"))
    if not m or not p:
        return []
    return [("9", "UDP, " + UDP_SCENARIOS[s][1], "p50 ≤ 1.05× the best peer's",
             "%s p50 %s" % (udp_name_of(m[0]), ms(m[1])),
             "%s p50 %s" % (udp_name_of(p[0]), ms(p[1])),
             "**%.2f×** p50" % (m[1] / p[1]), verdict(m[1] <= 1.05 * p[1]))]


def _losses(b, kind):
    """[(target, lost, sent)] of the udp_open runs of this kind that gave a UDP result."""
    out = []
    for t in b.order:
        u = (_res(b.runs.get((t, "udp_open"))) or {}).get("udp")
        if b.kinds.get(t) == kind and isinstance(u, dict):
            out.append((t, u.get("lost", 0), u.get("sent", 0)))
    return out


def _rows_udp_loss(b):
    """Target 10: no model loses a datagram in the open loop below its saturation rate."""
    models = _losses(b, "model")
    if not models:
        return []

    def text(rows):
        return "; ".join("%s %d of %d lost" % (udp_name_of(t), lost, sent)
                         for t, lost, sent in rows) or "—"
    ran = [t for t in b.order if b.kinds.get(t) == "model" and (t, "udp_open") in b.runs]
    note = "" if len(models) == len(ran) else " (%d of %d models gave a result)" % (
        len(models), len(ran))
    return [("10", "UDP, " + UDP_SCENARIOS["udp_open"][1], "every model 0 datagrams lost at "
             "half its own 50-flow rate (below saturation)", text(models) + note,
             text(_losses(b, "peer")), "—",
             verdict(all(lost == 0 for _, lost, _ in models) and len(models) == len(ran)))]


def targets_table(b):
    """The targets (this module's docstring), judged from the run b: markdown lines of a table
    with one row per target, each with the rule applied and MET or MISSED; [] when none could
    be judged."""
    rows = (_rows_rate(b) + _rows_latency(b) + _rows_bulk(b) + _rows_syscalls(b)
            + _rows_c100k(b) + _rows_load_bound(b) + _rows_udp_cpu(b) + _rows_udp_latency(b)
            + _rows_udp_loss(b))
    if not rows:
        return []
    lines = ["| # | scenario | rule applied | tcpecho (best model) | best peer | ratio | |",
             "|---|---|---|---|---|---|---|"]
    lines += ["| %s |" % " | ".join(r) for r in rows]
    return lines
