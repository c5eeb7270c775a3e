"""POST /jobs/{flow} with a shared bearer token: which slot runs, once, and every refusal.

Times are fixed on Monday 2026-06-08 (the default team reminds at 08:30 and posts at 09:00
UTC); no flow runs: `run` is a fake that notes what it was asked and answers a run.
The route runs through the real `FlowScheduler.run_slot` and its claims in a SQLite store.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marvin.domain.models import SlotClaim, Team
from marvin.store.sqlite.store import SqliteStore
from marvin.web.jobs import EARLY_SECONDS
from tests.web.jobs_harness import MONDAY, SLOT, TOKEN, MakeService, Service, post


@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    return sqlite_store


def test_a_call_at_the_slot_runs_it_and_a_duplicate_or_retry_answers_already_ran(
    jobs_service: MakeService, store: SqliteStore,
) -> None:
    svc = jobs_service(store, SLOT + dt.timedelta(seconds=5))

    first = post(svc, "reminder")
    svc.clock[0] += dt.timedelta(seconds=40)  # Cloud Scheduler's retry
    again = post(svc, "reminder")

    assert first.status_code == 200, first.text
    assert first.json() == {"flow": "reminder", "team": "default", "runs": [{
        "job": "reminder:default", "slot": SLOT.isoformat(), "outcome": "ran",
        "run_id": "run-1", "state": "Success"}]}
    assert again.status_code == 200
    assert again.json()["runs"] == [{"job": "reminder:default", "slot": SLOT.isoformat(),
                                     "outcome": "already ran"}]
    assert svc.run.calls == [("reminder", {"team": "default"}, SLOT)]


def test_a_call_a_little_early_or_late_finds_its_slot_and_the_body_may_name_it(
    jobs_service: MakeService, store: SqliteStore,
) -> None:
    early = jobs_service(store, SLOT - dt.timedelta(seconds=EARLY_SECONDS - 1))
    assert post(early, "reminder").json()["runs"][0]["slot"] == SLOT.isoformat()

    late = jobs_service(store, MONDAY.replace(hour=9, minute=9))  # 9 min after 09:00
    named = post(late, "standup", {"team": "default", "slot": "2026-06-08T10:00:00+01:00"})
    assert named.status_code == 200, named.text
    assert late.run.calls == [("standup", {"team": "default"}, MONDAY.replace(hour=9))]


@pytest.mark.parametrize("now, why", [
    (SLOT - dt.timedelta(minutes=5), "the next is at 2026-06-08T08:30:00+00:00"),
    (SLOT + dt.timedelta(minutes=11), "to 600 s after"),  # past the grace period
    (MONDAY.replace(day=13, hour=8, minute=30), "the next is at 2026-06-15"),  # Saturday
])
def test_a_call_with_no_slot_due_is_refused_with_409_and_why(
    jobs_service: MakeService, store: SqliteStore, now: dt.datetime, why: str
) -> None:
    svc = jobs_service(store, now)

    answer = post(svc, "reminder")

    assert answer.status_code == 409
    assert why in answer.json()["error"]
    assert svc.run.calls == []


def test_a_named_slot_that_is_not_the_due_one_is_refused(
    jobs_service: MakeService, store: SqliteStore
) -> None:
    svc = jobs_service(store, SLOT)

    answer = post(svc, "reminder", {"team": "default", "slot": "2026-06-08T08:31:00+00:00"})

    assert answer.status_code == 409 and svc.run.calls == []


def test_a_member_zoned_reminder_runs_the_zone_asked_for(
    jobs_service: MakeService, store: SqliteStore
) -> None:
    store.save_team(Team(name="eng", timezone="UTC", reminder_time="08:30",
                         reminder_zone="member", days=(0, 1, 2, 3, 4)))
    svc = jobs_service(store, SLOT)

    answer = post(svc, "reminder", {"team": "eng", "zone": "UTC"})
    missing = post(svc, "reminder", {"team": "eng", "zone": "Asia/Tokyo"})

    assert answer.json()["runs"][0]["job"] == "reminder:eng@UTC"
    assert missing.status_code == 409
    assert "no reminder schedule in zone Asia/Tokyo" in missing.json()["error"]


@pytest.mark.parametrize("headers, why", [
    ({}, "missing 'Authorization: Bearer <token>' header"),
    ({"Authorization": "Basic " + TOKEN}, "missing"),
    ({"Authorization": "Bearer wrong-token"}, "not accepted"),
    ({"Authorization": "Bearer " + TOKEN + "x"}, "not accepted"),
    ({"Authorization": "Bearer a.b.c"}, "not accepted"),  # no audience: no ID tokens
])
def test_missing_or_bad_credentials_get_401_and_run_nothing(
    jobs_service: MakeService, store: SqliteStore, headers: dict[str, str], why: str
) -> None:
    svc = jobs_service(store, SLOT)

    answer = post(svc, "reminder", headers=headers)

    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert why in answer.json()["error"]
    assert svc.run.calls == []


@pytest.mark.parametrize("raw, status, why", [
    (b"not json", 400, "must be JSON"),
    (b"[1]", 400, "JSON object"),
    (b'{"team": "nobody"}', 400, "no team named 'nobody'"),
    (b'{"team": "../etc"}', 400, "a team name is"),
    (b'{"team": 3}', 400, "must be strings"),
    (b'{"team": "default", "when": 1}', 400, "unknown field(s) ['when']"),
    (b'{"workspace": "T0123"}', 400, "single-token mode"),
    (b'{"workspace": 7}', 400, "must be strings"),
    (b'{"slot": "yesterday"}', 400, "Invalid isoformat"),
    (b'{"slot": "2026-06-08T08:30:00"}', 400, "UTC offset"),
    (b"\xff\xfe", 400, "must be JSON"),
    (b"{" + b" " * 5000 + b"}", 413, "too large"),
])
def test_a_bad_body_gets_a_4xx_that_says_why(
    jobs_service: MakeService, store: SqliteStore, raw: bytes, status: int, why: str
) -> None:
    svc = jobs_service(store, SLOT)

    answer = post(svc, "reminder", raw=raw)

    assert answer.status_code == status, answer.text
    assert why in answer.json()["error"]
    assert svc.run.calls == []


def test_an_empty_body_means_the_default_team(
    jobs_service: MakeService, store: SqliteStore
) -> None:
    svc = jobs_service(store, SLOT)
    assert post(svc, "reminder", raw=b"").status_code == 200


def test_an_unknown_flow_is_404_and_a_flow_the_team_does_not_schedule_409(
    jobs_service: MakeService, store: SqliteStore,
) -> None:
    svc = jobs_service(store, SLOT)

    assert post(svc, "member_inactive", headers={}).status_code == 404  # not a scheduled flow
    nudge = post(svc, "nudge")  # the default team has no nudge

    assert nudge.status_code == 409
    assert "has no nudge schedule" in nudge.json()["error"]


def test_with_the_internal_scheduler_the_route_answers_409(
    jobs_service: MakeService, store: SqliteStore
) -> None:
    svc = jobs_service(store, SLOT, scheduler="internal")

    answer = post(svc, "reminder")

    assert answer.status_code == 409
    assert "MARVIN_SCHEDULER=internal" in answer.json()["error"]
    assert svc.run.calls == []


def test_while_shutting_down_or_when_the_run_cannot_start_it_answers_503_for_a_retry(
    jobs_service: MakeService, store: SqliteStore,
) -> None:
    svc = jobs_service(store, SLOT)
    svc.run.error = RuntimeError("no Slack client")
    cannot = post(svc, "reminder")
    svc.scheduler.stop_firing()
    svc.clock[0] = MONDAY.replace(hour=9)
    stopping = post(svc, "standup")

    assert cannot.status_code == 503
    assert cannot.json()["runs"][0]["outcome"] == "failed to start"
    assert stopping.status_code == 503
    assert stopping.json()["runs"][0]["outcome"] == "not started"
    assert [flow for flow, _, _ in svc.run.calls] == ["reminder"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(
    st.binary(max_size=200),
    st.dictionaries(st.sampled_from(["team", "zone", "slot", "workspace", "x"]),
                    st.one_of(st.none(), st.integers(), st.text(max_size=30),
                              st.lists(st.integers(), max_size=2)), max_size=4)
    .map(lambda d: json.dumps(d).encode()),
))
def test_no_body_an_authenticated_caller_can_send_gets_a_500(
    jobs_at_seven: Service, body: bytes
) -> None:
    answer = post(jobs_at_seven, "reminder", raw=body)

    assert answer.status_code in (400, 409), (body, answer.text)
    assert jobs_at_seven.run.calls == []  # nothing is due at 07:30: nothing ran


@pytest.fixture
def jobs_at_seven(jobs_service: MakeService, store: SqliteStore) -> Service:
    return jobs_service(store, SLOT - dt.timedelta(hours=1))


def test_a_slot_still_running_elsewhere_answers_409_so_cloud_scheduler_retries(
    jobs_service: MakeService, store: SqliteStore
) -> None:
    """Running on another host, within its lease: not run here; a retry comes back later
    and learns it ran, or takes it over once the lease ran out."""
    store.swap_slot_claim(None, SlotClaim("reminder:default", SLOT, "another-host:42:4242",
                                          SLOT))
    svc = jobs_service(store, SLOT + dt.timedelta(seconds=30))

    answer = post(svc, "reminder")
    svc.clock[0] = SLOT + dt.timedelta(seconds=301)  # the claim's lease (300 s) ran out
    retried = post(svc, "reminder")

    assert answer.status_code == 409
    assert answer.json()["runs"][0]["outcome"] == "running elsewhere"
    assert retried.status_code == 200
    assert retried.json()["runs"][0]["outcome"] == "ran"
    assert len(svc.run.calls) == 1
