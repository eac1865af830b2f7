"""The markdown tables of RESULTS.md: the summary, one per scenario, C100K and the system calls
and instructions per message."""
from .labels import SCENARIOS, fmt_rate, fmt_short, fmt_sig, name_of
from .stats import is_bulk, load_bound, metric, per_msg, rss_per_conn
from .stats import result_of as _res
from .targets import c100k_check, verdict


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


def best_peer(b, scenario):
    """(target, figure) of the peer with the highest figure in the scenario, or None."""
    best = None
    for t in b.order:
        if b.kinds.get(t) != "peer":
            continue
        value = metric(b.runs.get((t, scenario)), scenario)
        if value is not None and (best is None or value > best[1]):
            best = (t, value)
    return best


def ratio_text(t, value, best):
    if best is None or value is None:
        return "—"
    text = "%.2f×" % (value / best[1])
    return text + " (best peer)" if t == best[0] else text


def cpu_cells(b, t, res):
    """The server µs/msg and server CPU cells of target t's result res."""
    if not isinstance(res, dict) or "server_cpu_us_per_msg" not in res:
        return "—", "—"
    if t in b.forking:
        return "n/a †", "n/a †"
    return fmt_sig(res["server_cpu_us_per_msg"]), "%.0f%%" % res.get("server_cpu_pct", 0)


def _scenario_head(scenario):
    if is_bulk(scenario):
        return ["| target | echoed MB/s | sent MB/s | server µs per 64 KiB | server CPU "
                "| errors | vs best peer |",
                "|---|--:|--:|--:|--:|---|--:|"]
    offered = "| offered msgs/s " if scenario == "open50" else ""
    return ["| target %s| msgs/s | MB/s | p50 ms | p99 ms | p99.9 ms | server µs/msg "
            "| server CPU | errors | vs best peer |" % offered,
            "|---|" + ("--:|" if offered else "") + "--:|--:|--:|--:|--:|--:|--:|---|--:|"]


def scenario_table(b, scenario):
    """The table of one scenario: a row per target, against the best peer."""
    best = best_peer(b, scenario)
    lines = _scenario_head(scenario)
    for t in b.order:
        run = b.runs.get((t, scenario))
        res = run.get("result") if run else None
        res = res if isinstance(res, dict) else None
        value = metric(run, scenario)
        name = name_of(t) + (" †" if t in b.forking else "")
        us, pct = cpu_cells(b, t, res)
        err = error_text(run, scenario)
        ratio = ratio_text(t, value, best)
        if is_bulk(scenario):
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


def spread_text(b, scenario, names=name_of):
    """'Rounds (count, lowest–highest msgs/s): poll 3 (120–126 k), ...' for the targets
    measured more than once; names(target) names them."""
    parts = []
    for t in b.order:
        run = b.runs.get((t, scenario))
        n, lo, hi, used = (run or {}).get("_rounds", (1, None, None, 1))
        if n > 1 and lo is not None:
            fmt = (lambda x: fmt_sig(x, 4)) if is_bulk(scenario) else fmt_rate
            usable = "" if used == n else ", %d usable" % used
            parts.append("%s %d%s (%s–%s)" % (names(t), n, usable, fmt(lo), fmt(hi)))
    what = "MB/s" if is_bulk(scenario) else "msgs/s"
    what = "datagrams/s" if scenario.startswith("udp_") else what
    return ("Rounds (count, lowest–highest %s; the table gives each figure's median): " % what
            + ", ".join(parts) + ".") if parts else ""


def _perf_cells(b, t, s):
    """The syscalls/msg and instructions/msg cells of target t in scenario s."""
    v = per_msg(b.perf, t, s)
    rec = b.perf.get((t, s))
    if not v:
        why = "—"
        if rec and rec.get("status") == "skipped":
            why = "skipped"
        elif rec:
            why = "failed"
        return [why, why]
    mark = "" if v["inside"] else " ≈"
    ins = "—"
    if v["ins"] is not None:
        ins = fmt_short(v["ins"]) + (" (%s)" % fmt_short(v["ins_u"])
                                     if v["ins_u"] is not None else "")
    return ["%.2f%s" % (v["syscalls"], mark), ins + mark]


def perf_table(b):
    """System calls and instructions per message, a row per target; [] without any figure."""
    scen = [s for s in b.perf_scenarios if any((t, s) in b.perf for t in b.order)]
    if not scen:
        return []
    head = "| target | " + " | ".join(
        "%s: syscalls/msg | %s: instructions/msg (user)" % (SCENARIOS[s][1], SCENARIOS[s][1])
        for s in scen) + " |"
    lines = [head, "|---|" + "--:|--:|" * len(scen)]
    any_row = False
    for t in b.order:
        if t in b.forking:
            lines.append("| %s † | %s |" % (name_of(t), " | ".join(["n/a †"] * 2 * len(scen))))
            continue
        cells = []
        for s in scen:
            cells += _perf_cells(b, t, s)
        if any(c not in ("—",) for c in cells):
            any_row = True
        lines.append("| %s | %s |" % (name_of(t), " | ".join(cells)))
    return lines if any_row else []


def short_status(run):
    """One word for a run without a figure."""
    if not run or run.get("status") == "skipped":
        return "—"
    if run.get("status") in ("ok", "errors") and isinstance(run.get("result"), dict):
        return "stalled"
    return {"timeout": "timed out"}.get(run.get("status"), "failed")


def summary_table(b, scenarios):
    """One row per target, one column per scenario: msgs/s, or echoed MB/s for bulk."""
    head = "| target | " + " | ".join(
        ("bulk, %s (MB/s)" if is_bulk(s) else "%s") % SCENARIOS[s][1] for s in scenarios
    )
    lines = [head + " |", "|---|" + "--:|" * len(scenarios)]
    for t in b.order:
        cells = []
        for s in scenarios:
            run = b.runs.get((t, s))
            value = metric(run, s)
            if value is None:
                cells.append(short_status(run))
            else:
                cells.append((fmt_sig(value, 4) if is_bulk(s) else fmt_rate(value))
                             + (" ‡" if load_bound(_res(run)) else ""))
        lines.append("| %s | %s |" % (name_of(t), " | ".join(cells)))
    return lines


def c100k_table(b, rows, n):
    """The C100K table of the targets rows, n connections wanted: (lines, whether some RSS
    figure is the peak rather than the idle one)."""
    md = ["| target | connected | msgs/s | p50 ms | p99 ms | p99.9 ms | errors "
          "| server RSS MiB: before / connected / end | bytes/conn | server µs/msg | |",
          "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|---|"]
    peak = False
    for t in rows:
        run = b.runs[(t, "c100k")]
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
        cpu, _ = cpu_cells(b, t, res)
        md.append("| %s | %d | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name_of(t), res.get("connected", 0), fmt_rate(metric(run, "c100k")),
            " ‡" if load_bound(res) else "",
            fmt_sig(lat["p50"] / 1000) if "p50" in lat else "—",
            fmt_sig(lat["p99"] / 1000) if "p99" in lat else "—",
            fmt_sig(lat["p999"] / 1000) if "p999" in lat else "—",
            error_text(run, "c100k"), rss_text,
            "—" if per is None else "%.0f%s" % (per, " (peak)" if how == "peak" else ""),
            cpu, verdict(ok)))
    return md, peak
