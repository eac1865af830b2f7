#!/usr/bin/env python3
"""Tests bench/report's UDP part (bench/report/udp.py, the UDP targets of targets.py, the UDP
chart) on hand-written runs.jsonl samples: the tables' figures and marks, the counts summed
over rounds, each UDP target judged MET and MISSED, a failed run, and a TCP-only run.

Usage: test_report_udp.py   (prints cmocka's summary lines, for tests/run.sh)
"""
import json
import os
import sys
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from report import charts, markdown, raw  # noqa: E402

META = {"type": "meta", "mode": "full", "command": "make bench", "started": 1796490000,
        "duration": 5, "warmup": 1, "server_cpu": "0", "load_cpu": "1", "rounds": 3,
        "round_targets": "epoll uring xinetd libuv go", "forking": "fork socat ncat xinetd",
        "models": "iterative fork thread poll epoll uring", "perf_scenarios": "c50 c1000 depth16",
        "udp_targets": "epoll uring xinetd socat libuv go node", "udp_forking": "socat",
        "udp_round_targets": "epoll uring libuv go"}


def udp_result(rate, cpu_us, p50, lost=0, sent=None, late=0, offered=0):
    """An echo-bench -u --json result: rate datagrams/s over 5 s, cpu_us server µs each."""
    echoed = int(rate * 5)
    sent = sent if sent is not None else echoed + lost
    return {"connections": 50, "size": 64, "depth": 1, "mode": "udp-open" if offered else "udp",
            "rate": offered, "seconds": 5, "msgs": echoed, "msgs_per_s": rate,
            "mb_per_s_out": rate * 64e-6, "mb_per_s_in": rate * 64e-6,
            "latency_us": {"p50": p50, "p90": p50 * 2, "p99": p50 * 4, "p999": p50 * 8,
                           "max": p50 * 20, "mean": p50 * 1.2},
            "server_cpu_us_per_msg": cpu_us, "server_cpu_pct": rate * cpu_us / 1e4,
            "bench_cpu_us_per_msg": 2.0, "load_bound": False,
            "udp": {"sent": sent, "echoed": echoed, "lost": lost, "late": late, "reordered": 0,
                    "duplicated": 0, "corrupted": 0, "refused": 0,
                    "loss_pct": 100.0 * lost / sent if sent else 0.0}}


def run(target, scenario, result, rnd=1, status="ok"):
    return {"type": "run", "target": target, "scenario": scenario, "round": rnd,
            "args": "-u", "rc": 0, "status": status, "hist": "", "note": "", "result": result}


def sample(peer_cpu_us=10.0, model_lost=(0, 0, 0)):
    """Records of a run: epoll and uring, and xinetd, socat, libuv, go as peers. epoll echoes
    at 2 µs of server CPU a datagram; the best peer by CPU is libuv at peer_cpu_us. epoll loses
    model_lost[r] datagrams in round r + 1 of udp_open."""
    recs = [META]
    recs += [{"type": "target", "target": t, "kind": k, "version": "v1"} for t, k in (
        ("epoll", "model"), ("uring", "model"), ("xinetd", "peer"), ("socat", "peer"),
        ("libuv", "peer"), ("go", "peer"))]
    for r in (1, 2, 3):
        recs.append(run("epoll", "udp_c50", udp_result(400000 + r, 2.0, 100.0), r))
        recs.append(run("uring", "udp_c50", udp_result(350000, 2.5, 110.0), r))
        recs.append(run("xinetd", "udp_c50", udp_result(2000, 80.0, 90.0, lost=100), r))
        recs.append(run("libuv", "udp_c50", udp_result(300000, peer_cpu_us, 120.0), r))
        recs.append(run("go", "udp_c50", udp_result(310000, 12.0, 115.0), r))
        recs.append(run("epoll", "udp_lat1", udp_result(20000, 20.0, 30.0), r))
        recs.append(run("libuv", "udp_lat1", udp_result(19000, 22.0, 31.0), r))
        recs.append(run("go", "udp_lat1", udp_result(18000, 25.0, 32.0), r))
        recs.append(run("epoll", "udp_open", udp_result(200000, 2.2, 50.0, lost=model_lost[r - 1],
                                                        offered=200000), r))
        recs.append(run("uring", "udp_open", udp_result(175000, 2.6, 55.0, offered=175000), r))
        recs.append(run("libuv", "udp_open", udp_result(150000, 10.0, 60.0, lost=7,
                                                        offered=150000), r))
    recs.append(run("socat", "udp_c50", udp_result(260, 0.0, 190000.0)))
    recs.append(run("socat", "udp_lat1", None, status="failed") | {"note": "it did not echo"})
    return recs


