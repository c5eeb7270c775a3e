"""Three `marvin serve` replicas on one Firestore (the emulator) and one Slack stand-in.

As behind a load balancer: every replica answers Slack's requests and /healthz (a request
replayed to another replica is refused: the replay guard is in the store), and each
scheduled slot runs once in total. The team's reminder slot was missed two minutes before
start-up, so the three start-up catch-ups race for it; its standup slot is at the next
minute (or the one after, when the next is too close), so the three schedulers' jobs fire
it at the same moment. Then a replica is SIGKILLed in the
middle of a slot's run: a surviving replica takes the slot over (its claimer is dead), and
every member is still reminded exactly once. With MARVIN_SCHEDULER=external no replica
fires anything: POST /jobs/reminder, sent to two replicas at once, runs the slot once.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from marvin.domain.models import SlotClaim
from marvin.domain.standup import active_standup_date
from marvin.slack.replays import ALREADY_RECEIVED
from marvin.store import open_history, open_store
from marvin.store.run_records import FlowRunRecord
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.test_replicas import (
    CHANNEL,
    SECRET,
    WAIT,
    Clocks,
    base_env,
    dm_counts,
    free_port,
    seed_store,
    serving,
)

REPLICAS = 3
JOBS_TOKEN = "replicas-jobs-token"
START_UP_SECONDS = 20  # at most, for three replicas on a busy machine
MEMBERS = tuple(f"U{5000 + i}" for i in range(8))
POSTED = MEMBERS[:2]
NEEDING = MEMBERS[2:]


def seed(project: str, date: str) -> None:
    seed_store("firestore", project, date, MEMBERS, POSTED)


def firestore_env(tmp: Path, slack: SlackStandIn, project: str, emulator: str) -> dict[str, str]:
    env = base_env(tmp, tmp / "unused.db", slack)
    return {**env, "MARVIN_STORE": "firestore", "GOOGLE_CLOUD_PROJECT": project,
            "FIRESTORE_EMULATOR_HOST": emulator}


def runs_of(project: str, flow: str) -> list[FlowRunRecord]:
    history = open_history("firestore", project=project)
    try:
        return history.list_flow_runs(flow=flow)
    finally:
        history.close()


def slot_claim(project: str, job: str) -> SlotClaim | None:
    store = open_store("firestore", project=project)
    try:
        return store.get_slot_claim(job)
    finally:
        store.close()


def wait_until_done(project: str, job: str, wait: float = WAIT) -> SlotClaim:
    """The job's slot claim once it is marked done (at most `wait` seconds)."""
    deadline = time.monotonic() + wait
    while True:
        claim = slot_claim(project, job)
        if claim is not None and claim.done:
            return claim
        assert time.monotonic() < deadline, f"{job}: slot not done: {claim}"
        time.sleep(0.2)


def ask_each(ports: list[int], user: str) -> list[httpx.Response]:
    """`/standup show` from `user`, signed as Slack signs it, to each replica."""
    answers = []
    for port in ports:
        body = slash_command_body(text="show", user_id=user)
        answers.append(httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body,
                                  headers=signed_headers(SECRET, body), timeout=10))
    return answers


def replay_on_another(ports: list[int], user: str) -> list[httpx.Response]:
    """One signed request sent to the first replica, then replayed to the second."""
    body = slash_command_body(text="show", user_id=user)
    headers = signed_headers(SECRET, body)
    return [httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers,
                       timeout=10) for port in ports[:2]]


def test_three_replicas_run_each_slot_once_and_each_answers_slack_and_healthz(
    tmp_path: Path, tally: Counter[str], firestore_project: str, firestore_emulator: str
) -> None:
    clocks = Clocks.around_noon()
    # the next minute, unless it is too close for three replicas to be up by then: the
    # reminder (caught up at start-up) must run before the standup, or it is not needed
    ahead = 1 if clocks.now.second < 60 - START_UP_SECONDS else 2
    reminder, standup = clocks.hhmm(-2), clocks.hhmm(ahead)
    date = active_standup_date(clocks.team(reminder, standup), clocks.now)
    seed(firestore_project, date)
    ports = [free_port() for _ in range(REPLICAS)]
    with SlackStandIn() as slack:
        slack.set_latency(0.3)  # the runs overlap the other replicas' attempts
        env = {**firestore_env(tmp_path, slack, firestore_project, firestore_emulator),
               "MARVIN_TIMEZONE": clocks.zone, "MARVIN_REMINDER_TIME": reminder,
               "MARVIN_STANDUP_TIME": standup}
        with serving(tmp_path, env, REPLICAS, ports=ports):
            health = [httpx.get(f"http://127.0.0.1:{p}/healthz", timeout=5) for p in ports]
            answers = ask_each(ports, POSTED[0])
            replayed = replay_on_another(ports, POSTED[1])
            wait_until_done(firestore_project, "reminder:default")
            wait_until_done(firestore_project, "standup:default", wait=WAIT + 120)
        dms = dm_counts(slack)
        digests = slack.posted_messages(CHANNEL)
    reminders, standups = (runs_of(firestore_project, f) for f in ("reminder", "standup"))
    tally["runs"] += 2
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1) + max(0, len(digests) - 1)
    tally["messages lost"] += sum(1 for user in NEEDING if dms[user] == 0)

    assert [h.json() for h in health] == [{"ok": True, "store": True, "scheduler": True}] * 3
    assert [a.status_code for a in answers] == [200] * REPLICAS
    assert all(f"{POSTED[0]} shipped it" in a.text for a in answers), [a.text for a in answers]
    assert f"{POSTED[1]} shipped it" in replayed[0].text
    assert ALREADY_RECEIVED in replayed[1].text  # the replay guard is the store's, shared
    assert [r.state for r in reminders] == ["Success"]  # one run of each slot in total
    assert [r.state for r in standups] == ["Success"]
    assert dms == Counter({user: 1 for user in NEEDING})
    assert len(digests) == 1
    assert all(user in str(digests[0]["blocks"]) for user in MEMBERS)


