"""The SVG charts: msgs/s of the 64 B scenarios and echoed MB/s of bulk as grouped bars, and
the latency percentile curves of the 50-connection scenario."""
import math
import os

from .labels import (BAR_SCENARIOS, BULK_SCENARIOS, SCENARIOS, UDP_BAR_SCENARIOS, UDP_SCENARIOS,
                     colors, fmt_short, name_of, udp_name_of)
from .raw import read_hist
from .stats import metric, quantile
from .svg import Axis, Svg


def legend(svg, x, y, order, kinds, palette, line=False, notes=None, names=name_of):
    """Legend of the targets, named by names(target); notes[target] adds a mark to its name,
    explained below."""
    notes = notes or {}
    svg.text(x, y, "Targets", weight="bold")
    y += 10
    for t in order:
        y += 22
        c = palette[t]
        peer = kinds.get(t) == "peer"
        if line:
            svg.line(x, y - 5, x + 26, y - 5, stroke=c, width=3, dash="7 4" if peer else None)
        else:
            svg.rect(x, y - 13, 26, 14, c, hatch=peer)
        svg.text(x + 34, y, names(t) + (" *" if t in notes else ""))
    y += 28
    svg.text(x, y, "dashed: peers" if line else "hatched: peers", size=11, fill="#555")
    for t, text in notes.items():
        for i, chunk in enumerate(text):
            y += 15 if i else 20
            svg.text(x, y, ("* " if i == 0 else "  ") + chunk, size=11, fill="#555")
    return y


def _grid(svg, ax, log, fmt, left, right):
    """The value axis' grid lines and tick labels."""
    for v, major in ax.ticks():
        y = ax(v)
        svg.line(left, y, right, y, stroke="#dddddd" if major else "#f0f0f0")
        if major or log:
            svg.text(left - 8, y + 4, fmt(v), size=11 if major else 9, anchor="end",
                     fill="#444" if major else "#888")


def _bars(svg, ax, groups, present, kinds, palette, values, fmt, box):
    """One group of bars per (label, scenario), one bar per target; an × for a failed run."""
    left, right, bottom = box
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
            svg.rect(x + 1, y, bw - 2, bottom - y, palette[t], hatch=kinds.get(t) == "peer")
            svg.text(x + bw / 2 + 3, y - 4, fmt(v), size=9, rotate=-90, fill="#333", halo=True)


def bar_chart(path, title, ylabel, groups, b, palette, values, log_ok=True, refs=(), fmt=None,
              names=name_of):
    """Grouped bars: one group per (label, scenario), one bar per target of b, named by
    names(target). values[(target, scenario)] is a number or None (failed: an 'x' is drawn)."""
    fmt = fmt or fmt_short
    present = [t for t in b.order if any((t, s) in values for _, s in groups)]
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
    _grid(svg, ax, log, fmt, left, right)
    svg.text(22, (top + bottom) / 2, ylabel + (" (log scale)" if log else ""), anchor="middle",
             rotate=-90)
    for _, v, color, dash in refs:
        y = ax(v)
        svg.line(left, y, right, y, stroke=color, width=1.5, dash=dash)
    _bars(svg, ax, groups, present, b.kinds, palette, values, fmt, (left, right, bottom))
    svg.line(left, bottom, right, bottom, stroke="#333")
    svg.line(left, top, left, bottom, stroke="#333")
    svg.text(left, bottom + 50, "× = failed, timed out or stalled (see RESULTS.md)", size=11,
             fill="#555")
    y = legend(svg, right + 30, top + 4, present, b.kinds, palette, names=names)
    for i, (label, _, color, dash) in enumerate(refs):
        for j, chunk in enumerate(label):
            yy = y + 30 + 34 * i + 15 * j
            if j == 0:
                svg.line(right + 30, yy - 4, right + 56, yy - 4, stroke=color, width=1.5, dash=dash)
            svg.text(right + 64, yy, chunk, size=11, fill=color)
    svg.save(path)


