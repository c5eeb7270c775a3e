"""Session-wide test services (the Firestore emulator), shared by the whole suite.

Fixtures:
    firestore_emulator: ``host:port`` of a running emulator, with FIRESTORE_EMULATOR_HOST set
        for the whole session. Uses the one CI started (FIRESTORE_EMULATOR_HOST already set),
        else starts the jar once per session. Fails, never skips, when it cannot.
    firestore_project: a fresh project id on that emulator (an empty database), cleared after
        the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.support import firestore_emulator as emulator


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of the session's Firestore emulator."""
    existing = os.environ.get("FIRESTORE_EMULATOR_HOST")
    if existing:
        try:
            emulator.wait_ready(existing, timeout=60)
        except emulator.EmulatorError as exc:
            pytest.fail(f"FIRESTORE_EMULATOR_HOST is set but unusable: {exc}", pytrace=False)
        yield existing
        return
    port = emulator.free_port()
    log = tmp_path_factory.mktemp("firestore-emulator") / "emulator.log"
    try:
        proc = emulator.start(port, log=log)
    except emulator.EmulatorError as exc:
        pytest.fail(str(exc), pytrace=False)
    host = f"{emulator.HOST}:{port}"
    try:
        try:
            emulator.wait_ready(host, timeout=60, proc=proc)
        except emulator.EmulatorError as exc:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{exc}\n--- emulator log ({log}) ---\n{tail}", pytrace=False)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("FIRESTORE_EMULATOR_HOST", host)  # as in CI, for code that builds clients
            yield host
    finally:
        emulator.stop(proc)


@pytest.fixture
def firestore_project(firestore_emulator: str) -> Iterator[str]:
    """A project id no other test uses, so each test starts from an empty database."""
    project = f"test-{uuid.uuid4().hex[:12]}"
    yield project
    emulator.clear(firestore_emulator, project)
