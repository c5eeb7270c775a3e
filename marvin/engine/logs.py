"""Task-run logging: records kept on the task run *and* sent to Python logging.

Example::

    get_context().logger.info("reminded %s", member)   # shows in `marvin runs show ID`

Loaded only when a task first asks for its logger: `logging` is one of the most
expensive standard modules to import, and most task runs never log.
"""

from __future__ import annotations

import logging

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from marvin.engine.records import TaskRun

__all__ = ["TaskRunLogger", "engine_logger"]

_task_logger = logging.getLogger("marvin.task")


def engine_logger() -> logging.Logger:
    """The engine's own logger (handler errors, recorder errors, engine bugs)."""
    return logging.getLogger("marvin.engine")


class TaskRunLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger that keeps every record on its task run and forwards it to logging."""

    def __init__(self, task_run: TaskRun) -> None:
        super().__init__(_task_logger, {"task_run_id": task_run.id})
        self.task_run = task_run

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if len(args) == 1 and isinstance(args[0], dict) and args[0]:
            message = str(msg) % args[0]  # the stdlib's mapping form: "%(k)s", {"k": v}
        else:
            message = str(msg) % args if args else str(msg)
        self.task_run.add_log(level, message)
        if self.logger.isEnabledFor(level):
            kwargs.setdefault("extra", self.extra)
            self.logger.log(level, "%s: %s", self.task_run.id, message, **kwargs)
