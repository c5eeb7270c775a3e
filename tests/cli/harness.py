"""Running the `marvin` console script as a user runs it: a subprocess with its own env and
cwd, every output checked for the bot token (the `cli` fixture is in this package's
conftest)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from marvin.domain.models import Member
from marvin.store.sqlite.store import SqliteStore

MARVIN = Path(sys.executable).with_name("marvin")
SECRET = "xoxb-secret-123"
_FOREIGN = ("SLACK_", "MARVIN_", "GOOGLE_", "FIRESTORE_")


class Cli:
    """Runs `marvin ARGS` in one working directory and checks every output for the token."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.db = cwd / "m.db"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
        self.env.update(
            MARVIN_STORE=f"sqlite:///{self.db}",
            SLACK_BOT_TOKEN=SECRET,  # set, to prove it is never printed
            SLACK_API_URL=closed_port_url(),  # refused at once: never slack.com from a test
            COLUMNS="200",  # rich wraps at 80 columns when not on a terminal
        )

    def __call__(self, *args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
        merged = dict(self.env)
        for name, value in env.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        result = subprocess.run(
            [str(MARVIN), *args], cwd=self.cwd, env=merged, capture_output=True, text=True,
            timeout=60, check=False,
        )
        assert SECRET not in result.stdout and SECRET not in result.stderr, args
        return result

    def add_members(self, *user_ids: str) -> None:
        store = SqliteStore(str(self.db))
        try:
            for user_id in user_ids:
                store.save_member(Member(user_id=user_id))
        finally:
            store.close()


def table_rows(output: str) -> list[str]:
    """The body rows of a rich table (lines between │ borders)."""
    return [line for line in output.splitlines() if line.startswith("│")]


def closed_port_url() -> str:
    """A URL where nothing listens: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"
