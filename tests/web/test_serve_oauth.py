"""`marvin serve` in OAuth mode, as an operator starts it: no SLACK_BOT_TOKEN, the install
routes served, a workspace installed through them, and neither the token Slack handed
over nor the app's secrets anywhere in the log (``--verbose``: INFO and up)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from marvin.domain.workspace import Workspace
from marvin.store.installations import Installations
from marvin.store.sqlite.installations import SqliteInstallations
from marvin.store.token_cipher import TokenCipher
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.test_replicas import free_port, marvin
from tests.slack.oauth_harness import CLIENT_ID, CLIENT_SECRET, COOKIE, SECRET

KEY = Fernet.generate_key().decode()


def test_serve_installs_a_workspace_and_logs_no_secret(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    standin.oauth.configure(CLIENT_ID, CLIENT_SECRET)
    db, port, log_path = tmp_path / "m.db", free_port(), tmp_path / "serve.log"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.url,
           "SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
           "MARVIN_ENCRYPTION_KEY": KEY, "MARVIN_STORE": f"sqlite:///{db}",
           "MARVIN_PORT": str(port)}
    with log_path.open("w") as log:
        proc = subprocess.Popen(marvin("--verbose", "serve"), cwd=tmp_path, env=env,
                                stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"marvin serve did not start:\n{log_path.read_text()}")
                time.sleep(0.05)
            page = http.get("/slack/install")
            assert page.status_code == 200 and f"client_id={CLIENT_ID}" in page.text
            state = page.headers["set-cookie"].split(";")[0].removeprefix(f"{COOKIE}=")
            code = standin.oauth.authorize("TALPHA", team_name="Alpha")
            done = http.get("/slack/oauth_redirect", params={"code": code, "state": state},
                            headers={"cookie": f"{COOKIE}={state}"})
            assert done.status_code == 200, done.text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    rows = SqliteInstallations(str(db))
    try:
        token = Installations(rows, TokenCipher(KEY)).bot_token(Workspace("TALPHA"))
    finally:
        rows.close()
    assert token is not None and token.startswith("xoxb-TALPHA-")
    log_text = log_path.read_text()
    assert "installed in workspace TALPHA" in log_text
    for secret in (token, CLIENT_SECRET, KEY, SECRET):
        assert secret not in log_text
