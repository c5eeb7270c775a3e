"""A task run's logs and messages are capped so every history document stays well under
Firestore's 1 MiB limit, with a visible note; and a refused batch never leaves the run
"Running" or loses its events. On both backends."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.engine import Flow, LocalExecutor, get_context, task
from marvin.history.record_caps import MAX_LOGS, MAX_TEXT_BYTES, capped_text
from marvin.history.recorder import HistoryRecorder, emit_event, recording
from marvin.store.run_history import RunHistory

RUN = "caps-0001"


def chatty_flow(lines: int, width: int) -> Flow:
    @task
    def chatty() -> None:
        emit_event("slack", "chat.postMessage", "D1", "ok", 0.001)
        for n in range(lines):
            get_context().logger.info("%d %s", n, "界" * width)
        raise RuntimeError("x" * 2_000_000)

    with Flow("chatty") as flow:
        chatty()
    return flow


def record(flow: Flow, history: Any) -> None:
    recorder = HistoryRecorder(history, flow, flush_seconds=0)
    with recording(recorder):
        flow.run(recorder=recorder, run_id=RUN, executor=LocalExecutor())


def test_logs_and_messages_are_capped_with_a_visible_note(history: RunHistory) -> None:
    record(chatty_flow(1_100, 1_500), history)  # ~5 MB of logs, a 2 MB message

    detail = history.get_run(RUN)
    assert detail is not None and detail.run.state == "Failed"
    [chatty] = detail.task_runs
    assert len(chatty.logs) == MAX_LOGS
    assert chatty.logs[-1].message == f"… {1_100 - MAX_LOGS + 1:,} more log lines not recorded"
    assert all(len(g.message.encode()) <= MAX_TEXT_BYTES for g in chatty.logs)
    assert "more bytes not recorded]" in chatty.logs[0].message
    assert len(chatty.message.encode()) <= MAX_TEXT_BYTES and "cut:" in chatty.message


@pytest.mark.parametrize("text", ["short", "é" * 5000, "x" * 10_000, "👍" * 3000])
def test_capped_text_fits_in_bytes_and_keeps_short_text(text: str) -> None:
    capped = capped_text(text)
    assert len(capped.encode()) <= MAX_TEXT_BYTES
    assert capped == text or capped.endswith("more bytes not recorded]")


def test_a_refused_task_run_batch_still_saves_the_final_header_and_events(
    history: RunHistory,
) -> None:
    class Refusing:
        """A history that refuses every batch of task runs (a document too large)."""

        def __init__(self, inner: RunHistory) -> None:
            self.inner = inner

        def save_task_runs(self, runs: Any) -> None:
            raise OSError("refused")

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    record(chatty_flow(1, 10), Refusing(history))  # the engine logs the refusal

    detail = history.get_run(RUN)
    assert detail is not None and detail.run.state == "Failed"  # not left "Running"
    assert [e.method for e in detail.events] == ["chat.postMessage"]
    assert detail.task_runs == []
