"""How much of a run's text its record keeps: every history document (a Firestore one is
refused over 1 MiB) stays well under the limit, and what was cut says so visibly.

At most `MAX_LOGS` log lines per task run and `MAX_TEXT_BYTES` of UTF-8 per message or log
line: 100 lines of 4 KiB are 400 KiB, so a task run's document stays under half the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from marvin.store.run_records import LogRecord

MAX_LOGS = 100
MAX_TEXT_BYTES = 4096


def capped_text(text: str) -> str:
    """`text`, cut to `MAX_TEXT_BYTES` of UTF-8 with a note of how much was left out."""
    if len(text) <= MAX_TEXT_BYTES // 4:  # at most 4 bytes a character: surely short enough
        return text
    data = text.encode("utf-8")
    if len(data) <= MAX_TEXT_BYTES:
        return text
    note = f" … [cut: {len(data) - MAX_TEXT_BYTES:,} more bytes not recorded]"
    kept = data[: MAX_TEXT_BYTES - len(note.encode("utf-8"))].decode("utf-8", "ignore")
    return kept + note


def capped_logs(logs: Sequence[LogRecord]) -> tuple[LogRecord, ...]:
    """The first `MAX_LOGS` - 1 lines, each capped, then a line saying how many were left
    out (when there were more than `MAX_LOGS`)."""
    if len(logs) <= MAX_LOGS:
        return tuple(LogRecord(g.at, g.level, capped_text(g.message)) for g in logs)
    kept = [LogRecord(g.at, g.level, capped_text(g.message)) for g in logs[: MAX_LOGS - 1]]
    last = logs[-1]
    note = f"… {len(logs) - len(kept):,} more log lines not recorded"
    return (*kept, LogRecord(last.at, "WARNING", note))
