"""Draw a flow graph as inline SVG, coloured by each task's state: Marvin's one renderer.

Example::

    svg = render_svg(flow_graph(flow), {"get_team": "Success", "send_reminder": "Failed"},
                     counts={"send_reminder": 3})

`flow.visualize(run)` and the runs dashboard (from a recorded run) both draw with it.
The dashboard must render offline with no scripts, so the layout is done here, in a
few lines: a node's layer is its longest path from a root, each layer is one row, and
edges are simple cubic curves (dashed when they carry mapped input). Flows are small
(a dozen tasks), so nothing cleverer than one barycenter pass is needed to keep rows
in a readable order. Every label is escaped: slugs are user-chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from marvin.engine.state import ALL_STATES, Failed

__all__ = [
    "NOT_RUN_COLOR",
    "STATE_COLORS",
    "FAILED_STATES",
    "graph_states",
    "render_svg",
    "text_color",
]

STATE_COLORS: dict[str, str] = {cls.__name__: cls.color for cls in ALL_STATES}
"""Fill colour per state class name, straight from the engine's State tree."""
FAILED_STATES = frozenset(c.__name__ for c in ALL_STATES if issubclass(c, Failed))
NOT_RUN_COLOR = "#ffffff"  # a task with no recorded run (e.g. the flow stopped early)

NODE_H = 44
MIN_W = 120
CHAR_W = 7.2  # average advance of a 12px sans-serif glyph: good enough to size boxes
GAP_X = 28
GAP_Y = 56
PAD = 16


def text_color(fill: str) -> str:
    """Dark or white text, whichever reads better on `fill` (a #rrggbb colour)."""
    try:
        r, g, b = (int(fill[i : i + 2], 16) for i in (1, 3, 5))
    except ValueError:
        return "#111827"
    return "#111827" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def graph_states(
    runs: Iterable[tuple[str, int | None, str]],
) -> tuple[dict[str, str], dict[str, int]]:
    """Each node's state and each mapped node's child count, from (slug, map_index,
    state name) per task run: a mapped task shows its first failed child, else its own."""
    states: dict[str, str] = {}
    counts: dict[str, int] = {}
    for slug, map_index, state in runs:
        if map_index is None:
            states.setdefault(slug, state)
        else:
            counts[slug] = counts.get(slug, 0) + 1
            if state in FAILED_STATES and states.get(slug) not in FAILED_STATES:
                states[slug] = state
    return states, counts


