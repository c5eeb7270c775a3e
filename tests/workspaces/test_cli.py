"""`--workspace` on the commands that open the store: required with several workspaces
installed, the only one by default, refused in single-token mode, each one's data its own."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import marvin.app
from marvin.cli.main import main
from tests.workspaces.conftest import TOKENS, A, B, FakeInstalled

Marvin = Callable[..., tuple[int, str, str]]


@pytest.fixture
def marvin_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> Marvin:
    """``marvin ARGS`` in-process (so a fake `InstalledWorkspaces` can be plugged in):
    (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "MARVIN_STORE", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MARVIN_STORE", f"sqlite:///{tmp_path / 'marvin.db'}")

    def run(*args: str, installed: FakeInstalled | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(marvin.app, "build_installed", lambda _settings: installed)
        monkeypatch.setattr(sys, "argv", ["marvin", *args])
        with pytest.raises(SystemExit) as ended:
            main()
        out = capsys.readouterr()
        return int(ended.value.code or 0), out.out, out.err

    return run


def test_with_several_workspaces_a_command_must_name_one_and_is_told_which(
    marvin_cli: Marvin,
) -> None:
    both = FakeInstalled(TOKENS)
    for args in (("team", "list"), ("runs",), ("export", "--team", "default"),
                 ("run", "reminder", "--dry-run")):
        code, _out, err = marvin_cli(*args, installed=both)
        assert code == 2, (args, err)
        assert "--workspace" in err and A.key in err and B.key in err, err


def test_each_workspace_has_its_own_teams_and_members(marvin_cli: Marvin) -> None:
    both = FakeInstalled(TOKENS)
    assert marvin_cli("team", "add", "U0NEW1", "--workspace", B.key, installed=both)[0] == 0
    _code, in_b, _err = marvin_cli("team", "list", "--workspace", B.key, installed=both)
    _code, in_a, _err = marvin_cli("team", "list", "--workspace", A.key, installed=both)
    assert "U0NEW1" in in_b
    assert "U0NEW1" not in in_a
    code, _out, _err = marvin_cli("runs", "--workspace", A.key, installed=both)
    assert code == 0
    code, out, err = marvin_cli("export", "--team", "default", "--workspace", B.key,
                                installed=both)
    assert code == 0, err


def test_the_only_workspace_is_the_default(marvin_cli: Marvin) -> None:
    only = FakeInstalled({A: TOKENS[A]})
    assert marvin_cli("team", "add", "U0NEW1", installed=only)[0] == 0
    _code, listed, _err = marvin_cli("team", "list", "--workspace", A.key, installed=only)
    assert "U0NEW1" in listed


def test_a_workspace_that_is_not_installed_is_a_usage_error_naming_the_installed(
    marvin_cli: Marvin,
) -> None:
    code, _out, err = marvin_cli("team", "list", "--workspace", "TZZZZ9",
                                 installed=FakeInstalled(TOKENS))
    assert code == 2
    assert "not installed in workspace 'TZZZZ9'" in err and A.key in err


def test_single_token_mode_refuses_the_option_rather_than_ignoring_it(
    marvin_cli: Marvin,
) -> None:
    code, _out, err = marvin_cli("team", "list", "--workspace", A.key)
    assert code == 2
    assert "single-token mode" in err and "takes no workspace" in err
    assert marvin_cli("team", "list")[0] == 0
