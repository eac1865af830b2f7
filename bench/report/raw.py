"""Reads the raw results bench/run.sh leaves in bench/results/: runs.jsonl, iperf3's JSON and
echo-bench's latency histograms."""
import json
import os

from . import stats
from .labels import SCENARIOS


class Bench:
    """One run of bench/run.sh as the report sees it. meta: the run's settings (with 'plan',
    'finished' and the steal and budget records folded in); order: the targets in the order
    they ran; kinds: target -> 'model' or 'peer'; skips: the targets not run and why; runs:
    (target, scenario) -> the rounds' aggregate (stats.aggregate); perf: (target, scenario) ->
    the perf record; ceiling: iperf3's MB/s (iperf3_figures); forking: the servers that fork a
    process per connection, as run.sh recorded them; models: every model echo-server listed;
    perf_scenarios: the scenarios run.sh counts system calls in, where it runs them;
    udp_forking: the servers that fork a process per datagram (socat) or per flow."""

    def __init__(self, results, meta, targets, skips, runs, perf, ceiling):
        self.results, self.meta, self.targets, self.skips = results, meta, targets, skips
        self.runs, self.perf, self.ceiling = runs, perf, ceiling
        self.order = [r["target"] for r in targets]
        self.kinds = {r["target"]: r["kind"] for r in targets}
        self.forking = set(meta.get("forking", "").split())
        self.udp_forking = set(meta.get("udp_forking", "socat").split())
        self.models = meta.get("models", "").split() or [
            t for t in self.order if self.kinds[t] == "model"]
        # Before run.sh recorded them: the scenarios with a perf record, in the tables' order.
        self.perf_scenarios = meta.get("perf_scenarios", "").split() or [
            s for s in SCENARIOS if any(k[1] == s for k in perf)]


def load(results):
    """Reads runs.jsonl in the directory results and returns a Bench. Each run is the rounds'
    aggregate (see stats.aggregate). Lines that do not parse (a run cut short) are ignored."""
    meta, targets, skips, rounds, iperf, perf = {}, [], [], {}, [], {}
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
    runs = {k: stats.aggregate(k[1], v) for k, v in rounds.items()}
    return Bench(results, meta, targets, skips, runs, perf, iperf3_figures(results, iperf))


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
