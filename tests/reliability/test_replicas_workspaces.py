"""Two `marvin serve` replicas in OAuth mode on one Firestore (the emulator) and one Slack
stand-in, serving four workspaces installed beforehand.

Every workspace has a team ``default`` with the same three member ids (three people per
workspace, each in that workspace's world). The reminder slot was missed two minutes
before start-up, so both replicas' catch-ups race for each workspace's slot at once:
each slot is claimed and run once in total, by one replica or the other, each member of
each workspace is reminded exactly once with that workspace's token, and each run is
recorded in that workspace's own history.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from cryptography.fernet import Fernet

from marvin.domain.workspace import Workspace
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.test_replicas import WAIT, Clocks, serving
from tests.reliability.test_replicas_firestore import firestore_env
from tests.support.many_workspaces import (
    ReminderClaims,
    dms_by_workspace,
    install_all,
    oauth_env,
    reminder_runs,
)

REPLICAS, WORKSPACES, MEMBERS = 2, 4, 3


def test_two_replicas_remind_every_member_of_every_workspace_once_with_its_own_token(
    tmp_path: Path, tally: Counter[str], firestore_project: str, firestore_emulator: str
) -> None:
    clocks = Clocks.around_noon()
    key = Fernet.generate_key().decode()
    with SlackStandIn() as slack:
        slack.set_latency(0.05)  # the runs overlap the other replica's attempts
        installed = install_all(slack, firestore_project, key, WORKSPACES, MEMBERS)
        env = {**firestore_env(tmp_path, slack, firestore_project, firestore_emulator),
               **oauth_env(key), "MARVIN_TIMEZONE": clocks.zone,
               "MARVIN_REMINDER_TIME": clocks.hhmm(-2), "MARVIN_STANDUP_TIME": clocks.hhmm(120)}
        del env["SLACK_BOT_TOKEN"]
        claims = ReminderClaims(firestore_project, installed.workspaces)
        try:
            with serving(tmp_path, env, REPLICAS) as procs:
                owners = _all_done(claims, WORKSPACES)
                pids = [str(p.pid) for p in procs]
        finally:
            claims.close()
        dms = dms_by_workspace(slack, installed)
    runs = {w: reminder_runs(firestore_project, w) for w in installed.workspaces}
    expected = installed.expected_dms()
    tally["runs"] += sum(len(r) for r in runs.values())
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    tally["messages lost"] += sum(1 for k in expected if dms[k] == 0)

    assert dms == expected
    assert {owner.split(":")[1] for owner in owners.values()} <= set(pids)
    assert {w: [r.state for r in rs] for w, rs in runs.items()} == {
        w: ["Success"] for w in installed.workspaces}  # one run per slot, in its own history


def _all_done(claims: ReminderClaims, count: int) -> dict[Workspace, str]:
    deadline = time.monotonic() + WAIT
    while len(owners := claims.done()) < count:
        assert time.monotonic() < deadline, f"slots done: {sorted(w.key for w in owners)}"
        time.sleep(0.2)
    return owners
