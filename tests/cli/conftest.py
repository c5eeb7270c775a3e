"""The `cli` fixture: `marvin` run in an empty directory of its own (tests/cli/harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import MARVIN, Cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    assert MARVIN.exists(), f"console script not installed at {MARVIN}"
    return Cli(tmp_path)
