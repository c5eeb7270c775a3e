"""`render_svg`: a pure function from a graph and states to valid SVG; `flow.visualize`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from marvin.engine import Failed, Mapped, Skipped, Success, TimedOut
from marvin.engine.graph_svg import NOT_RUN_COLOR, STATE_COLORS, render_svg, text_color

NS = {"svg": "http://www.w3.org/2000/svg"}

REMINDER: dict[str, Any] = {  # the reminder flow's shape, as HistoryRecorder stores it
    "nodes": [
        {"slug": "team", "mapped": False},
        {"slug": "get_team", "mapped": False},
        {"slug": "get_updates", "mapped": False},
        {"slug": "is_reminder_needed", "mapped": True},
        {"slug": "send_reminder", "mapped": True},
        {"slug": "report", "mapped": False},
    ],
    "edges": [
        {"from": "team", "to": "get_team", "key": "team", "mapped": False},
        {"from": "team", "to": "get_updates", "key": "team", "mapped": False},
        {"from": "get_team", "to": "is_reminder_needed", "key": "member", "mapped": True},
        {"from": "get_updates", "to": "is_reminder_needed", "key": "updates", "mapped": False},
        {"from": "is_reminder_needed", "to": "send_reminder", "key": "member", "mapped": True},
        {"from": "team", "to": "send_reminder", "key": "team", "mapped": False},
        {"from": "send_reminder", "to": "report", "key": "reminders", "mapped": False},
    ],
}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def nodes(root: ET.Element) -> dict[str, ET.Element]:
    """slug -> the node's <rect>, read from the first <text> of each node group."""
    out = {}
    for g in root.iterfind("svg:g[@class='node']", NS):
        label = g.find("svg:text", NS)
        rect = g.find("svg:rect", NS)
        assert label is not None and rect is not None
        out[(label.text or "").split(" ×")[0]] = rect
    return out


def test_one_node_per_task_and_one_path_per_edge() -> None:
    root = parse(render_svg(REMINDER, {}))
    assert sorted(nodes(root)) == sorted(n["slug"] for n in REMINDER["nodes"])
    edges = root.findall("svg:path[@class='edge']", NS)
    assert len(edges) == len(REMINDER["edges"])
    assert all(e.get("marker-end") == "url(#marvin-arrow)" for e in edges)
    dashed = [e for e in edges if e.get("stroke-dasharray")]
    assert len(dashed) == 2  # the mapped inputs


def test_layers_are_longest_paths_from_a_root() -> None:
    found = nodes(parse(render_svg(REMINDER, {})))
    y = {slug: float(rect.get("y", "nan")) for slug, rect in found.items()}
    assert y["team"] < y["get_team"] == y["get_updates"] < y["is_reminder_needed"]
    # send_reminder hangs off team directly too, but sits below is_reminder_needed
    assert y["is_reminder_needed"] < y["send_reminder"] < y["report"]


def test_a_root_sits_just_above_its_first_consumer() -> None:
    graph = {"nodes": [{"slug": s} for s in ("team", "note", "get_team", "remind")],
             "edges": [{"from": "team", "to": "get_team"}, {"from": "get_team", "to": "remind"},
                       {"from": "note", "to": "remind"}]}
    y = {s: float(r.get("y", "nan")) for s, r in nodes(parse(render_svg(graph, {}))).items()}
    assert y["team"] < y["note"] == y["get_team"] < y["remind"]


def test_nodes_are_filled_by_the_engine_state_colours() -> None:
    states = {"team": "Success", "get_team": "Success", "get_updates": "TimedOut",
              "is_reminder_needed": "Mapped", "send_reminder": "Skipped"}
    found = nodes(parse(render_svg(REMINDER, states)))
    assert found["team"].get("fill") == Success.color == STATE_COLORS["Success"]
    assert found["get_updates"].get("fill") == TimedOut.color
    assert found["is_reminder_needed"].get("fill") == Mapped.color
    assert found["send_reminder"].get("fill") == Skipped.color
    assert found["report"].get("fill") == NOT_RUN_COLOR  # no run recorded
    assert found["report"].get("stroke-dasharray")
    assert STATE_COLORS["Failed"] == Failed.color