def test_a_replica_killed_mid_run_is_taken_over_by_a_survivor_and_nobody_is_reminded_twice(
    tmp_path: Path, tally: Counter[str], firestore_project: str, firestore_emulator: str
) -> None:
    clocks = Clocks.around_noon()
    reminder, standup = clocks.hhmm(-2), clocks.hhmm(120)
    date = active_standup_date(clocks.team(reminder, standup), clocks.now)
    seed(firestore_project, date)
    with SlackStandIn() as slack:
        slack.set_latency(0.5)  # one DM at a time: ~6 s of sends, the kill lands mid-way
        env = {**firestore_env(tmp_path, slack, firestore_project, firestore_emulator),
               "MARVIN_TIMEZONE": clocks.zone, "MARVIN_REMINDER_TIME": reminder,
               "MARVIN_STANDUP_TIME": standup, "MARVIN_EXECUTOR": "local",
               # survivors look for dead claimers every 2 s (the lease, when shorter)
               "MARVIN_DELIVERY_LEASE_SECONDS": "2"}
        with serving(tmp_path, env, REPLICAS) as procs:
            deadline = time.monotonic() + WAIT
            while sum(dm_counts(slack).values()) < 2:
                assert time.monotonic() < deadline, "no DMs went out"
                time.sleep(0.01)
            claim = slot_claim(firestore_project, "reminder:default")
            assert claim is not None and not claim.done
            (winner,) = [p for p in procs if claim.owner.split(":")[1] == str(p.pid)]
            winner.send_signal(signal.SIGKILL)
            winner.wait(timeout=10)
            at_kill = sum(dm_counts(slack).values())
            done = wait_until_done(firestore_project, "reminder:default")
        dms = dm_counts(slack)
    reminders = runs_of(firestore_project, "reminder")
    tally["faults injected"] += 1
    tally["runs"] += len(reminders)
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    tally["messages lost"] += sum(1 for user in NEEDING if dms[user] == 0)

    assert 0 < at_kill < len(NEEDING), at_kill  # killed mid-way
    assert done.owner != claim.owner  # a survivor finished the slot
    assert sorted(r.state for r in reminders) == ["Running", "Success"]  # the dead one's record
    assert dms == Counter({user: 1 for user in NEEDING})


def test_with_an_external_scheduler_replicas_fire_nothing_and_two_calls_run_the_slot_once(
    tmp_path: Path, tally: Counter[str], firestore_project: str, firestore_emulator: str
) -> None:
    """Cloud Scheduler's call and its retry land on two replicas at once."""
    clocks = Clocks.around_noon()
    reminder, standup = clocks.hhmm(-2), clocks.hhmm(120)
    seed(firestore_project, active_standup_date(clocks.team(reminder, standup), clocks.now))
    ports = [free_port() for _ in range(2)]
    with SlackStandIn() as slack:
        slack.set_latency(0.3)
        env = {**firestore_env(tmp_path, slack, firestore_project, firestore_emulator),
               "MARVIN_TIMEZONE": clocks.zone, "MARVIN_REMINDER_TIME": reminder,
               "MARVIN_STANDUP_TIME": standup, "MARVIN_SCHEDULER": "external",
               "MARVIN_JOBS_TOKEN": JOBS_TOKEN}
        with serving(tmp_path, env, 2, ports=ports):
            health = httpx.get(f"http://127.0.0.1:{ports[0]}/healthz", timeout=5).json()
            time.sleep(2)  # an internal scheduler would have caught the slot up by now
            nothing_yet = runs_of(firestore_project, "reminder")
            with ThreadPoolExecutor(2) as pool:
                answers = list(pool.map(fire_reminder, ports))
            refused = httpx.post(f"http://127.0.0.1:{ports[0]}/jobs/reminder",
                                 json={"team": "default"}, timeout=10)
        dms = dm_counts(slack)
    tally["runs"] += 1
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    tally["messages lost"] += sum(1 for user in NEEDING if dms[user] == 0)

    assert health == {"ok": True, "store": True, "scheduler": "external"}
    assert nothing_yet == []
    outcomes = {a.json()["runs"][0]["outcome"]: a.status_code for a in answers}
    assert len(answers) == 2 and outcomes.pop("ran") == 200, [a.text for a in answers]
    # the other: still running (409, Cloud Scheduler retries) or done by then (200)
    assert outcomes in ({"running elsewhere": 409}, {"already ran": 200})
    (run,) = runs_of(firestore_project, "reminder")
    ran = next(a.json()["runs"][0] for a in answers if a.json()["runs"][0]["outcome"] == "ran")
    assert (ran["run_id"], ran["state"]) == (run.id, "Success")
    assert refused.status_code == 401
    assert dms == Counter({user: 1 for user in NEEDING})


def fire_reminder(port: int) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/jobs/reminder", json={"team": "default"},
                      headers={"Authorization": f"Bearer {JOBS_TOKEN}"}, timeout=WAIT)
