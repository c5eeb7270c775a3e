"""`log_stdout`: what a task prints becomes INFO log lines on its own task run.

Example::

    @task(log_stdout=True)
    def legacy_report():
        print("3 reminders sent")       # kept on the run, shown in `marvin runs show`

`contextlib.redirect_stdout` swaps the process-wide `sys.stdout`, so two tasks running
at once in threads would restore each other's stream and could leave stdout captured
for good. Instead, `sys.stdout` is wrapped once by a stream that hands each write to the
buffer of the task run printing it (a context variable: per thread, and copied into a
timeout's helper thread) and passes every other write through untouched.
"""

from __future__ import annotations

import sys
import threading
from contextvars import ContextVar

from marvin.engine.context import current_task_run

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

__all__ = ["stdout_logged"]

_INFO = 20
_buffer: ContextVar[list[str] | None] = ContextVar("marvin_stdout_buffer", default=None)
_install_lock = threading.Lock()


class _RoutedStdout:
    """Stands in for sys.stdout: writes from a capturing task go to its buffer."""

    def __init__(self, original: TextIO) -> None:
        self.original = original

    def write(self, text: str) -> int:
        buffer = _buffer.get()
        if buffer is None:
            return self.original.write(text)
        buffer.append(text)
        return len(text)

    def flush(self) -> None:
        if _buffer.get() is None:
            self.original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


def _route_stdout() -> None:
    # Checked on every call: a test runner (or anyone) may have replaced sys.stdout since.
    if not isinstance(sys.stdout, _RoutedStdout):
        with _install_lock:
            if not isinstance(sys.stdout, _RoutedStdout):
                sys.stdout = _RoutedStdout(sys.stdout)  # type: ignore[assignment,unused-ignore]


class stdout_logged:  # noqa: N801 - used like a function wrapper
    """`fn`, with what it prints kept as INFO lines on the current task run.

    A class rather than a closure so it pickles by reference (Dask ships it to workers;
    a closure would drag this module's context variable along)."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn

    def __call__(self, **kwargs: Any) -> Any:
        _route_stdout()
        buffer: list[str] = []
        token = _buffer.set(buffer)
        try:
            return self.fn(**kwargs)
        finally:
            _buffer.reset(token)
            task_run = current_task_run.get()
            if task_run is not None:
                for line in "".join(buffer).splitlines():
                    task_run.add_log(_INFO, line)