def test_unknown_state_names_get_the_base_colour() -> None:
    found = nodes(parse(render_svg(REMINDER, {"team": "Exploded"})))
    assert found["team"].get("fill") == STATE_COLORS["State"]


def test_counts_label_mapped_nodes_only() -> None:
    svg = render_svg(REMINDER, {}, counts={"send_reminder": 12, "report": 3})
    texts = [t.text for t in parse(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "send_reminder ×12" in texts
    assert "report" in texts and "report ×3" not in texts


@pytest.mark.parametrize(
    "slug", ['<script>alert("x")</script>', "a&b", "it's \"quoted\"", "]]><x/>", "émoji 🚀"]
)
def test_odd_slugs_are_escaped_and_the_svg_stays_valid(slug: str) -> None:
    graph = {"nodes": [{"slug": slug, "mapped": True}, {"slug": "b", "mapped": False}],
             "edges": [{"from": slug, "to": "b", "key": "<k>", "mapped": False}]}
    svg = render_svg(graph, {slug: "Failed"}, counts={slug: 2})
    root = parse(svg)
    assert nodes(root)[slug].get("fill") == Failed.color
    assert "<script" not in svg
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert f"{slug} → b (<k>)" in titles


def test_empty_malformed_and_cyclic_graphs_still_render() -> None:
    assert "no graph recorded" in render_svg({}, {})
    parse(render_svg({}, {}))
    odd = {"nodes": [{"slug": "a"}, {"no": "slug"}, {"slug": "a"}, {"slug": "b"}],
           "edges": [{"from": "a", "to": "ghost"}, {"from": "a", "to": "b"},
                     {"from": "b", "to": "a"}, {"from": "a", "to": "a"}]}
    root = parse(render_svg(odd, {}))
    assert sorted(nodes(root)) == ["a", "b"]


def test_parallel_edges_are_drawn_once() -> None:
    graph = {"nodes": [{"slug": "a"}, {"slug": "b"}],
             "edges": [{"from": "a", "to": "b", "key": "x", "mapped": False},
                       {"from": "a", "to": "b", "key": "y", "mapped": True}]}
    root = parse(render_svg(graph, {}))
    (edge,) = root.findall("svg:path[@class='edge']", NS)
    assert edge.get("stroke-dasharray")  # mapped if any of them is
    title = edge.find("svg:title", NS)
    assert title is not None and title.text == "a → b (x, y)"


def test_text_colour_reads_on_dark_and_light_fills() -> None:
    assert text_color(TimedOut.color) == "#ffffff"
    assert text_color(Skipped.color) == "#111827"
    assert text_color("not-a-colour") == "#111827"


def test_visualize_draws_the_flow_coloured_by_a_run(tmp_path: Any) -> None:
    from marvin.engine import FAIL, Flow, task
    from marvin.engine.visualize import flow_graph

    @task
    def members() -> list[str]:
        return ["ann", "cy"]

    @task
    def remind(member: str) -> str:
        if member == "cy":
            raise FAIL("no")
        return member

    with Flow("pic") as flow:
        remind.map(members())
    shape = flow.visualize()
    assert shape == render_svg(flow_graph(flow), {})
    assert 'data-state=""' in shape  # nothing ran yet
    run = flow.run()
    svg = flow.visualize(run, filename=str(tmp_path / "pic.svg"))
    nodes = {g.findtext("svg:text", namespaces=NS): g.get("data-state")
             for g in parse(svg).iterfind(".//svg:g", NS)}
    assert nodes == {"members": "Success", "remind ×2": "Failed"}
    assert (tmp_path / "pic.svg").read_text(encoding="utf-8") == svg
    assert flow.visualize(run, format="mermaid") == flow.to_mermaid(run)
    with pytest.raises(ValueError, match="svg' or 'mermaid"):
        flow.visualize(format="png")
