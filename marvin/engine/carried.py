"""What a flow run carries to the workers of a remote executor, and what comes back.

Example::

    class Services:                       # picklable: values, not open connections
        @contextmanager
        def on_worker(self):              # around each task run, in the worker
            with use(open_here(self)):
                yield collected           # comes back with the task run, if truthy
        def arrived(self, collected): ... # in the process that runs the flow

    with carry_to_workers(Services(settings)):
        flow.run(executor=DaskExecutor())

Context variables set around ``flow.run`` do not reach Dask workers, which are other
processes. Prefect 1 shipped its `prefect.context` with each task run for the same
reason; here one picklable value does, and only to executors that `runs_remotely`: the
in-process executors see the caller's context variables, so it is not used there. It
travels inside the task's plan (pickled once per task, not once per mapped child), and
what `on_worker` yields travels back on the task run, before the recorder sees it.
"""

from __future__ import annotations

from contextvars import ContextVar

from marvin.engine.context import bind

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import Any, Protocol
else:  # a plain base class at run time: importing `typing` costs more than the engine
    Protocol = object

__all__ = ["Carried", "carry_to_workers", "carried"]


class Carried(Protocol):
    """A run's picklable context for remote workers."""

    def on_worker(self) -> AbstractContextManager[Any]:
        """Entered around each task run in the worker; what it yields is brought back
        with the task run when it is truthy (it must then pickle)."""
        ...

    def arrived(self, collected: Any) -> None:
        """Called in the flow's process, in the thread running the flow, with what one
        task run's `on_worker` yielded, as that task run is collected."""
        ...


_carried: ContextVar[Carried | None] = ContextVar("marvin_carried", default=None)


def carry_to_workers(value: Carried) -> AbstractContextManager[Carried]:
    """Carry `value` to the remote workers of every flow run started in the block."""
    return bind(_carried, value)


def carried() -> Carried | None:
    """What flow runs started here carry to remote workers, if anything."""
    return _carried.get()
