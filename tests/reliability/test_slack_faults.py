"""Slack misbehaving during the reminder and the digest: nothing lost, nothing doubled.

Eight members (U0002 and U0005 have posted) on SQLite and Firestore, `ThreadExecutor(4)`,
the production `SlackWebChat` against the stand-in, which answers 429 with Retry-After: 1,
500, 503, slow answers and ``ok: false`` errors for particular targets. Every count is
taken from what the stand-in received; a DM "went out" when a ``chat.postMessage`` to its
channel succeeded there.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from marvin.domain.models import DeliveryKind
from marvin.engine import FlowRun, TaskRun, ThreadExecutor
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import (
    ALERTS,
    DATE,
    REMINDER_AT,
    STANDUP_AT,
    TEAM,
    add_members,
    assert_retry_after_honoured,
    faulted,
    post_update,
    run,
    services_on,
)

MEMBERS = tuple(f"U000{n}" for n in range(1, 9))
POSTED = ("U0002", "U0005")
#: member -> (target the stand-in refuses, Slack's error): a different call fails for each
UNREACHABLE = {
    "U0007": ("U0007", "channel_not_found"),  # chat.postMessage fails; users.info too
}
#: member -> Slack's error for an account that is gone: skipped and marked inactive
GONE = {
    "U0003": "user_not_found",  # chat.postMessage to the user (and its DM channel)
    "U0006": "account_inactive",  # chat.postMessage; users.info says deactivated
}
REACHABLE = tuple(u for u in MEMBERS if u not in POSTED and u not in UNREACHABLE
                  and u not in GONE)
DIGEST_CHANNEL = "#general"


def seed(store: Store) -> None:
    add_members(store, MEMBERS)
    for user_id in POSTED:
        post_update(store, user_id, f"{user_id}: reviews, then the release")


def child(
    run_: FlowRun, task: str, user_id: str, members: tuple[str, ...] = MEMBERS
) -> TaskRun:
    """The mapped child of `task` for a member (members come sorted by user id)."""
    children = run_.task_run(task).children
    assert children is not None, f"{task} did not map: {run_.task_run(task).state!r}"
    return children[members.index(user_id)]


def dm_counts(standin: SlackStandIn) -> Counter[str]:
    """Successful chat.postMessage calls per DM channel."""
    return Counter(
        str(m["channel"]) for m in standin.posted_messages() if str(m["channel"]).startswith("D")
    )


def reminded(store: Store) -> list[str]:
    return sorted(
        d.target
        for d in store.list_deliveries(TEAM, DATE)
        if d.kind is DeliveryKind.REMINDER and d.sent
    )


def test_reminders_survive_transient_and_permanent_faults_then_a_rerun_completes(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    seed(store)
    for target, error in UNREACHABLE.values():
        standin.fail_for_channel(target, error)
    standin.fail_for_channel("U0003", "user_not_found")
    standin.fail_for_channel("U0006", "account_inactive", methods=("chat.postMessage",))
    standin.world.delete_user("U0006")
    standin.fail_next("chat.postMessage", 1, status=429, retry_after=1)
    # (a 503 on a keyed DM post, which Slack may have acted on, is tests/flows/
    # test_delivery_unknown.py's: here it could land on a gone member's post, whose DM
    # then cannot be opened to look, so which state that member ends in would be luck)
    standin.set_latency(0.2, "chat.postMessage")  # a slow Slack, well under the timeout
    services = services_on(standin.url, store)

    first = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))

    outcomes = Counter(faulted(standin))
    tally["faults injected"] += sum(outcomes.values())
    # every transient fault was served (and so retried past), none left queued
    assert outcomes["http:429"] == 1
    assert_retry_after_honoured(standin)
    counts = dm_counts(standin)
    assert counts == Counter({f"D{u}": 1 for u in REACHABLE}), counts
    for user_id in POSTED:
        assert child(first, "send_reminder", user_id).state.is_skipped()
    for user_id in REACHABLE:
        assert child(first, "send_reminder", user_id).state.name == "Success"
    for user_id, (target, error) in UNREACHABLE.items():
        state = child(first, "send_reminder", user_id).state
        assert state.is_failed(), (user_id, state)
        # the refusal itself, or (when a 503 on the post came first, so the DM may be out)
        # the same refusal while asking Slack whether it went out: unknown, not re-sent
        assert state.message in (
            f"could not remind {user_id}: {error}",
            f"could not remind {user_id}: not sent again, because Slack cannot tell whether it "
            f"already went out after chat.postMessage failed: service_unavailable: could not "
            f"read its history ({error}); fix that and run again: only what Slack lacks is sent",
        ), state.message
        about = [(c.method, c.outcome) for c in standin.calls if target in c.params.values()]
        refused_at = about.index(next(a for a in about if a[1] == f"error:{error}"))
        # permanent: nothing tried after it but asking whether the account is gone
        assert [a for a in about[refused_at + 1:] if a[0] != "users.info"] == [], about
    for user_id, error in GONE.items():  # not the run's failure: skipped, marked inactive
        assert child(first, "send_reminder", user_id).state.is_skipped()
        member = store.get_member(user_id)
        assert member is not None and member.inactive_reason == error
    assert first.state.is_failed()
    [alert] = [m for m in standin.posted_messages(ALERTS) if "run failed" in m["text"]]
    for user_id, (_target, error) in UNREACHABLE.items():
        assert user_id in alert["text"] and error in alert["text"]
    assert not any(user_id in alert["text"] for user_id in GONE)
    assert len(standin.posted_messages(ALERTS)) == 1 + len(GONE)  # each gone member, once
    assert reminded(store) == sorted(REACHABLE)

    standin.reset()  # Slack is well again; U0007 is reachable now (the gone stay inactive)
    second = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))

    assert second.state.is_successful(), second.state
    assert dm_counts(standin) == Counter({f"D{u}": 1 for u in UNREACHABLE})
    assert standin.posted_messages(ALERTS) == []
    for user_id in REACHABLE:
        assert child(second, "send_reminder", user_id).state.is_skipped()
    assert reminded(store) == sorted((*REACHABLE, *UNREACHABLE))
    total = counts + dm_counts(standin)
    tally["duplicates"] += sum(n - 1 for n in total.values() if n > 1)
    tally["messages lost"] += sum(1 for u in (*REACHABLE, *UNREACHABLE) if not total[f"D{u}"])
    assert total == Counter({f"D{u}": 1 for u in (*REACHABLE, *UNREACHABLE)})


def test_faults_that_outlast_the_clients_retries_are_retried_by_the_engine(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Six 500s in a row: some sends give up inside slack-sdk (3 attempts) and the engine's
    task retry (4 runs) sends them; the claim is released in between, never doubled. Two
    ``ok: false`` errors that may pass (HTTP 200, so slack-sdk does not retry them) go the
    same way."""
    seed(store)
    standin.fail_next("chat.postMessage", 6, status=500)
    standin.fail_next("chat.postMessage", 1, status=200, error="internal_error")
    standin.fail_next("chat.postMessage", 1, status=200, error="ratelimited")
    services = services_on(standin.url, store)

    result = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += len(faulted(standin))
    assert Counter(faulted(standin)) == Counter(
        {"http:500": 6, "error:internal_error": 1, "error:ratelimited": 1}
    )
    assert result.state.is_successful(), result.state
    not_posted = [u for u in MEMBERS if u not in POSTED]
    assert dm_counts(standin) == Counter({f"D{u}": 1 for u in not_posted})
    assert reminded(store) == sorted(not_posted)


