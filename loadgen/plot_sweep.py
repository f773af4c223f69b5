#!/usr/bin/python3
"""Draws loadgen/bench's publish-rate sweep as one SVG: server CPU (share of a
core) and p99 latency against the publish rate, one line per server.

    loadgen/plot_sweep.py OUT.svg RESULT.json...

Takes the runs whose scenario name starts with "sweep-" (open loop: their
options carry the rate); several rounds of one (server, rate) are reduced to
their median. Plain SVG, no plotting library: two panels side by side.
"""

import json
import math
import statistics
import sys
from collections import defaultdict

WIDTH, HEIGHT = 960, 420
PANEL_W, PANEL_H = 380, 280
LEFT, TOP = 80, 70
GAP = 100
COLOURS = ["#c0392b", "#2471a3", "#229954", "#7d3c98"]


def load(paths):
    """{label: {rate: [(cpu_share, p99_ms, subscribers)]}} from the sweep runs among `paths`."""
    runs = defaultdict(lambda: defaultdict(list))
    for path in paths:
        with open(path) as f:
            r = json.load(f)
        if not r.get("scenario", "").startswith("sweep-") or not r.get("window_s"):
            continue
        rate = r["options"]["rate"]
        cpu_share = r["server_cpu_s"] / r["window_s"]
        runs[r["label"]][rate].append((cpu_share, r["latency_us"]["p99"] / 1000.0, r["options"]["subscribers"]))
    return runs


def medians(runs):
    """{label: [(rate, cpu_share, p99_ms)]} sorted by rate."""
    out = {}
    for label, by_rate in runs.items():
        out[label] = sorted((rate, statistics.median(c for c, _, _ in rs), statistics.median(p for _, p, _ in rs))
                            for rate, rs in by_rate.items())
    return out


def nice_log_ticks(lo, hi):
    ticks = []
    exp = math.floor(math.log10(lo))
    while 10 ** exp <= hi * 1.0001:
        for m in (1, 2, 5):
            v = m * 10 ** exp
            if lo * 0.999 <= v <= hi * 1.001:
                ticks.append(v)
        exp += 1
    return ticks


def fmt(v):
    if v >= 1000:
        return "%gk" % (v / 1000)
    return "%g" % v


def panel(x0, title, series, rates, y_of, y_ticks, y_label, log_y, y_lo, y_hi):
    """SVG for one panel: `series` is {label: [(rate, y)]}."""
    x_lo, x_hi = math.log10(min(rates)), math.log10(max(rates))
    if x_hi == x_lo:
        x_hi = x_lo + 1

    def px(rate):
        return x0 + (math.log10(rate) - x_lo) / (x_hi - x_lo) * PANEL_W

    def py(v):
        if log_y:
            f = (math.log10(max(v, y_lo)) - math.log10(y_lo)) / (math.log10(y_hi) - math.log10(y_lo))
        else:
            f = (v - y_lo) / (y_hi - y_lo)
        return TOP + PANEL_H - min(max(f, 0.0), 1.0) * PANEL_H

    parts = ['<text x="%d" y="%d" font-size="15" font-weight="bold">%s</text>' % (x0, TOP - 18, title),
             '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>' % (x0, TOP, PANEL_W, PANEL_H)]
    for t in y_ticks:
        y = py(t)
        parts.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#eee"/>' % (x0, y, x0 + PANEL_W, y))
        parts.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%g</text>' % (x0 - 6, y + 4, t))
    for r in rates:
        x = px(r)
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eee"/>' % (x, TOP, x, TOP + PANEL_H))
        parts.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>'
                     % (x, TOP + PANEL_H + 16, fmt(r)))
    parts.append('<text x="%d" y="%d" font-size="12" text-anchor="middle">publishes/s</text>'
                 % (x0 + PANEL_W // 2, TOP + PANEL_H + 34))
    parts.append('<text x="%d" y="%d" font-size="12" text-anchor="middle" transform="rotate(-90 %d %d)">%s</text>'
                 % (x0 - 48, TOP + PANEL_H // 2, x0 - 48, TOP + PANEL_H // 2, y_label))
    for i, (label, points) in enumerate(sorted(series.items())):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join("%.1f,%.1f" % (px(r), py(y_of(p))) for r, p in points)
        parts.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>' % (path, colour))
        for r, p in points:
            parts.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px(r), py(y_of(p)), colour))
    return parts


def render(data, subscribers):
    rates = sorted({r for points in data.values() for r, _, _ in points})
    cpu = {label: [(r, c) for r, c, _ in points] for label, points in data.items()}
    p99 = {label: [(r, p) for r, _, p in points] for label, points in data.items()}
    cpu_hi = 25.0 * math.ceil(max(100.0, max(c * 100 for points in cpu.values() for _, c in points)) / 25.0)
    p99_vals = [p for points in p99.values() for _, p in points]
    p_lo = 10 ** math.floor(math.log10(max(min(p99_vals), 0.01)))
    p_hi = 10 ** math.ceil(math.log10(max(max(p99_vals), p_lo * 10)))
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif">'
             % (WIDTH, HEIGHT), '<rect width="100%" height="100%" fill="white"/>',
             '<text x="%d" y="20" font-size="14">Open-loop publish rate to %s subscribers, 64 B: '
             'server CPU and p99 latency (loadgen/bench)</text>' % (LEFT, subscribers)]
    parts += panel(LEFT, "server CPU, % of one core", cpu, rates, lambda v: v * 100,
                   list(range(0, int(cpu_hi) + 1, 25)), "% of a core", False, 0, cpu_hi)
    parts += panel(LEFT + PANEL_W + GAP, "p99 latency, ms (log)", p99, rates, lambda v: v,
                   nice_log_ticks(p_lo, p_hi), "ms", True, p_lo, p_hi)
    for i, label in enumerate(sorted(data)):
        x = LEFT + i * 160
        parts.append('<rect x="%d" y="%d" width="14" height="4" fill="%s"/>'
                     % (x, HEIGHT - 22, COLOURS[i % len(COLOURS)]))
        parts.append('<text x="%d" y="%d" font-size="12">%s</text>' % (x + 20, HEIGHT - 16, label))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = load(argv[2:])
    if not runs:
        print("plot_sweep: no sweep-* runs among the files given", file=sys.stderr)
        return 2
    subscribers = sorted({s for by_rate in runs.values() for rs in by_rate.values() for _, _, s in rs})
    with open(argv[1], "w") as f:
        f.write(render(medians(runs), "/".join(str(s) for s in subscribers)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
