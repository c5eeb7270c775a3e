"""Executors: where task runs execute. Sequential by default; a thread pool for I/O.

Example::

    flow.run(executor=ThreadExecutor(max_workers=16))   # 1,000 Slack DMs at once-ish

The protocol is deliberately tiny so a Dask executor can implement it: `submit` a
function whose arguments may contain *handles* returned by earlier `submit` calls
(directly, or inside a list one level deep) which the executor resolves to their values
before calling it, and `result` to wait for one handle. Submissions arrive in
topological order, which keeps a FIFO pool deadlock-free: any handle a worker waits on
was submitted, and so started, before it.

An executor whose workers are other processes (`DaskExecutor`, in `dask_executor`, an
optional extra) says so with ``runs_remotely = True``: the runner then keeps the
recorder in this process and records each task run when its result comes back.
"""

from __future__ import annotations

import contextvars

TYPE_CHECKING = False
if TYPE_CHECKING:
    import concurrent.futures as cf
    from collections.abc import Callable
    from typing import Any, Protocol, TypeVar

    T = TypeVar("T")
else:  # a plain base class at run time: importing `typing` costs more than the engine
    Protocol = object

__all__ = ["Executor", "LocalExecutor", "ThreadExecutor"]


class Executor(Protocol):
    """Runs submitted calls; a context manager around one flow run.

    Attributes:
        runs_remotely: True when calls run in other processes, so their arguments and
            results are copies (pickled) and the runner must record runs itself.
    """

    runs_remotely: bool

    def __enter__(self) -> Executor: ...

    def __exit__(self, *exc: object) -> None: ...

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Schedule ``fn(*args)`` with handles in `args` resolved; return a handle."""
        ...

    def result(self, handle: Any) -> Any:
        """Wait for a handle and return its value."""
        ...


class LocalExecutor:
    """Runs each call at once, in order, in this thread: deterministic and cheapest.

    Its handles are the values themselves, so nothing needs resolving.
    """

    runs_remotely = False

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(*args)

    def result(self, handle: T) -> T:
        return handle


def _call_resolved(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Replace futures in `args` (or in lists one level down) by their results, then call."""
    from concurrent.futures import Future

    def resolve(value: Any) -> Any:
        if isinstance(value, Future):
            return value.result()
        if type(value) is list:
            return [v.result() if isinstance(v, Future) else v for v in value]
        return value

    return fn(*[resolve(a) for a in args])


class ThreadExecutor:
    """A thread pool: mapped children that wait on I/O (Slack, Firestore) overlap."""

    runs_remotely = False

    def __init__(self, max_workers: int = 8) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be >= 1, got {max_workers}")
        self.max_workers = max_workers
        self._pool: cf.ThreadPoolExecutor | None = None
        self._depth = 0

    def __enter__(self) -> ThreadExecutor:
        if self._pool is None:
            import concurrent.futures as cf

            self._pool = cf.ThreadPoolExecutor(self.max_workers, thread_name_prefix="marvin")
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future[Any]:
        if self._pool is None:
            raise RuntimeError("ThreadExecutor.submit() outside `with executor:`")
        # Run in a copy of the submitter's context, so context variables set around
        # `flow.run` (e.g. the app's services) are seen by tasks as with LocalExecutor.
        context = contextvars.copy_context()
        return self._pool.submit(context.run, _call_resolved, fn, args)

    def result(self, handle: cf.Future[Any]) -> Any:
        return handle.result()
