"""Draw a flow as Mermaid text: the engine's own dependency-free picture of a flow.

Example::

    print(flow.to_mermaid())          # graph shape
    print(flow.to_mermaid(run))       # coloured by each task's state in that run

Mermaid is plain text that GitHub and docs render, so the engine needs no graphics
library and does no layout (Mermaid's renderer does). The runs dashboard must work
offline without scripts, so it draws recorded graphs as SVG in `marvin.web.graph_svg`,
the one place that lays a graph out.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from marvin.engine.state import Failed

if TYPE_CHECKING:
    from marvin.engine.flow import Flow
    from marvin.engine.records import FlowRun, TaskRun
    from marvin.engine.state import State

__all__ = ["to_mermaid"]


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