def test_a_read_timeout_is_not_resent_even_by_a_rerun(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """A latency spike past the client's timeout: Slack took the DM but answered late.
    Whatever Marvin concludes (README: it asks Slack whether the message went out), the DM
    must not go out again, in this run or a re-run."""
    few = ("U0001", "U0004")
    add_members(store, few)
    standin.set_latency(0.6, "chat.postMessage")
    services = services_on(standin.url, store, timeout=0.3)

    first = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))
    standin.set_latency(0)
    again = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += 2  # two DMs answered after the client's timeout
    for user_id in few:
        state = child(first, "send_reminder", user_id, few).state
        assert state.is_successful() or "may have been sent" in (state.message or ""), state
        assert child(again, "send_reminder", user_id, few).state.is_skipped()
    counts = dm_counts(standin)
    tally["duplicates"] += sum(n - 1 for n in counts.values() if n > 1)
    assert counts == Counter({"DU0001": 1, "DU0004": 1})
    dm_posts = [c for c in standin.calls_to("chat.postMessage") if c.params["channel"] != ALERTS]
    assert len(dm_posts) == 2  # none re-sent
    assert reminded(store) == ["U0001", "U0004"]  # claimed for good: a re-run cannot resend


def test_the_digest_is_posted_exactly_once_through_rate_limits_and_5xx(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    seed(store)
    standin.fail_next("chat.postMessage", 1, status=429, retry_after=1)
    standin.fail_next("chat.postMessage", 1, status=500)
    standin.set_latency(0.2, "chat.postMessage")
    services = services_on(standin.url, store, at=STANDUP_AT)

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))
    again = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += len(faulted(standin))
    assert faulted(standin) == ["http:429", "http:500"]
    assert_retry_after_honoured(standin)
    assert first.state.is_successful(), first.state
    assert again.state.is_successful() and again.task_run("post_digest").state.is_skipped()
    assert len(standin.posted_messages(DIGEST_CHANNEL)) == 1
    assert standin.posted_messages(ALERTS) == []


