"""`marvin serve` with MARVIN_SCHEDULER=external and nobody allowed to fire the slots: it
stops at once with a configuration error naming what to set, before serving anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_serve_refuses_an_external_scheduler_without_jobs_credentials(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": "xoxb-serve-external", "SLACK_SIGNING_SECRET": "secret",
        "MARVIN_STORE": f"sqlite:///{tmp_path / 'marvin.db'}", "MARVIN_SCHEDULER": "external",
    }
    marvin = str(Path(sys.executable).parent / "marvin")

    done = subprocess.run([marvin, "serve"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)

    assert done.returncode == 2, done.stdout + done.stderr
    output = " ".join((done.stdout + done.stderr).split())
    assert "MARVIN_SCHEDULER=external needs MARVIN_JOBS_TOKEN" in output
    assert "Traceback" not in output
    assert not (tmp_path / "marvin.db").exists()  # nothing opened