def report(records):
    """Writes RESULTS.md and the charts of records into a new directory; returns (the
    markdown, the UDP chart's SVG)."""
    d = tempfile.mkdtemp(prefix="tcpecho-report-")
    with open(os.path.join(d, "runs.jsonl"), "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec) + "\n")
    b = raw.load(d)
    markdown.write_markdown(os.path.join(d, "RESULTS.md"), b)
    charts.write_charts(d, b)
    with open(os.path.join(d, "RESULTS.md"), encoding="utf-8") as f:
        md = f.read()
    with open(os.path.join(d, "udp.svg"), encoding="utf-8") as f:
        svg = f.read()
    return md, svg


def row(md, heading, name):
    """The cells of the row named name in the table under heading."""
    part = md.split(heading, 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    for line in part.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == name:
            return cells
    raise AssertionError("no row %r under %r" % (name, heading))


def target_row(md, num):
    for line in md.split("## Targets", 1)[1].splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == num:
            return cells
    raise AssertionError("no target %s" % num)


def eq(got, want):
    assert got == want, "got %r, want %r" % (got, want)


def test_tables():
    md, _ = report(sample())
    assert "**the benchmarks turn the server's rate limits off**" in md
    assert "`-u --rate-limit 0 --rate-limit-total 0`" in md
    # datagrams/s (the median of the rounds), µs/datagram, per CPU-s, p50, p99, p99.9, lost
    eq(row(md, "### UDP: 50 flows, 64 B datagrams\n", "tcpecho epoll"),
       ["tcpecho epoll", "400.0 k", "2.00", "500.0 k", "0.100", "0.400", "0.800", "0 % (0)",
        "0", "1.29×"])
    # lost summed over the three rounds: 3 × 100 of 3 × 10100 sent
    eq(row(md, "### UDP: 50 flows, 64 B datagrams\n", "xinetd echo-dgram")[7], "0.99 % (300)")
    eq(row(md, "### UDP: 50 flows, 64 B datagrams\n", "Go net.ListenPacket")[9],
       "1.00× (best peer)")
    # socat forks per datagram: no CPU figure, marked †
    eq(row(md, "### UDP: 50 flows, 64 B datagrams\n", "socat UDP-RECVFROM †")[2:4],
       ["n/a †", "n/a †"])
    failed = row(md, "### UDP: 1 flow, 64 B datagrams (latency)\n", "socat UDP-RECVFROM †")
    eq(failed[1], "—")
    assert failed[8].startswith("**failed**: it did not echo"), failed[8]
    eq(row(md, "UDP open loop", "tcpecho uring")[1], "175.0 k")  # offered
    assert "Rounds (count, lowest–highest datagrams/s" in md
    assert ("Rounds: 3 for tcpecho epoll, tcpecho uring, libuv C recvmmsg, Go net.ListenPacket; "
            "round 1 only for xinetd echo-dgram, socat UDP-RECVFROM, far behind.") in md
    # the TCP part has no table of its own for a run without TCP scenarios
    assert "## Summary" not in md


def test_targets_met():
    md, svg = report(sample())
    t8 = target_row(md, "8")
    eq(t8[-1], "**MET**")  # 500 k against libuv's 100 k per CPU-s
    eq(t8[5], "**5.00×** per CPU-s")
    assert t8[3].startswith("tcpecho epoll 500.0 k datagrams per server CPU-s"), t8[3]
    assert t8[4].startswith("libuv C recvmmsg 100.0 k"), t8[4]
    t9 = target_row(md, "9")
    eq(t9[5], "**0.97×** p50")
    eq(t9[-1], "**MET**")
    t10 = target_row(md, "10")
    eq(t10[-1], "**MET**")
    assert "libuv C recvmmsg 21 of" in t10[4], t10[4]  # the peers' losses, for comparison
    for name in ("tcpecho epoll", "Go net.ListenPacket", "50 flows", "1 flow"):
        assert ">%s<" % name in svg, name


def test_targets_missed():
    # libuv at 4 µs a datagram: 250 k per CPU-s, so epoll's 500 k is 2.0× (met at exactly 2)
    md, _ = report(sample(peer_cpu_us=4.0))
    eq(target_row(md, "8")[-1], "**MET**")
    md, _ = report(sample(peer_cpu_us=3.0))  # 333 k: 1.5×
    eq(target_row(md, "8")[5], "**1.50×** per CPU-s")
    eq(target_row(md, "8")[-1], "**MISSED**")
    # one datagram lost in one round of three is a loss
    md, _ = report(sample(model_lost=(0, 1, 0)))
    t10 = target_row(md, "10")
    eq(t10[-1], "**MISSED**")
    assert "tcpecho epoll 1 of" in t10[3], t10[3]


def test_iterative_counts():
    # over UDP the iterative model answers every flow: it may be the best model at 50 flows
    recs = sample()
    recs.insert(1, {"type": "target", "target": "iterative", "kind": "model", "version": "v1"})
    recs.append(run("iterative", "udp_c50", udp_result(100000, 1.0, 300.0)))
    md, _ = report(recs)
    t8 = target_row(md, "8")
    assert t8[3].startswith("tcpecho iterative 1.00 M datagrams per server CPU-s"), t8[3]
    eq(t8[5], "**10.00×** per CPU-s")


def test_tcp_only():
    recs = [META, {"type": "target", "target": "epoll", "kind": "model", "version": "v1"}]
    tcp = udp_result(100000, 5.0, 40.0)
    del tcp["udp"]
    tcp["errors"] = {}
    recs.append(run("epoll", "c50", tcp))
    md, svg = report(recs)
    assert "## UDP" not in md and "udp.svg" not in md
    assert "no results" in svg
    for num in ("8", "9", "10"):
        try:
            target_row(md, num)
        except AssertionError:
            continue
        raise AssertionError("target %s judged without UDP runs" % num)


def main():
    tests = [test_tables, test_targets_met, test_targets_missed, test_iterative_counts,
             test_tcp_only]
    failed = []
    for t in tests:
        try:
            t()
            print("[       OK ] report: %s" % t.__name__)
        except Exception:  # a failed assertion or a crash of the report: both fail the case
            failed.append(t.__name__)
            print("[  FAILED  ] report: %s\n%s" % (t.__name__, traceback.format_exc()))
    print("[  PASSED  ] %d test(s)." % (len(tests) - len(failed)))
    if failed:
        print("[  FAILED  ] %d test(s), listed below:" % len(failed))
        for name in failed:
            print("[  FAILED  ] report: %s" % name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