def test_a_digest_slack_refuses_fails_alerts_and_posts_once_when_fixed(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    seed(store)
    standin.fail_for_channel(DIGEST_CHANNEL, "not_in_channel")
    services = services_on(standin.url, store, at=STANDUP_AT)

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += len(faulted(standin))
    state = first.task_run("post_digest").state
    assert state.is_failed()
    assert state.message == f"could not post the digest to {DIGEST_CHANNEL}: not_in_channel"
    assert first.task_run("post_digest").run_count == 1
    assert standin.posted_messages(DIGEST_CHANNEL) == []
    [alert] = standin.posted_messages(ALERTS)
    assert "*standup* run failed" in alert["text"] and "not_in_channel" in alert["text"]

    standin.reset()  # Marvin was invited to the channel
    second = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    assert second.state.is_successful(), second.state
    assert len(standin.posted_messages(DIGEST_CHANNEL)) == 1
    assert standin.posted_messages(ALERTS) == []


def test_an_alert_that_cannot_be_posted_does_not_hide_the_failure(
    store: Store, standin: SlackStandIn, caplog: pytest.LogCaptureFixture, tally: Counter[str]
) -> None:
    seed(store)
    standin.fail_for_channel(DIGEST_CHANNEL, "not_in_channel")
    standin.fail_for_channel(ALERTS, "channel_not_found")
    services = services_on(standin.url, store, at=STANDUP_AT)

    result = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += len(faulted(standin))
    assert result.state.is_failed()
    assert "not_in_channel" in (result.task_run("post_digest").state.message or "")
    assert standin.posted_messages() == []
    assert f"could not alert {ALERTS}" in caplog.text and "channel_not_found" in caplog.text


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # delivery logic, not the store
@pytest.mark.parametrize("flow", ["reminder", "standup"])
def test_a_timed_out_send_is_not_repeated_when_marvins_clock_runs_ahead_of_slacks(
    store: Store, standin: SlackStandIn, tally: Counter[str], flow: str
) -> None:
    """Marvin's host clock 5 s ahead of Slack's (NTP off, a drifting VM); the post is
    accepted but answered after the client's timeout. Found by this suite: the look-up
    in Slack started at Marvin's claim time minus 1 s, missed the message, and it went out
    once per engine try (4x); marvin.delivery now looks back CLOCK_SKEW seconds."""
    add_members(store, ("U0001",))
    if flow == "standup":
        post_update(store, "U0001", "done")
    standin.set_latency(0.6, "chat.postMessage")
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    services = services_on(
        standin.url, store, ahead, settings={"alert_channel": None}, timeout=0.3
    )
    run(flow, {"team": TEAM, "date": DATE}, services, ThreadExecutor(4))

    posts = Counter(str(m["channel"]) for m in standin.posted_messages())
    tally["faults injected"] += 1
    tally["duplicates"] += sum(n - 1 for n in posts.values())
    assert list(posts.values()) == [1], posts


@pytest.mark.parametrize("flow", ["reminder", "standup"])
@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_after_slack_posted_is_not_posted_again(
    store: Store, standin: SlackStandIn, tally: Counter[str], flow: str, status: int
) -> None:
    """Slack posts the message, then answers 5xx (a gateway failing after the write).
    Found by this suite: slack-sdk's server-error handler re-posted it at once, twice in
    Slack. A post with a delivery key is now never retried blindly on a 5xx: Marvin asks
    Slack, finds it, and completes the delivery."""
    add_members(store, ("U0001",))
    if flow == "standup":
        post_update(store, "U0001", "done")
    standin.fail_next("chat.postMessage", 1, status=status, after_acting=True)
    at = STANDUP_AT if flow == "standup" else REMINDER_AT
    services = services_on(standin.url, store, at=at)

    first = run(flow, {"team": TEAM}, services, ThreadExecutor(4))
    again = run(flow, {"team": TEAM}, services, ThreadExecutor(4))

    posts = Counter(str(m["channel"]) for m in standin.posted_messages())
    tally["faults injected"] += 1
    tally["duplicates"] += sum(n - 1 for n in posts.values())
    assert first.state.is_successful(), first.state
    assert list(posts.values()) == [1], posts
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert all(d.sent for d in store.list_deliveries(TEAM, DATE))
    send = "send_reminder" if flow == "reminder" else "post_digest"
    skipped = again.task_run(send)
    assert (skipped.children[0] if skipped.children else skipped).state.is_skipped()


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # client behaviour, not the store
@pytest.mark.timeout(60)  # four hour-long waits would hang here
def test_an_hour_long_retry_after_fails_the_send_instead_of_holding_the_run(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Found by this suite: slack-sdk sleeps for any Retry-After, so a 429 asking for an
    hour held a flow thread (and the scheduler's job) for an hour per try. Waits over
    MAX_RETRY_AFTER now fail the call as transient: the run fails and alerts, and a re-run
    once Slack allows it sends the reminder, once."""
    add_members(store, ("U0001",))
    standin.fail_next("chat.postMessage", 4, status=429, retry_after=3600)
    services = services_on(standin.url, store)

    first = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))
    again = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += 4
    state = child(first, "send_reminder", "U0001", ("U0001",)).state
    assert state.is_failed() and "ratelimited" in (state.message or ""), state
    assert len(standin.posted_messages(ALERTS)) == 1
    assert again.state.is_successful(), again.state
    assert dm_counts(standin) == Counter({"DU0001": 1})


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)  # delivery logic, not the store
def test_a_permanent_refusal_while_asking_slack_fails_the_send_at_once(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Found by this suite (a flaky run): a 503 on a DM, then ``channel_not_found`` when
    Marvin asks Slack whether it went out. That refusal was taken for "Slack cannot say"
    and the retry asked again. Now a permanent refusal while asking fails the send at once
    and says so; it cannot prove the DM is absent, so the claim is handed over (not given
    back) and the re-run asks Slack again before sending."""
    add_members(store, ("U0001",))
    standin.fail_next("chat.postMessage", 1, status=503)
    standin.fail_next("conversations.history", 1, status=200, error="channel_not_found")
    services = services_on(standin.url, store)

    first = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))
    again = run("reminder", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += 2
    failed = child(first, "send_reminder", "U0001", ("U0001",))
    assert failed.state.message == (
        "could not remind U0001: not sent again, because Slack cannot tell whether it already went "
        "out after chat.postMessage failed: service_unavailable: could not read its history "
        "(channel_not_found); fix that and run again: only what Slack lacks is sent"
    ), failed.state
    assert failed.run_count == 1
    assert again.state.is_successful(), again.state  # asked again: absent, so sent once
    assert dm_counts(standin) == Counter({"DU0001": 1})
