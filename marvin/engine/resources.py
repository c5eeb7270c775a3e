"""Resource managers: set something up before a block of tasks, clean it up after.

Example::

    @resource_manager
    class TempDir:
        def __init__(self, prefix): self.prefix = prefix
        def setup(self): return tempfile.mkdtemp(prefix=self.prefix)
        def cleanup(self, path): shutil.rmtree(path)

    with Flow("export") as flow:
        with TempDir("marvin-") as path:
            write_csv(path, rows)

As in Prefect 1, the block becomes three tasks: `init` builds the manager object from its
(possibly task) arguments, `setup` returns the resource, and `cleanup` runs once every
task in the block has finished, whatever their outcome, as long as setup succeeded.
The cleanup does not decide the flow's state: the block's own last tasks do.
"""

from __future__ import annotations

import inspect

from marvin.engine.context import building_flow
from marvin.engine.signals import SKIP
from marvin.engine.task import Task

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from marvin.engine.flow import Flow
    from marvin.engine.state import State

__all__ = ["resource_manager", "ResourceManager"]


class ResourceInit(Task):
    """Builds the manager object (the decorated class called with its arguments)."""

    def __init__(self, resource_class: Callable[..., Any], name: str) -> None:
        # The manager and its resource live for one run (a client, a directory): never
        # checkpointed, even when the flow has a result.
        super().__init__(name=f"{name}.init", checkpoint=False)
        self.resource_class = resource_class

    def run(self, **kwargs: Any) -> Any:
        return self.resource_class(**kwargs)


class ResourceSetup(Task):
    """The resource itself: what the manager's `setup()` returns."""

    def run(self, mgr: Any) -> Any:
        return mgr.setup()


def cleanup_trigger(upstream: Sequence[State]) -> bool:
    """Run once everything finished (the runner waits for that) if init and setup, the
    first two inputs, succeeded; otherwise there is nothing to clean up: SKIP."""
    if not all(s.is_successful() and not s.is_skipped() for s in upstream[:2]):
        raise SKIP("Resource was not set up; nothing to clean up")
    return True


class ResourceCleanup(Task):
    """Calls the manager's `cleanup(resource)`; stands aside when the flow's state is
    decided (its `reference_stand_ins` are the block's last tasks)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            name=f"{name}.cleanup",
            trigger=cleanup_trigger,
            skip_on_upstream_skip=False,
            checkpoint=False,
        )

    def run(self, mgr: Any, resource: Any) -> None:
        mgr.cleanup(resource)

    def reference_stand_ins(self, flow: Flow) -> list[Task]:
        return [e.upstream for e in flow.upstream_edges(self) if e.key is None]


class ResourceBlock:
    """The ``with`` block of one resource: the tasks created in it use the resource."""

    def __init__(self, flow: Flow, init: Task, setup: Task, name: str) -> None:
        self.flow, self.init, self.setup, self.name = flow, init, setup, name
        self._first = 0
        self.cleanup: Task | None = None

    def __enter__(self) -> Task:
        self._first = len(self.flow.tasks)
        return self.setup

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:  # building the block failed: the error says enough
            return
        flow = self.flow
        block = list(flow.tasks)[self._first :]
        inside = set(block)
        cleanup = ResourceCleanup(self.name)(mgr=self.init, resource=self.setup, flow=flow)
        for task in block:
            ups = flow.upstream_edges(task)
            if not any(e.upstream in inside or e.upstream is self.setup for e in ups):
                flow.add_edge(self.setup, task)  # starts the block: waits for the resource
            if not any(e.downstream in inside for e in flow.downstream_edges(task)):
                flow.add_edge(task, cleanup)
        self.cleanup = cleanup


class ResourceManager:
    """What `@resource_manager` returns: call it inside a flow to open a block."""

    def __init__(self, resource_class: Callable[..., Any], name: str | None = None) -> None:
        for method in ("setup", "cleanup"):
            if not callable(getattr(resource_class, method, None)):
                raise TypeError(f"a resource manager needs a {method}() method: {resource_class!r}")
        self.resource_class = resource_class
        self.name: str = name or str(getattr(resource_class, "__name__", "resource"))

    def __call__(self, *args: Any, flow: Flow | None = None, **kwargs: Any) -> ResourceBlock:
        flow = flow or building_flow.get()
        if flow is None:
            raise ValueError(f"resource {self.name!r} must be used inside `with Flow(...)`")
        try:
            bound = inspect.signature(self.resource_class).bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"resource {self.name!r}: {exc}") from None
        init = ResourceInit(self.resource_class, self.name)(flow=flow, **bound.arguments)
        setup = ResourceSetup(name=f"{self.name}.setup", checkpoint=False)(mgr=init, flow=flow)
        return ResourceBlock(flow, init, setup, self.name)


def resource_manager(
    resource_class: Callable[..., Any] | None = None, *, name: str | None = None
) -> Any:
    """Decorate a class with `setup()` and `cleanup(resource)`: ``@resource_manager``."""
    if resource_class is None:
        return lambda cls: ResourceManager(cls, name)
    return ResourceManager(resource_class, name)
