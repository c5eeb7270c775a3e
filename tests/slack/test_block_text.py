"""Block Kit shown as a reader in Slack sees it (what `--dry-run` prints)."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.digest import digest_messages
from marvin.domain.models import Member, Team, Update
from marvin.slack.block_text import mrkdwn_to_text, render_blocks


@pytest.mark.parametrize(
    ("mrkdwn", "shown"),
    [
        ("<@U0001>", "@U0001"),
        ("<@U0001|ann>", "@ann"),
        ("<#C0123|general>", "#general"),
        ("<!here>", "@here"),
        ("<!subteam^S1|@devs>", "@devs"),
        ("<https://example.com|the docs>", "the docs (https://example.com)"),
        ("<https://example.com>", "https://example.com"),
        ("a &lt;b&gt; &amp;lt; c", "a <b> &lt; c"),  # a typed "&lt;" shows as typed
        ("&lt;!channel&gt;", "<!channel>"),  # escaped: literal text, not a ping
        ("*bold* _it_ `code`", "*bold* _it_ `code`"),
        ("bell\x07 and esc\x1b[31m", "bell and esc[31m"),
    ],
)
def test_mrkdwn_shows_as_slack_shows_it(mrkdwn: str, shown: str) -> None:
    assert mrkdwn_to_text(mrkdwn) == shown


def test_a_digest_renders_as_the_reader_sees_it() -> None:
    team = Team()
    members = [Member("U0001", name="Ann"), Member("U0002"), Member("U0003")]
    at = dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC)
    updates = [Update("default", "2026-11-23", "U0001",
                      ("fixed <!channel> & the *build*", "next: <https://x.example|docs>"), at)]
    [message] = digest_messages(team, "2026-11-23", updates, members)

    assert render_blocks(message.blocks) == [
        "Standup for Monday 23 November",
        "",
        "*@U0001*",
        "fixed <!channel> & the *build*",
        "next: <https://x.example|docs>",
        "",
        "No update from: @U0002, @U0003",
    ]


def test_other_blocks_are_named_not_dropped() -> None:
    blocks = [{"type": "divider"}, {"type": "image", "image_url": "x"},
              {"type": "section", "fields": [{"type": "plain_text", "text": "a"},
                                             {"type": "mrkdwn", "text": "<@U1>"}]}]

    assert render_blocks(blocks) == ["―" * 20, "", "[image block]", "", "a", "@U1"]