def _layers(slugs: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest path from a root (Kahn's algorithm), roots pulled down to their first
    consumer so a parameter's edge stays short; nodes on a cycle go last."""
    parents: dict[str, list[str]] = {s: [] for s in slugs}
    children: dict[str, list[str]] = {s: [] for s in slugs}
    for a, b in edges:
        parents[b].append(a)
        children[a].append(b)
    remaining = {s: len(parents[s]) for s in slugs}
    layer = dict.fromkeys(slugs, 0)
    ready = [s for s in slugs if remaining[s] == 0]
    done: set[str] = set()
    while ready:
        node = ready.pop(0)
        done.add(node)
        for child in children[node]:
            layer[child] = max(layer[child], layer[node] + 1)
            remaining[child] -= 1
            if remaining[child] == 0:
                ready.append(child)
    last = max((layer[s] for s in done), default=-1)
    for s in slugs:  # a cycle cannot be recorded by the engine; draw it anyway
        if s not in done:
            layer[s] = last + 1
    for s in slugs:  # a root (e.g. a Parameter) sits just above its first consumer
        if not parents[s] and children[s] and s in done:
            layer[s] = min(layer[c] for c in children[s]) - 1
    return layer


def _rows(slugs: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    layer = _layers(slugs, edges)
    rows: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for s in slugs:
        rows[layer[s]].append(s)
    parents: dict[str, list[str]] = {s: [] for s in slugs}
    for a, b in edges:
        parents[b].append(a)
    order: dict[str, float] = {s: i for i, s in enumerate(rows[0])} if rows else {}
    for row in rows[1:]:  # one barycenter pass: a child sits under its parents
        keyed = []
        for i, s in enumerate(row):
            ps = [order[p] for p in parents[s] if p in order]
            keyed.append((sum(ps) / len(ps) if ps else float(i), i, s))
        row[:] = [s for _, _, s in sorted(keyed)]
        order.update({s: i for i, s in enumerate(row)})
    return rows


def _label(slug: str, mapped: bool, counts: Mapping[str, int] | None) -> str:
    if mapped and counts is not None and slug in counts:
        return f"{slug} ×{counts[slug]}"
    return slug


def render_svg(
    graph: Mapping[str, Any],
    states: Mapping[str, str],
    counts: Mapping[str, int] | None = None,
) -> str:
    """SVG markup for `graph` ({"nodes": [{"slug", "mapped"}], "edges": [{"from", "to",
    "key", "mapped"}]}), each node filled by its state name in `states` (slug -> name);
    `counts` (slug -> children) adds "×N" to mapped nodes."""
    nodes = [n for n in graph.get("nodes", []) if isinstance(n, Mapping) and "slug" in n]
    slugs = list(dict.fromkeys(str(n["slug"]) for n in nodes))
    mapped = {str(n["slug"]) for n in nodes if n.get("mapped")}
    known = set(slugs)
    edge_info: dict[tuple[str, str], tuple[bool, list[str]]] = {}
    for e in graph.get("edges", []):
        a, b = str(e.get("from")), str(e.get("to"))
        if a in known and b in known and a != b:
            was_mapped, keys = edge_info.get((a, b), (False, []))
            keys = keys + [str(e["key"])] if e.get("key") else keys
            edge_info[(a, b)] = (was_mapped or bool(e.get("mapped")), keys)
    if not slugs:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" class="flow-graph" width="240" '
            'height="40" viewBox="0 0 240 40"><text x="8" y="24" font-size="13" '
            'fill="#6b7280">no graph recorded</text></svg>'
        )

    rows = _rows(slugs, list(edge_info))
    labels = {s: _label(s, s in mapped, counts) for s in slugs}
    width_of = {s: max(MIN_W, int(len(labels[s]) * CHAR_W) + 24) for s in slugs}
    row_w = [sum(width_of[s] for s in row) + GAP_X * (len(row) - 1) for row in rows]
    total_w = max(row_w) + 2 * PAD
    total_h = len(rows) * NODE_H + (len(rows) - 1) * GAP_Y + 2 * PAD
    box: dict[str, tuple[float, float, float]] = {}  # slug -> (x, y, width)
    for r, row in enumerate(rows):
        x: float = PAD + (total_w - 2 * PAD - row_w[r]) / 2
        y: float = PAD + r * (NODE_H + GAP_Y)
        for s in row:
            box[s] = (x, y, width_of[s])
            x += width_of[s] + GAP_X

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-graph" width="{total_w:.0f}" '
        f'height="{total_h}" viewBox="0 0 {total_w:.0f} {total_h}" role="img" '
        'aria-label="flow graph" font-family="system-ui, sans-serif">',
        '<defs><marker id="marvin-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>',
    ]
    for (a, b), (is_mapped, keys) in edge_info.items():
        ax, ay, aw = box[a]
        bx, by, bw = box[b]
        x1, y1, x2, y2 = ax + aw / 2, ay + NODE_H, bx + bw / 2, by
        mid = (y2 - y1) / 2
        dash = ' stroke-dasharray="5 4"' if is_mapped else ""
        title = escape(f"{a} → {b}" + (f" ({', '.join(keys)})" if keys else ""))
        out.append(
            f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + mid:.1f} '
            f'{x2:.1f},{y2 - mid:.1f} {x2:.1f},{y2:.1f}" fill="none" stroke="#6b7280" '
            f'stroke-width="1.5"{dash} marker-end="url(#marvin-arrow)"><title>{title}</title>'
            "</path>"
        )
    for s in slugs:
        x, y, w = box[s]
        state = states.get(s)
        fill = STATE_COLORS.get(state, STATE_COLORS["State"]) if state else NOT_RUN_COLOR
        dash = ' stroke-dasharray="4 3"' if state is None else ""
        tip = escape(f"{s}: {state or 'not run'}")
        out.append(
            f'<g class="node" data-state="{escape(state or "")}"><title>{tip}</title>'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w}" height="{NODE_H}" rx="8" fill="{fill}" '
            f'stroke="#374151" stroke-width="1"{dash}/>'
            f'<text x="{x + w / 2:.1f}" y="{y + 18:.1f}" text-anchor="middle" font-size="12" '
            f'font-weight="600" fill="{text_color(fill)}">{escape(labels[s])}</text>'
            f'<text x="{x + w / 2:.1f}" y="{y + 34:.1f}" text-anchor="middle" font-size="11" '
            f'fill="{text_color(fill)}">{escape(state or "not run")}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
