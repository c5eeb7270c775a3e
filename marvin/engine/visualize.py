"""Pictures of a flow: its graph as data, as SVG (`visualize`) and as Mermaid text.

Example::

    svg = flow.visualize(run)          # the dashboard's SVG, coloured by that run
    flow.visualize(filename="flow.svg")
    print(flow.to_mermaid(run))        # Mermaid text for docs and GitHub

`flow_graph` is the flow's shape as JSON-friendly data: the run history stores it and
the dashboard draws the stored copy with the same renderer (`graph_svg.render_svg`), so
a flow looks the same here and there. Mermaid needs no layout of ours (its renderer
does it).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from marvin.engine.state import Failed

if TYPE_CHECKING:
    from typing import Any

    from marvin.engine.flow import Flow
    from marvin.engine.records import FlowRun, TaskRun
    from marvin.engine.state import State

__all__ = ["flow_graph", "run_states", "visualize", "to_mermaid"]


def flow_graph(flow: Flow) -> dict[str, Any]:
    """The flow's shape as JSON-friendly data (what the run history stores)."""
    return {
        "nodes": [{"slug": t.slug, "mapped": flow.is_mapped(t)} for t in flow.sorted_tasks()],
        "edges": [
            {"from": e.upstream.slug, "to": e.downstream.slug, "key": e.key, "mapped": e.mapped}
            for e in flow.edges
        ],
    }


def run_states(run: FlowRun) -> tuple[dict[str, str], dict[str, int]]:
    """Each task's state name (a mapped task: its first failed child) and child counts."""
    from marvin.engine.graph_svg import graph_states

    return graph_states((r.task.slug, r.map_index, r.state.name) for r in run.all_task_runs())


def visualize(
    flow: Flow,
    run: FlowRun | None = None,
    *,
    format: str = "svg",
    filename: str | None = None,
) -> str:
    """The flow as SVG (the dashboard's picture) or Mermaid text, coloured by `run`'s
    states when given; also written to `filename` when given."""
    if format == "svg":
        from marvin.engine.graph_svg import render_svg

        states, counts = run_states(run) if run is not None else ({}, {})
        text = render_svg(flow_graph(flow), states, counts)
    elif format == "mermaid":
        text = to_mermaid(flow, run)
    else:
        raise ValueError(f"visualize: format must be 'svg' or 'mermaid', got {format!r}")
    if filename is not None:
        with open(filename, "w", encoding="utf-8") as handle:
            handle.write(text)
    return text


def _node_ids(flow: Flow) -> dict[str, str]:
    """Mermaid-safe node ids from slugs; slugs that differ only in punctuation
    ("get-team", "get_team") get a numeric suffix so they stay distinct."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for task in flow.sorted_tasks():
        stem = "t_" + re.sub(r"[^A-Za-z0-9_]", "_", task.slug)
        node, n = stem, 1
        while node in taken:
            n += 1
            node = f"{stem}_{n}"
        taken.add(node)
        ids[task.slug] = node
    return ids


def _label(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _summary(task_run: TaskRun) -> tuple[str, State]:
    """A label suffix and the state to colour by (the worst child for mapped tasks)."""
    if task_run.children is None:
        return task_run.state.name, task_run.state
    counts = Counter(c.state.name for c in task_run.children)
    text = ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "0 items"
    worst = next((c.state for c in task_run.children if isinstance(c.state, Failed)), None)
    return f"×{len(task_run.children)}: {text}", worst or task_run.state


def to_mermaid(flow: Flow, run: FlowRun | None = None) -> str:
    """Mermaid flowchart source: one node per task, dashed edges for mapped inputs."""
    lines = ["flowchart TD"]
    classes: dict[str, str] = {}
    runs = {r.task: r for r in run.task_runs} if run is not None else {}
    ids = _node_ids(flow)
    for task in flow.sorted_tasks():
        label = _label(task.slug + (" (mapped)" if flow.is_mapped(task) else ""))
        task_run = runs.get(task)
        if task_run is not None:
            suffix, state = _summary(task_run)
            label += f"<br/>{_label(suffix)}"
            classes.setdefault(state.name, state.color)
            lines.append(f'    {ids[task.slug]}["{label}"]:::{state.name}')
        else:
            lines.append(f'    {ids[task.slug]}["{label}"]')
    for edge in flow.edges:
        arrow = "-.->" if edge.mapped else "-->"
        name = f"|{_label(edge.key)}|" if edge.key else ""
        source, target = ids[edge.upstream.slug], ids[edge.downstream.slug]
        lines.append(f"    {source} {arrow}{name} {target}")
    for name, color in sorted(classes.items()):
        lines.append(f"    classDef {name} fill:{color},stroke:#374151,color:#111827")
    return "\n".join(lines)
