"""docs/slack-ui.md ends with the "Digest modes" section the builders make today, and
every message in it passes Slack's checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

from marvin.testing.slack_limits_check import check_message
from tests.support.digest_modes_doc import render

PAGE = Path(__file__).resolve().parents[1] / "docs" / "slack-ui.md"


def test_the_section_is_up_to_date_and_last() -> None:
    assert PAGE.read_text().endswith("\n" + render()), (
        "docs/slack-ui.md's Digest modes section is out of date: replace it with the output "
        "of .venv/bin/python -m tests.support.digest_modes_doc")


def test_every_message_in_the_section_is_accepted_by_the_stand_in() -> None:
    found = [json.loads(m) for m in re.findall(r"```json\n(.*?)\n```", render(), re.S)]
    assert len(found) == 4
    for message in found:
        assert check_message({"channel": "C1", "text": "fallback", **message}) is None
