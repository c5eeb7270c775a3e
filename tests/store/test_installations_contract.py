"""The installations' contract on SQLite and Firestore: records kept per workspace and
installer, tokens encrypted at rest, OAuth states consumed once and only before expiry,
and key rotation."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from marvin.domain.workspace import Workspace
from marvin.store.firestore.installations import FirestoreInstallations
from marvin.store.installations import InstallationRecord, InstallationRows, Installations
from marvin.store.sqlite.installations import SqliteInstallations
from marvin.store.token_cipher import TokenCipher, TokenUnreadable
from tests.store.test_contract import race
from tests.support.firestore_queries import QueryCapture

KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def record(team: str, at: dt.datetime = T0, **changes: object) -> InstallationRecord:
    values: dict[str, object] = {
        "team_id": team, "enterprise_id": None, "is_enterprise_install": False,
        "installed_at": at, "user_id": "UINSTALLER", "team_name": f"{team} Inc",
        "bot_token": f"xoxb-{team}-secret", "bot_id": f"B{team}", "bot_user_id": f"U{team}BOT",
        "bot_scopes": "chat:write,commands", "user_token": f"xoxp-{team}-secret",
    }
    values.update(changes)
    return InstallationRecord(**values)  # type: ignore[arg-type]


@pytest.fixture
def sqlite_rows(tmp_path: Path) -> Iterator[SqliteInstallations]:
    with closing(SqliteInstallations(str(tmp_path / "marvin.db"))) as rows:
        yield rows


@pytest.fixture
def firestore_rows(firestore_project: str) -> Iterator[FirestoreInstallations]:
    with closing(FirestoreInstallations(project=firestore_project,
                                        intercept=QueryCapture(strict=True))) as rows:
        yield rows


@pytest.fixture(params=["sqlite", "firestore"])
def rows(request: pytest.FixtureRequest) -> InstallationRows:
    found: InstallationRows = request.getfixturevalue(f"{request.param}_rows")
    return found


@pytest.fixture
def installations(rows: InstallationRows) -> Installations:
    return Installations(rows, TokenCipher(KEY))


def test_an_installation_round_trips_with_its_tokens(installations: Installations) -> None:
    saved = record("TAAA", enterprise_id="EGRID", enterprise_name="Grid")
    installations.save(saved)
    assert installations.latest("EGRID", "TAAA") == saved
    assert installations.latest("EGRID", "TAAA", user_id="UINSTALLER") == saved
    assert installations.latest("EGRID", "TAAA", user_id="USOMEONE") is None
    assert installations.latest(None, "TBBB") is None
    assert installations.bot_token(Workspace("TAAA", "EGRID")) == "xoxb-TAAA-secret"


def test_no_token_is_stored_in_the_clear_on_sqlite(tmp_path: Path) -> None:
    path = str(tmp_path / "marvin.db")
    with closing(SqliteInstallations(path)) as rows:
        Installations(rows, TokenCipher(KEY)).save(record("TAAA"))
    with closing(sqlite3.connect(path)) as conn:
        raw = conn.execute("SELECT * FROM slack_installations").fetchall()
    assert len(raw) == 1
    text = json.dumps(raw)
    assert "TAAA" in text and "secret" not in text and "xox" not in text


def test_no_token_is_stored_in_the_clear_on_firestore(
    firestore_rows: FirestoreInstallations,
) -> None:
    Installations(firestore_rows, TokenCipher(KEY)).save(record("TAAA"))
    docs = [snap.to_dict() for snap in
            firestore_rows.client.collection("slack_installations").stream()]
    assert len(docs) == 1
    text = json.dumps(docs, default=str)
    assert "TAAA" in text and "secret" not in text and "xox" not in text


def test_workspaces_lists_those_with_a_bot_token_oldest_first(
    installations: Installations,
) -> None:
    installations.save(record("TBBB", T0 + dt.timedelta(hours=1)))
    installations.save(record("TAAA", T0))
    installations.save(record("TCCC", T0 + dt.timedelta(hours=2)))
    # a second installer of the first workspace, later: it stays first
    installations.save(record("TAAA", T0 + dt.timedelta(hours=3), user_id="UOTHER",
                              bot_token="xoxb-TAAA-newer"))
    assert installations.workspaces() == [Workspace("TAAA"), Workspace("TBBB"),
                                          Workspace("TCCC")]
    assert installations.bot_token(Workspace("TAAA")) == "xoxb-TAAA-newer"
    installations.delete_bot(None, "TBBB")
    assert installations.workspaces() == [Workspace("TAAA"), Workspace("TCCC")]
    assert installations.bot_token(Workspace("TBBB")) is None
    assert installations.latest(None, "TBBB") is not None  # the user token stays
    assert installations.delete(None, "TAAA") == 2
    assert installations.workspaces() == [Workspace("TCCC")]
    assert installations.latest(None, "TAAA") is None


def test_bot_tokens_gives_each_workspaces_newest_in_one_read(
    installations: Installations,
) -> None:
    installations.save(record("TAAA", T0))
    installations.save(record("TAAA", T0 + dt.timedelta(hours=1), user_id="UOTHER",
                              bot_token="xoxb-TAAA-reinstalled"))
    installations.save(record("TBBB", T0))
    installations.save(record("EGRID", T0, enterprise_id="EGRID", is_enterprise_install=True,
                              bot_token="xoxb-EGRID-org"))
    installations.delete_bot(None, "TBBB")
    assert installations.bot_tokens() == {"TAAA": "xoxb-TAAA-reinstalled",
                                          "EGRID": "xoxb-EGRID-org"}
    for key, token in installations.bot_tokens().items():  # what `bot_token` answers
        workspace = Workspace(None, key) if key.startswith("E") else Workspace(key)
        assert installations.bot_token(workspace) == token


def test_an_org_wide_install_is_kept_under_its_enterprise(installations: Installations) -> None:
    installations.save(record("TAAA", enterprise_id="EGRID", is_enterprise_install=True))
    assert installations.workspaces() == [Workspace(None, "EGRID")]
    assert installations.latest("EGRID", "TZZZ", is_enterprise_install=True) is not None
    assert installations.bot_token(Workspace(None, "EGRID")) == "xoxb-TAAA-secret"


def test_deleting_one_installer_keeps_the_others(installations: Installations) -> None:
    installations.save(record("TAAA"))
    installations.save(record("TAAA", user_id="UOTHER"))
    assert installations.delete(None, "TAAA", user_id="UOTHER") == 1
    assert installations.latest(None, "TAAA", user_id="UINSTALLER") is not None


def test_a_state_is_consumed_once_and_only_before_it_expires(
    installations: Installations,
) -> None:
    installations.issue_state("s1", T0)
    installations.issue_state("s2", T0)
    assert installations.consume_state("s1", T0 + dt.timedelta(minutes=9))
    assert not installations.consume_state("s1", T0 + dt.timedelta(minutes=9))
    assert not installations.consume_state("s2", T0 + dt.timedelta(minutes=10))
    assert not installations.consume_state("never-issued", T0)
    assert not installations.consume_state("", T0)


def test_states_nobody_came_back_with_are_purged(rows: InstallationRows) -> None:
    installations = Installations(rows, TokenCipher(KEY))
    for i in range(5):
        installations.issue_state(f"left-{i}", T0)
    installations.issue_state("fresh", T0 + dt.timedelta(hours=1))
    installations.issue_state("used", T0 + dt.timedelta(hours=1))
    assert installations.consume_state("used", T0 + dt.timedelta(hours=1))
    for i in range(5):  # gone, not merely expired
        assert not rows.consume_state(f"left-{i}", T0 - dt.timedelta(days=1))
    assert installations.consume_state("fresh", T0 + dt.timedelta(hours=1))


def test_two_redirects_with_one_state_install_once(installations: Installations) -> None:
    for attempt in range(3):
        installations.issue_state(f"s{attempt}", T0)
        won = race(4, lambda i, s=f"s{attempt}": installations.consume_state(s, T0))
        assert sorted(won) == [False, False, False, True]


def test_rotation_reencrypts_every_token_with_the_new_key(rows: InstallationRows) -> None:
    Installations(rows, TokenCipher(KEY)).save(record("TAAA"))
    Installations(rows, TokenCipher(KEY)).save(record("TBBB"))
    rotating = Installations(rows, TokenCipher(NEW_KEY, previous=KEY))
    assert rotating.bot_token(Workspace("TAAA")) == "xoxb-TAAA-secret"  # read with either
    assert rotating.rotate_key() == 2
    only_new = Installations(rows, TokenCipher(NEW_KEY))
    assert only_new.bot_token(Workspace("TBBB")) == "xoxb-TBBB-secret"
    assert only_new.latest(None, "TAAA") == record("TAAA")
    with pytest.raises(TokenUnreadable, match="MARVIN_ENCRYPTION_KEY_PREVIOUS"):
        Installations(rows, TokenCipher(KEY)).bot_token(Workspace("TAAA"))
