"""The Slack app manifests: Socket Mode's is the HTTP one without request URLs.

A feature added to one manifest and not the other would work in one mode only; the HTTP
manifest's scopes are checked against `REQUIRED_SCOPES` in tests/cli/test_doctor.py.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_of(name: str) -> list[str]:
    """The manifest's lines, without its leading comment (how to use it)."""
    return [line for line in (ROOT / name).read_text().splitlines()
            if not line.startswith("#")]


def test_the_socket_mode_manifest_is_the_http_one_without_request_urls() -> None:
    http = settings_of("slack-app-manifest.yml")
    socket = settings_of("slack-app-manifest.socket.yml")

    assert "  socket_mode_enabled: false" in http
    assert any("url: https://" in line for line in http)
    assert socket == [
        line.replace("socket_mode_enabled: false", "socket_mode_enabled: true")
        for line in http if not line.strip().startswith(("url:", "request_url:"))
    ]
