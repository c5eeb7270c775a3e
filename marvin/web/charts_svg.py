"""Charts for the standup pages as inline SVG: stacked bars (per day, or a histogram) and
a line with marked points (the reminder-time tuner's curve).

Example::

    svg = bar_chart("participation", "Participation per day", dates,
                    [Series("posted", posted, "#16a34a"), Series("missed", missed, "#dc2626")])

Drawn here in a few lines rather than by a charting library: the dashboard has no scripts
and no external resources, so the layout is done server-side. Every label is escaped, and
every bar and point carries a <title> with its exact value (a tooltip in any browser).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "bar_chart", "line_chart"]

WIDTH, HEIGHT = 900, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 28, 44
MAX_TICKS = 12  # x labels shown; the others are in each bar's tooltip
AXIS, GRID, INK = "#6b7280", "#e5e7eb", "#111827"


@dataclass(frozen=True)
class Series:
    """One named, coloured row of values (one per x label)."""

    name: str
    values: Sequence[float]
    color: str


def _nice_max(value: float) -> float:
    """A round axis top at or above `value` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10  # pragma: no cover - the loop always returns


def _frame(chart_id: str, title: str, top: float, labels: Sequence[str], unit: str) -> list[str]:
    """The SVG's opening, title, y grid (0, half, top) and a few x labels."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{escape(chart_id)}" '
        f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" font-family="system-ui, sans-serif" font-size="11">',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="600" fill="{INK}">'
        f"{escape(title)}</text>",
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = TOP + plot_h * (1 - fraction)
        value = top * fraction
        text = f"{value:g}{unit}"
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" '
                   f'stroke="{GRID if fraction else AXIS}"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}">'
                   f"{escape(text)}</text>")
    if labels:
        every = max(1, -(-len(labels) // MAX_TICKS))
        slot = plot_w / len(labels)
        for i in range(0, len(labels), every):
            x = LEFT + slot * (i + 0.5)
            out.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
                       f'fill="{AXIS}">{escape(labels[i])}</text>')
    return out


def _legend(series: Sequence[Series]) -> str:
    parts, x = [], WIDTH - RIGHT
    for s in reversed(series):
        x -= 14 + len(s.name) * 7
        parts.append(f'<rect x="{x}" y="7" width="10" height="10" fill="{s.color}"/>'
                     f'<text x="{x + 13}" y="16" fill="{INK}">{escape(s.name)}</text>')
    return "".join(parts)


def _empty(chart_id: str, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="'
            f'{escape(chart_id)}" width="{WIDTH}" height="60" viewBox="0 0 {WIDTH} 60" '
            f'role="img" aria-label="{escape(title)}" font-family="system-ui, sans-serif">'
            f'<text x="{LEFT}" y="16" font-size="13" font-weight="600" fill="{INK}">'
            f'{escape(title)}</text><text x="{LEFT}" y="40" font-size="12" fill="{AXIS}">'
            "nothing recorded in this range</text></svg>")


def bar_chart(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], unit: str = "",
) -> str:
    """Bars stacked from the first series up, one slot per label."""
    if not labels or not series:
        return _empty(chart_id, title)
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice_max(max(totals))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)
    bar_w = max(slot * 0.8, 0.5)
    out = _frame(chart_id, title, top, labels, unit)
    for i, label in enumerate(labels):
        x, base = LEFT + slot * i + (slot - bar_w) / 2, float(TOP + plot_h)
        tip = escape(f"{label}: " + ", ".join(f"{s.name} {s.values[i]:g}" for s in series))
        out.append(f'<g class="bar"><title>{tip}</title>')
        for s in series:
            h = plot_h * s.values[i] / top
            if h > 0:
                base -= h
                out.append(f'<rect x="{x:.2f}" y="{base:.2f}" width="{bar_w:.2f}" '
                           f'height="{h:.2f}" fill="{s.color}"/>')
        out.append("</g>")
    out.append(_legend(series))
    out.append("</svg>")
    return "".join(out)


def line_chart(
    chart_id: str, title: str, labels: Sequence[str], values: Sequence[float],
    marks: Mapping[int, tuple[str, str]] | None = None, color: str = "#1d4ed8",
) -> str:
    """A line through `values` with a dot per point; `marks` (index -> (label, colour))
    ring and name chosen points, e.g. "now" and "recommended"."""
    if not labels:
        return _empty(chart_id, title)
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)
    points = [(LEFT + slot * (i + 0.5), TOP + plot_h * (1 - v / top)) for i, v in
              enumerate(values)]
    out = _frame(chart_id, title, top, labels, "")
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
    for i, (x, y) in enumerate(points):
        tip = escape(f"{labels[i]}: {values[i]:.2f}")
        out.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
                   f"<title>{tip}</title></circle>")
    for i, (name, ring) in (marks or {}).items():
        if 0 <= i < len(points):
            x, y = points[i]
            out.append(f'<g class="mark" data-mark="{escape(name)}"><circle cx="{x:.1f}" '
                       f'cy="{y:.1f}" r="7" fill="none" stroke="{ring}" stroke-width="2"/>'
                       f'<text x="{x:.1f}" y="{y - 11:.1f}" text-anchor="middle" fill="{ring}" '
                       f'font-weight="600">{escape(name)}</text></g>')
    out.append("</svg>")
    return "".join(out)