def _curves(b, scenario, xmin, xmax):
    """target -> [(x, latency ms)] from the hist files, x = log10(1/(1-percentile))."""
    curves = {}
    for t in b.order:
        run = b.runs.get((t, scenario))
        if metric(run, scenario) is None or not run.get("hist"):
            continue
        rows = read_hist(os.path.join(b.results, run["hist"]))
        if not rows:
            continue
        pts = []
        for i in range(161):
            x = xmin + (xmax - xmin) * i / 160
            v = quantile(rows, 1 - 10 ** -x)
            if v:
                pts.append((x, v / 1e6))
        curves[t] = pts
    return curves


def latency_chart(path, b, palette, scenario="c50"):
    """Percentile curves from the hist files: x = percentile (log of 1/(1-p)), y = ms (log)."""
    xmin, xmax = math.log10(2), 4.0  # p50 .. p99.99
    curves = _curves(b, scenario, xmin, xmax)
    svg = Svg(1100, 540)
    left, right, top, bottom = 90, 850, 60, 460
    title = SCENARIOS[scenario][0]
    svg.text(left, 30, "Latency percentiles, %s%s (lower is better)"
             % (title[0].lower(), title[1:]), size=17, weight="bold")
    if not curves:
        svg.text(left, top + 40, "no latency distributions")
        svg.save(path)
        return
    ys = [v for pts in curves.values() for _, v in pts]
    ay = Axis(min(ys), max(ys), bottom, top, True)
    _grid(svg, ay, True, lambda v: "%g" % v, left, right)

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
        dash = ' stroke-dasharray="8 4"' if b.kinds.get(t) == "peer" else ""
        svg.add('<polyline points="%s" fill="none" stroke="%s" stroke-width="2.2"%s/>'
                % (d, palette[t], dash))
    svg.line(left, bottom, right, bottom, stroke="#333")
    svg.line(left, top, left, bottom, stroke="#333")
    notes = {}
    if "iterative" in curves:
        notes["iterative"] = ["one client at a time: the", "others wait unanswered, so",
                              "this is one client's latency"]
    legend(svg, right + 30, top + 4, [t for t in b.order if t in curves], b.kinds, palette,
           line=True, notes=notes)
    svg.save(path)


def _bulk_refs(ceiling):
    """The iperf3 reference lines of the bulk chart: (label lines, MB/s, colour, dash)."""
    refs = []
    if "oneway" in ceiling:
        refs.append((["iperf3, one way:", "%.0f MB/s" % ceiling["oneway"]], ceiling["oneway"],
                     "#c00000", "6 4"))
    if "bidir" in ceiling:
        half = sum(ceiling["bidir"]) / 2
        refs.append((["iperf3 --bidir, half the", "sum of both ways: %.0f MB/s" % half], half,
                     "#555555", "2 3"))
    return refs


def write_charts(out, b):
    """Writes throughput.svg, bulk.svg, latency.svg and udp.svg for the run b into the
    directory out."""
    palette = colors(b.order, b.models)
    runs, order = b.runs, b.order
    groups = [(SCENARIOS[s][1], s) for s in BAR_SCENARIOS if any((t, s) in runs for t in order)]
    values = {(t, s): metric(runs[(t, s)], s) for t in order for _, s in groups if (t, s) in runs}
    bar_chart(os.path.join(out, "throughput.svg"),
              "Echo throughput, 64 B messages (msgs/s, higher is better)", "messages per second",
              groups, b, palette, values)
    groups = [(SCENARIOS[s][1], s) for s in BULK_SCENARIOS if any((t, s) in runs for t in order)]
    values = {(t, s): metric(runs[(t, s)], s) for t in order for _, s in groups if (t, s) in runs}
    bar_chart(os.path.join(out, "bulk.svg"), "Bulk echo (echoed MB/s, higher is better)",
              "MB/s echoed", groups, b, palette, values, log_ok=False, refs=_bulk_refs(b.ceiling),
              fmt=lambda v: "%.0f" % v)
    latency_chart(os.path.join(out, "latency.svg"), b, palette)
    groups = [(UDP_SCENARIOS[s][1], s) for s in UDP_BAR_SCENARIOS
              if any((t, s) in runs for t in order)]
    values = {(t, s): metric(runs[(t, s)], s) for t in order for _, s in groups if (t, s) in runs}
    bar_chart(os.path.join(out, "udp.svg"),
              "UDP echo throughput (datagrams/s echoed, higher is better)",
              "datagrams per second", groups, b, palette, values, names=udp_name_of)
