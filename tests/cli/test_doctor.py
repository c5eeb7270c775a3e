"""`marvin doctor`: passes against a correctly set-up Slack (the stand-in), and names each
deliberate misconfiguration with its fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from google.api_core import exceptions as gexc

from marvin.cli.doctor import Check, run_checks
from marvin.domain.models import Team
from marvin.settings import Settings
from marvin.slack.scopes import REQUIRED_SCOPES
from marvin.store import Store
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.cli.harness import Cli
from tests.support.firestore_faults import FirestoreFaults

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path: Path, standin: SlackStandIn) -> Cli:
    """A correctly set-up Marvin: token, signing secret, a team in #general, alerts."""
    cli = Cli(tmp_path)
    cli.env.update(SLACK_API_URL=standin.url, SLACK_SIGNING_SECRET="doctor-secret",
                   MARVIN_ALERT_CHANNEL="#alerts")
    cli.add_members("U0001", "U0002")
    return cli


def lines(output: str, mark: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(mark)]


def test_a_correct_setup_passes_every_check(cli: Cli) -> None:
    result = cli("doctor")

    assert result.returncode == 0, result.stdout + result.stderr
    assert lines(result.stdout, "✗") == []
    passed = "\n".join(lines(result.stdout, "✓"))
    for name in ("Slack token", "Scopes", "Channel of team default", "Alert channel",
                 "Members of team default", "Store", "HTTP requests"):
        assert f"✓ {name}: " in passed, name
    assert "Members of team default: 2 active" in passed
    assert re.search(r"all \d+ checks passed", result.stdout)


def test_a_correct_setup_on_firestore_passes_with_its_index_queries(
    cli: Cli, firestore_project: str
) -> None:
    import os

    result = cli("doctor", MARVIN_STORE="firestore", GOOGLE_CLOUD_PROJECT=firestore_project,
                 FIRESTORE_EMULATOR_HOST=os.environ["FIRESTORE_EMULATOR_HOST"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ Store: Firestore reachable" in result.stdout
    assert "✓ Firestore indexes: the 8 queries that need a composite index run" in result.stdout


def failure(cli: Cli, **env: str | None) -> str:
    result = cli("doctor", **env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_a_missing_scope_is_named_with_the_fix(cli: Cli, standin: SlackStandIn) -> None:
    standin.world.revoke_scope("channels:join")

    out = failure(cli)

    assert "✗ Scopes: missing channels:join" in out
    assert "reinstall the app" in out
    assert re.search(r"✗ Channel of team default: #general \(C\w+, public\): Marvin is not a "
                     r"member and cannot become one\n    fix: invite @Marvin to #general, or "
                     r"grant the channels:join scope", out)


def test_an_unknown_channel_is_named(cli: Cli) -> None:
    saved = cli("team", "set", "default", "--channel", "#nope", SLACK_BOT_TOKEN=None)
    assert saved.returncode == 0, saved.stderr

    out = failure(cli)

    assert "✗ Channel of team default: #nope not found" in out
    assert "fix: Slack has no channel #nope that Marvin can see" in out


def test_a_private_channel_without_the_bot_says_invite(cli: Cli, standin: SlackStandIn) -> None:
    standin.world.add_channel("leads", private=True)

    out = failure(cli, MARVIN_ALERT_CHANNEL="#leads")

    assert "✗ Alert channel: #leads not found" in out
    assert "invite @Marvin to #leads" in out


def test_a_deactivated_member_is_named(cli: Cli, standin: SlackStandIn) -> None:
    standin.world.delete_user("U0002")

    out = failure(cli)

    assert "✗ Members of team default: U0002 is deactivated" in out
    assert "marvin team remove" in out


def test_a_dead_store_is_named(cli: Cli, tmp_path: Path) -> None:
    out = failure(cli, MARVIN_STORE=f"sqlite:///{tmp_path}/no/such/dir/m.db")

    assert "✗ Store: " in out and "unreachable" in out
    assert "fix: check MARVIN_STORE" in out


def test_a_missing_signing_secret_is_named(cli: Cli) -> None:
    out = failure(cli, SLACK_SIGNING_SECRET=None)

    assert "✗ HTTP requests: SLACK_SIGNING_SECRET is not set" in out
    assert "Signing Secret" in out


def test_a_refused_token_and_an_unreachable_slack_are_named(
    cli: Cli, standin: SlackStandIn
) -> None:
    standin.fail_next("auth.test", status=200, error="invalid_auth")
    assert "✗ Slack token: Slack refused it (invalid_auth)" in failure(cli)

    standin.stop()  # nothing listens at SLACK_API_URL any more
    out = failure(cli)
    assert f"✗ Slack token: could not reach Slack at {standin.url} (connection refused)" in out
    assert "fix: check the network, and SLACK_API_URL" in out


# The checks as functions: what a subprocess cannot easily stage -------------------------


def test_missing_firestore_indexes_are_listed_with_the_command_that_creates_them(
    tmp_path: Path, firestore_project: str
) -> None:
    """Firestore refuses a query whose composite index is missing (FAILED_PRECONDITION);
    the emulator never does, so the refusal is injected through the intercept seam."""
    settings = Settings(_env_file=None, store="firestore",  # type: ignore[call-arg]
                        slack_signing_secret="s")
    store: Store = SqliteStore(str(tmp_path / "m.db"))  # any reachable store will do here
    faults = FirestoreFaults()

    def no_index(message: str) -> Exception:
        return gexc.FailedPrecondition(  # type: ignore[no-untyped-call]
            f"The query requires an index ({message})")

    with faults.failing(frozenset({"query"}), no_index, times=2):
        checks = run_checks(
            settings, lambda: store,
            lambda: FirestoreHistory(project=firestore_project, intercept=faults), None,
            lambda s: [Team()])

    [index] = [c for c in checks if c.name == "Firestore indexes"]
    create = (f"gcloud firestore indexes composite create --project={firestore_project} "
              "--collection-group=flow_runs --query-scope=COLLECTION "
              "--field-config=field-path=flow,order=ascending "
              "--field-config=field-path=started_at,order=descending")
    assert index == Check(
        "Firestore indexes", False,
        "missing composite index flow_runs (flow ascending, started_at descending) (needed "
        "by RunHistory.list_flow_runs(flow), RunHistory.list_flow_runs(flow, since))",
        f"create it (it takes a few minutes to build): {create}",
    )
    assert not [c for c in checks if c.name == "Slack token"][0].ok  # no token set


def test_the_manifest_grants_exactly_the_scopes_marvin_needs() -> None:
    """slack-app-manifest.yml and `REQUIRED_SCOPES` (what doctor checks, what the stand-in
    grants by default) are one list."""
    text = (ROOT / "slack-app-manifest.yml").read_text()
    bot = re.split(r"\n    bot:[^\n]*\n", text, maxsplit=1)[1]
    scopes = []
    for line in bot.splitlines():
        match = re.match(r"^      - ([a-z:.]+)", line)
        if not match:
            break
        scopes.append(match.group(1))
    assert scopes == list(REQUIRED_SCOPES)



def test_socket_mode_passes_without_a_signing_secret(cli: Cli) -> None:
    result = cli("doctor", SLACK_SIGNING_SECRET=None,
                 SLACK_APP_TOKEN="xapp-1-A0123456789-1234567890-abcdef0123456789")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ Socket Mode: SLACK_APP_TOKEN is set" in result.stdout
    assert "SLACK_SIGNING_SECRET" not in result.stdout
