"""`marvin run standup` in thread mode SIGKILLed while a reply is in flight, then run
again: the parent and every reply are in the thread exactly once, and the re-run finds the
in-flight reply in the thread (``conversations.replies``), not in the channel's history.
Both stores."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.test_kill_mid_digest import (
    DATE,
    kill_then_rerun,
    open_test_store,
    store_env,  # noqa: F401 - the parametrised fixture, shared
)

USERS = ("U4001", "U4002", "U4003")


def keys_in_thread(slack: SlackStandIn) -> Counter[str]:
    testing = slack.world.channel_id("#testing")
    assert testing is not None
    return Counter(m["metadata"]["event_payload"]["key"] for m in slack.world.messages(testing))


def test_a_thread_killed_between_replies_is_complete_and_once_after_the_rerun(
    store_env: dict[str, str], tmp_path: Path, tally: Counter[str]  # noqa: F811
) -> None:
    store = open_test_store(store_env)
    try:
        store.save_team(Team(DEFAULT_TEAM, days=tuple(range(7)), digest_mode="thread"))
        for user in USERS:
            store.save_member(Member(user, DEFAULT_TEAM, f"Member {user}"))
            store.append_update(DEFAULT_TEAM, DATE, user, f"news from {user}",
                                dt.datetime(2026, 6, 8, 7, 0, tzinfo=dt.UTC))
    finally:
        store.close()
    with SlackStandIn() as slack:
        rerun = kill_then_rerun(slack, tmp_path, store_env, 2)  # a reply out, unanswered
        keys = keys_in_thread(slack)
        lookups = slack.calls_to("conversations.replies")

    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += sum(count - 1 for count in keys.values())
    tally["messages lost"] += 1 + len(USERS) - len(keys)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    base = f"digest/{DEFAULT_TEAM}/{DATE}/#testing"
    assert keys == Counter([f"{base}#0", *(f"{base}#r.{user}#0" for user in USERS)])
    assert lookups and {r.outcome for r in lookups} == {"ok"}
