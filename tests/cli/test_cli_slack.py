"""The `marvin` console script against the Slack stand-in: posts through SLACK_API_URL, channels
checked with Slack, and Slack refusing or unreachable, each a clear line and an exit code.
"""

from __future__ import annotations

import re

import pytest

from marvin.store import open_history
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.cli.harness import SECRET, Cli, closed_port_url


def test_run_standup_posts_to_testing_through_slack_api_url(
    cli: Cli, standin: SlackStandIn
) -> None:
    cli.add_members("U0001", "U0002")

    result = cli("-v", "run", "standup", "--date", "2026-11-23", SLACK_API_URL=standin.url)

    assert result.returncode == 0, result.stdout + result.stderr
    [digest] = standin.posted_messages()
    assert digest["channel"] == standin.world.channel_id("#testing")  # posted by id
    assert digest["text"] == "Standup for Monday 23 November: 0 posted, 2 missing"
    assert {call.token for call in standin.calls} == {SECRET}  # sent, but never printed
    assert re.search(r"│ post_digest +│ Success ", result.stdout)
    assert "flow run: Success" in result.stdout


def test_run_standup_exits_1_when_slack_refuses_the_post(
    cli: Cli, standin: SlackStandIn
) -> None:
    cli.add_members("U0001")
    standin.fail_next("chat.postMessage", status=200, error="is_archived")

    result = cli("run", "standup", "--date", "2026-11-23", SLACK_API_URL=standin.url)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert standin.posted_messages() == []
    assert [c.outcome for c in standin.calls_to("chat.postMessage")] == ["error:is_archived"]
    assert re.search(r"│ post_digest +│ Failed +│ could not post the digest to #testing: "
                     r"is_archived", result.stdout)
    assert "flow run: Failed" in result.stdout


def test_team_set_checks_the_channel_with_slack_and_keeps_its_id(
    cli: Cli, standin: SlackStandIn
) -> None:
    saved = cli("team", "set", "eng", "--channel", "#testing", SLACK_API_URL=standin.url)

    assert saved.returncode == 0, saved.stderr
    store = SqliteStore(str(cli.db))
    try:
        kept = store.get_channel("testing")
    finally:
        store.close()
    assert kept is not None and kept.id == standin.world.channel_id("#testing")


@pytest.mark.parametrize(
    ("channel", "private"), [("#nope", False), ("#leads", True)], ids=["missing", "private"]
)
def test_team_set_refuses_a_channel_marvin_cannot_see_in_one_line(
    cli: Cli, standin: SlackStandIn, channel: str, private: bool
) -> None:
    if private:
        standin.world.add_channel("leads", private=True)  # the bot was never invited

    result = cli("team", "set", "eng", "--channel", channel, SLACK_API_URL=standin.url)

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Error: --channel: Slack has no channel {channel} that Marvin can see; check the "
        f"name, or if it is private, invite @Marvin to {channel}"
    )
    assert "saved team" not in result.stdout


@pytest.mark.parametrize(("args", "option"), [
    (("team", "set", "x" * 1480), "NAME"),
    (("team", "set", "eng", "--channel", "#" + "c" * 81), "--channel"),
    (("team", "add", "U0001", "--team", "ops/x"), "--team"),
], ids=["long-name", "long-channel", "slash"])
def test_names_no_store_id_could_hold_are_refused_before_anything_is_saved(
    cli: Cli, args: tuple[str, ...], option: str
) -> None:
    result = cli(*args)

    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"'{option}'" in result.stderr and "80" in result.stderr
    assert "saved" not in result.stdout and "added" not in result.stdout
    assert "x" * 100 not in result.stderr


def test_a_missing_alert_channel_stops_a_run_at_its_start(
    cli: Cli, standin: SlackStandIn
) -> None:
    cli.add_members("U0001")

    result = cli("run", "standup", "--date", "2026-11-23", SLACK_API_URL=standin.url,
                 MARVIN_ALERT_CHANNEL="#alarms")

    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "Error: MARVIN_ALERT_CHANNEL: Slack has no channel #alarms that Marvin can see"
    )
    assert standin.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("variable", ["MARVIN_ALERT_CHANNEL", "MARVIN_STANDUP_CHANNEL"])
