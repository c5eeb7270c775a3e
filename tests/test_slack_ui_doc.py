"""docs/slack-ui.md is what the builders make today, and every view in it passes Slack."""

from __future__ import annotations

import json
import re
from pathlib import Path

from marvin.testing.slack_limits_check import check_message
from marvin.testing.slack_views import check_view
from tests.support.slack_ui_doc import render

PAGE = Path(__file__).resolve().parents[1] / "docs" / "slack-ui.md"


def test_the_page_is_up_to_date() -> None:
    assert PAGE.read_text() == render(), (
        "docs/slack-ui.md is out of date: .venv/bin/python -m tests.support.slack_ui_doc "
        "> docs/slack-ui.md")


def test_every_json_in_the_page_is_accepted_by_the_stand_in() -> None:
    page = render().split("\n## Digest modes")[0]  # that section has its own test
    found = [json.loads(m) for m in re.findall(r"```json\n(.*?)\n```", page, re.S)]
    assert len(found) == 7
    update_modal, dm, answered, home, away, schedule, questions = found
    assert check_view(update_modal) == [] and check_view(schedule) == []
    assert check_view(away) == [] and check_view(questions) == []
    assert check_view(home, kind="home") == []
    for message in (dm, answered):
        assert check_message({"channel": "D1", **message}) is None
