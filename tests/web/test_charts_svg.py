"""The standup pages' SVG charts: stacked bars, a marked line, escaping, empty ranges."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from marvin.web.charts_svg import HEIGHT, TOP, Series, bar_chart, line_chart

XSS = "<script>alert(1)</script>"


def test_bars_stack_in_order_and_scale_to_a_round_top() -> None:
    svg = bar_chart("p", "Participation", ["06-01", "06-02"],
                    [Series("posted", [3, 1], "#0a0"), Series("missed", [1, 0], "#a00")])
    ET.fromstring(svg)  # well-formed
    bars = "".join(re.findall(r'<g class="bar">.*?</g>', svg))
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"', bars)]
    plot = HEIGHT - TOP - 44
    # top of the axis is 5 (the next round number above 4): 3, 1 and 1 of 5
    assert heights == [round(plot * 3 / 5, 2), round(plot * 1 / 5, 2), round(plot * 1 / 5, 2)]
    assert "<title>06-01: posted 3, missed 1</title>" in svg


def test_labels_and_titles_are_escaped() -> None:
    svg = bar_chart("x", XSS, [XSS], [Series(XSS, [1], "#000")])
    line = line_chart("y", XSS, [XSS], [1.0], {0: (XSS, "#000")})
    for out in (svg, line):
        ET.fromstring(out)
        assert "<script>" not in out and "&lt;script&gt;" in out


def test_an_empty_range_says_so() -> None:
    assert "nothing recorded in this range" in bar_chart("x", "t", [], [])
    assert "nothing recorded in this range" in line_chart("x", "t", [], [])


def test_the_line_marks_named_points() -> None:
    svg = line_chart("tuner", "Curve", ["08:00", "08:15", "08:30"], [2.0, 1.0, 0.5],
                     {2: ("now", "#b45309"), 0: ("recommended", "#15803d")})
    ET.fromstring(svg)
    assert svg.count('class="point"') == 3
    assert re.findall(r'data-mark="(\w+)"', svg) == ["now", "recommended"]