def test_serve_refuses_to_start_with_a_channel_slack_does_not_have(
    cli: Cli, standin: SlackStandIn, variable: str
) -> None:
    result = cli("serve", SLACK_API_URL=standin.url, SLACK_SIGNING_SECRET="serve-secret",
                 MARVIN_PORT="1", **{variable: "#nope"})

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        f"Error: {variable}: Slack has no channel #nope that Marvin can see; check the "
        "name, or if it is private, invite @Marvin to #nope"
    )


def test_run_standup_with_slack_unreachable_fails_at_once_naming_the_url(cli: Cli) -> None:
    """A refused connection is asked once, not retried by the client and by the task
    (it was 16 attempts over ~32 s and an ERROR line from slack_sdk for each)."""
    cli.add_members("U0001")
    url = closed_port_url()

    result = cli("run", "standup", "--date", "2026-11-23", SLACK_API_URL=url)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "slack_sdk" not in result.stderr
    [line] = result.stderr.strip().splitlines()  # one line for the one failed call
    # the first call finds #testing's channel id; it is refused, and nothing else is tried
    assert f"conversations.list to * failed: connection refused by {url} (SLACK_API_URL)" \
        in line
    assert re.search(r"│ post_digest +│ Failed +│ could not post the digest to #testing: "
                     r"connection refused by " + re.escape(url), result.stdout)
    history = open_history(f"sqlite:///{cli.db}")
    try:
        [run] = history.list_flow_runs(limit=5)
        detail = history.get_run(run.id)
    finally:
        history.close()
    assert detail is not None
    slack_calls = [e for e in detail.events if e.system == "slack"]
    assert [(e.method, e.outcome) for e in slack_calls] == [
        ("conversations.list", "connection_refused")]
    [post] = [t for t in detail.task_runs if t.task == "post_digest"]
    assert post.run_count == 1  # permanent: the task is not retried either


def test_serve_with_slack_unreachable_is_one_line_naming_the_url(cli: Cli) -> None:
    url = closed_port_url()

    result = cli("serve", SLACK_API_URL=url, SLACK_SIGNING_SECRET="abc123", MARVIN_PORT="1")

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"Configuration error: cannot reach Slack at {url} (SLACK_API_URL): ")
    assert "Connection refused" in line


APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"


def test_serve_with_a_refused_app_token_is_one_line_naming_it(
    cli: Cli, standin: SlackStandIn
) -> None:
    standin.refuse_token(APP_TOKEN)

    result = cli("serve", SLACK_API_URL=standin.url, SLACK_APP_TOKEN=APP_TOKEN,
                 SLACK_SIGNING_SECRET=None, MARVIN_PORT="1")

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        "Configuration error: Slack refused SLACK_APP_TOKEN (invalid_auth): check the "
        "app-level token (xapp-, scope connections:write; README, 'Slack app setup')"
    )
    [call] = standin.calls_to("apps.connections.open")
    assert call.token == APP_TOKEN and call.outcome == "error:invalid_auth"


def test_team_add_keeps_the_members_zone_from_slack(cli: Cli, standin: SlackStandIn) -> None:
    standin.world.set_user("U0001", tz="Asia/Tokyo")

    added = cli("team", "add", "U0001", SLACK_API_URL=standin.url)

    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines() == ["added U0001 to team default", "time zone: Asia/Tokyo"]
    store = SqliteStore(str(cli.db))
    try:
        prefs = store.get_member_prefs("U0001")
        assert prefs is not None and prefs.tz == "Asia/Tokyo"
    finally:
        store.close()


def test_team_add_with_slack_unreachable_adds_and_says_the_zone_is_not_known(cli: Cli) -> None:
    added = cli("team", "add", "U0001")

    assert added.returncode == 0 and added.stdout.strip() == "added U0001 to team default"
    assert "time zone of U0001: not known yet" in added.stderr and "Traceback" not in added.stderr
    store = SqliteStore(str(cli.db))
    try:
        assert store.get_member("U0001") is not None
        assert store.get_member_prefs("U0001") is None
    finally:
        store.close()
