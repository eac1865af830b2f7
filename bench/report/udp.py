"""The UDP part of RESULTS.md: how the UDP scenarios were run, and one table per scenario
(datagrams/s, server CPU per datagram and datagrams per server CPU-second, latency, and the
loss, lateness, order and corruption counts of echo-bench's "udp" object)."""
from .labels import UDP_SCENARIOS, fmt_rate, fmt_sig, udp_name_of
from .stats import load_bound, metric, per_cpu_second, udp_cpu_us
from .stats import result_of as _res
from .tables import error_text, spread_text

# echo-bench's UDP counters besides sent, echoed and lost, as the tables name them.
ODD_COUNTS = [("late", "late"), ("reordered", "reordered"), ("duplicated", "duplicated"),
              ("corrupted", "corrupted"), ("refused", "refused")]


def scenarios(b):
    """The UDP scenarios of the run b that have a run, in the tables' order."""
    return [s for s in UDP_SCENARIOS if any((t, s) in b.runs for t in b.order)]


def best_peer(b, scenario):
    """(target, datagrams/s) of the peer with the most datagrams/s in the scenario, or None."""
    best = None
    for t in b.order:
        value = metric(b.runs.get((t, scenario)), scenario)
        if b.kinds.get(t) == "peer" and value is not None and (best is None or value > best[1]):
            best = (t, value)
    return best


def loss_text(res):
    """'0.00 % (0)': the share and count of datagrams lost; '—' without the udp object."""
    u = (res or {}).get("udp")
    if not isinstance(u, dict):
        return "—"
    return "%s %% (%d)" % (fmt_sig(u.get("loss_pct", 0.0), 2), u.get("lost", 0))


def odd_text(res):
    """The late, reordered, duplicated, corrupted and refused counts that are not 0."""
    u = (res or {}).get("udp")
    if not isinstance(u, dict):
        return "—"
    parts = ["%d %s" % (u[k], name) for k, name in ODD_COUNTS if u.get(k)]
    return ", ".join(parts) if parts else "0"


def _cells(b, t, s, run, best):
    """The cells after the target's name (and the offered rate) of one row."""
    res = _res(run)
    value = metric(run, s)
    if value is None:
        return ["—"] * 7 + [error_text(run, s), "—"]
    lat = res.get("latency_us", {})
    forked = t in b.udp_forking
    us = udp_cpu_us(res, forked)
    ratio = "—"
    if best:
        ratio = "%.2f×" % (value / best[1]) + (" (best peer)" if t == best[0] else "")
    return [fmt_rate(value) + (" ‡" if load_bound(res) else ""),
            "n/a †" if forked else (fmt_sig(us) if us else "—"),
            "n/a †" if forked else fmt_rate(per_cpu_second(res, forked)),
            fmt_sig(lat["p50"] / 1000) if "p50" in lat else "—",
            fmt_sig(lat["p99"] / 1000) if "p99" in lat else "—",
            fmt_sig(lat["p999"] / 1000) if "p999" in lat else "—",
            loss_text(res), odd_text(res), ratio]


def scenario_table(b, s):
    """The table of UDP scenario s: a row per target that ran in it, against the best peer."""
    best = best_peer(b, s)
    offered = s == "udp_open"
    lines = ["| target %s| datagrams/s | server µs/datagram | per server CPU-s | p50 ms | p99 ms "
             "| p99.9 ms | lost | late, reordered, duplicated, corrupted, refused "
             "| vs best peer |" % ("| offered/s " if offered else ""),
             "|---|" + ("--:|" if offered else "") + "--:|--:|--:|--:|--:|--:|--:|---|--:|"]
    for t in b.order:
        run = b.runs.get((t, s))
        if not run:
            continue
        cells = [udp_name_of(t) + (" †" if t in b.udp_forking else "")]
        if offered:
            cells.append(fmt_rate((_res(run) or {}).get("rate")))
        cells += _cells(b, t, s, run, best)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


INTRO = (
    "Over UDP, echo-bench `-u` sends from each flow's own UDP socket, connected to the server; "
    "every datagram carries its flow and sequence number and is checked byte for byte. A "
    "datagram not back within %s is *lost* (never counted as latency); one back after that is "
    "*late*. The models run with `-u --rate-limit 0 --rate-limit-total 0`: **the benchmarks "
    "turn the server's rate limits off** (by default it answers at most 1000 datagrams/s per "
    "source address), as a load generator sends far more than any one client should. "
    "*datagrams/s*: datagrams echoed per second of the measured time; *server µs/datagram*: "
    "server CPU time (user + system) per echoed datagram; *per server CPU-s*: datagrams echoed "
    "per second of server CPU time (the figure of target 8); *lost* and the other counts are "
    "summed over the rounds, the rest are medians. † forks a process per datagram (socat "
    "UDP-RECVFROM with fork), whose CPU time is not counted. The peers: xinetd's internal "
    "echo-dgram (`wait = yes`: xinetd answers each datagram itself, then reads and drops "
    "whatever else is already queued on the socket, and echoes at most 2048 bytes), `socat "
    "UDP-RECVFROM:PORT,bind=127.0.0.1,fork PIPE` (at most 8192 bytes, and no reply to an empty "
    "datagram), a libuv C echo (`uv_udp_init_ex(..., UV_UDP_RECVMMSG)`: 20 datagrams per "
    "recvmmsg, each sent back with `uv_udp_try_send`), a Go `net.ListenPacket` echo "
    "(ReadFrom/WriteTo, one system call per datagram each way) and a Node.js `dgram` echo "
    "(bench/peers/).")


def rounds_line(b):
    """Which UDP targets ran in every round and which in the first only; '' with one round."""
    n = b.meta.get("rounds", 1)
    ran = [t for t in b.order if any((t, s) in b.runs for s in UDP_SCENARIOS)]
    if n <= 1 or not ran:
        return ""
    every = set(b.meta.get("udp_round_targets", "").split())
    many = [udp_name_of(t) for t in ran if t in every]
    once = [udp_name_of(t) for t in ran if t not in every]
    return "Rounds: %d for %s%s." % (n, ", ".join(many) or "none", "; round 1 only for %s, "
                                     "far behind" % ", ".join(once) if once else "")


def section(b):
    """The UDP section of RESULTS.md: the intro, the chart and a table per scenario; [] when
    no UDP scenario ran."""
    scen = scenarios(b)
    if not scen:
        return []
    md = ["", "## UDP", "", INTRO % "1 s (`--lost-after 1000`)"]
    if rounds_line(b):
        md += ["", rounds_line(b)]
    md += ["", "![UDP](udp.svg)"]
    for s in scen:
        md += ["", "### " + UDP_SCENARIOS[s][0], ""]
        if s == "udp_open":
            md += ["Each target is offered half the datagrams/s it echoed with 50 flows, "
                   "below its saturation, so any datagram lost here is one it should not have "
                   "lost (target 10); the latency columns are the result.", ""]
        md += scenario_table(b, s)
        spread = spread_text(b, s, udp_name_of)
        if spread:
            md += ["", spread]
    return md
