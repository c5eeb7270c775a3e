"""A Dask executor: task runs on a Dask cluster, local processes or a remote scheduler.

Example::

    from marvin.engine.dask_executor import DaskExecutor

    flow.run(executor=DaskExecutor())                       # a LocalCluster for this run
    flow.run(executor=DaskExecutor("tcp://scheduler:8786"))  # an existing cluster

An optional extra (``pip install 'marvin-standup[dask]'``): Dask is imported only when a
`DaskExecutor` is created, never by ``import marvin.engine``. What differs from the
in-process executors, because workers are other processes:

* Everything a task run needs travels by (cloud)pickle: the Task with its function, the
  run's parameters, its clock and the upstream results; each TaskRun comes back as a
  copy, which the runner links to this process's Task and FlowRun and records here (the
  recorder never leaves this process; see `runs_remotely`).
* A result (or exception) that cannot be pickled fails *that* task run, with a message
  saying so, instead of breaking the flow run.
* Context variables set around ``flow.run`` (e.g. Marvin's services) are not visible in
  workers; `get_context()` works, as the engine sets it in the worker, and one picklable
  value set with `carry_to_workers` (`marvin.engine.carried`) travels to them and back.
* A `FakeClock` is copied into the workers: time a task sleeps or ticks there is not
  seen by the original clock (nor by other workers).
* Task state handlers run in the worker; task logs are kept on the run and come back,
  while Python logging of task code goes to the worker's own logging.
"""

from __future__ import annotations

import threading
import uuid

from marvin.engine.records import TaskRun
from marvin.engine.state import Failed
from marvin.engine.task_runner import TaskPlan, set_state

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from dask.typing import Key
    from distributed import Client, Future

__all__ = ["DaskExecutor"]

INSTALL_HINT = "pip install 'marvin-standup[dask]'"


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            f"DaskExecutor needs Dask's distributed scheduler, which is not installed: "
            f"{INSTALL_HINT}"
        ) from exc
    return distributed


class _Submitted:
    """One thread's submissions during a flow run, in order, and the values gathered.

    The runner collects results in the order it submitted them, and one gather per
    result costs a round trip (milliseconds): so on a miss the executor waits for that
    one handle only, then gathers it together with the finished results submitted
    after it, in one round trip.
    """

    __slots__ = ("futures", "position", "values", "plans")

    def __init__(self) -> None:
        self.futures: list[Future[Any]] = []
        self.position: dict[Key, int] = {}
        self.values: dict[Key, Any] = {}
        # id(plan) -> (plan, its future on the cluster, or why it could not be sent)
        self.plans: dict[int, tuple[TaskPlan, Future[Any] | Exception]] = {}


class DaskExecutor:
    """Runs task runs on Dask workers; connects to `address` or starts a LocalCluster.

    Args:
        address: a Dask scheduler (e.g. ``tcp://10.0.0.5:8786``); None starts a
            LocalCluster when entered and closes it on exit.
        n_workers: worker count of the LocalCluster.
        processes: LocalCluster workers as processes (True) or threads.
        threads_per_worker: threads in each LocalCluster worker.
    """

    runs_remotely = True

    def __init__(
        self,
        address: str | None = None,
        *,
        n_workers: int = 2,
        processes: bool = True,
        threads_per_worker: int = 1,
    ) -> None:
        if n_workers < 1:
            raise ValueError(f"n_workers must be >= 1, got {n_workers}")
        if threads_per_worker < 1:
            raise ValueError(f"threads_per_worker must be >= 1, got {threads_per_worker}")
        _import_distributed()  # fail here, with the install hint, not in the middle of a run
        self.address = address
        self.n_workers = n_workers
        self.processes = processes
        self.threads_per_worker = threads_per_worker
        # Any: distributed is typed only in part (and absent when the extra is not installed)
        self._client: Any = None
        self._cluster: Any = None
        self._depth = 0
        self._lock = threading.Lock()
        self._local = threading.local()  # flow runs in other threads keep their own books

    def __repr__(self) -> str:
        where = self.address or (
            f"LocalCluster({self.n_workers} x {self.threads_per_worker} "
            f"{'processes' if self.processes else 'threads'})"
        )
        return f"DaskExecutor({where})"

    @property
    def client(self) -> Client:
        """The Dask client, while entered."""
        client: Client | None = self._client
        if client is None:
            raise RuntimeError("DaskExecutor is not entered: use `with executor:`")
        return client

    def __enter__(self) -> DaskExecutor:
        with self._lock:
            if self._client is None:
                distributed = _import_distributed()
                if self.address is not None:
                    self._client = distributed.Client(self.address)
                else:
                    cluster = distributed.LocalCluster(
                        n_workers=self.n_workers,
                        processes=self.processes,
                        threads_per_worker=self.threads_per_worker,
                        dashboard_address=None,
                    )
                    try:
                        self._client = distributed.Client(cluster)
                    except BaseException:
                        cluster.close()
                        raise
                    self._cluster = cluster
            self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._local.__dict__.pop("books", None)  # this thread's run is over: release
        with self._lock:
            self._depth -= 1
            if self._depth > 0:
                return
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def _books(self) -> _Submitted:
        books: _Submitted | None = getattr(self._local, "books", None)
        if books is None:
            books = self._local.books = _Submitted()
        return books

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """``fn(*args)`` on a worker; Dask resolves futures in `args` (and in lists)."""
        client = self._client
        if client is None:
            raise RuntimeError("DaskExecutor.submit() outside `with executor:`")
        books = self._books()
        key = _key(fn, args)
        plan = args[0] if args and type(args[0]) is TaskPlan else None
        future: Future[Any]
        try:
            if plan is not None:  # shared by every child of the task: send it once
                args = (self._on_cluster(client, books, plan), *args[1:])
            future = client.submit(_on_worker, fn, *args, key=key, pure=False)
        except Exception as exc:  # e.g. a task whose function holds a lock
            if plan is None:
                raise
            unsent = _unsendable(plan, args[1] if len(args) > 1 else None, exc)
            future = client.submit(_same, unsent, key=_key(fn, (plan, *args[1:])), pure=False)
        books.position[future.key] = len(books.futures)
        books.futures.append(future)
        return future

    @staticmethod
    def _on_cluster(client: Any, books: _Submitted, plan: TaskPlan) -> Future[Any]:
        """The plan (task, function, flow run, clock) on the cluster, pickled once per
        task rather than once per mapped child; workers fetch it once and keep it.

        Sent as a task returning it, not scattered: the scheduler keeps the task, so a
        worker killed mid-run costs a recomputation, where scattered data would be lost
        and fail every child still to run."""
        entry = books.plans.get(id(plan))
        if entry is None:
            try:
                sent: Future[Any] | Exception = client.submit(
                    _same, plan, key=f"plan-{plan.task.slug}-{uuid.uuid4().hex}", pure=False
                )
            except Exception as exc:
                sent = exc  # so that its other children do not try (and log) again
            entry = books.plans[id(plan)] = (plan, sent)
        if isinstance(entry[1], Exception):
            raise entry[1]
        return entry[1]

    def result(self, handle: Future[Any]) -> Any:
        """The handle's value; its exception (e.g. a lost worker) is raised here."""
        books = self._books()
        key = handle.key
        if key in books.values:
            return books.values[key]
        position = books.position.get(key)
        if position is not None:
            self._gather_from(books, position)
            if key in books.values:
                return books.values[key]
        return handle.result()  # not submitted in this run, erred, or not gatherable

    def _gather_from(self, books: _Submitted, position: int) -> None:
        """Wait for the future at `position`, then gather it and the finished futures
        after it (up to the first unfinished or already gathered one) in one round trip."""
        futures, values = books.futures, books.values
        first = futures[position]
        _import_distributed().wait(first)
        batch = [first] if first.status == "finished" else []  # else it erred: result() says
        for index in range(position + 1, len(futures)):
            future = futures[index]
            if future.status != "finished" or future.key in values:
                break
            batch.append(future)
        if not batch:
            return
        try:
            gathered = self._client.gather(batch)
        except Exception:  # one value could not be gathered: fetch each on its own
            return
        for future, value in zip(batch, gathered, strict=True):
            values[future.key] = value


def _key(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """A readable, unique Dask key (``send_reminder-3-<hex>``) for dashboards and logs."""
    if args and type(args[0]) is TaskPlan:
        plan: TaskPlan = args[0]
        index = "" if len(args) < 2 or args[1] is None else f"-{args[1]}"
        return f"{plan.task.slug}{index}-{uuid.uuid4().hex}"
    return f"{getattr(fn, '__name__', 'call')}-{uuid.uuid4().hex}"


def _same(value: Any) -> Any:
    """A task returning its input: data the scheduler can compute again if a worker dies
    (scattered data it cannot)."""
    return value


def _on_worker(fn: Callable[..., Any], *args: Any) -> Any:
    """Runs on the worker: call, then make sure a TaskRun can travel back, light."""
    value = fn(*args)
    if type(value) is TaskRun:
        make_sendable(value)
        _detach(value)
    return value


def _detach(task_run: TaskRun) -> TaskRun:
    task, run = task_run.task, task_run.flow_run
    task_run.task = _Detached(task.name, task.slug)  # type: ignore[assignment]
    task_run.flow_run = _Detached(run.id, run.flow_name)  # type: ignore[assignment]
    return task_run


def _unsendable(plan: TaskPlan, map_index: int | None, error: Exception) -> TaskRun:
    """A run that never left this process: its task (or inputs) could not be pickled."""
    import traceback

    problem = _pickle_problem(plan) or error  # pickle's own words, not Dask's wrapper
    task_run = TaskRun(plan.task, map_index, plan.flow_run)
    failed = Failed(
        f"{task_run.name} could not be sent to the Dask workers: {problem}",
        timestamp=plan.clock.now(),
        exception=RuntimeError(f"{type(problem).__name__}: {problem}"),
        traceback="".join(traceback.format_exception(problem)),
    )
    set_state(plan.task, task_run, failed, plan.task.state_handlers)
    return _detach(task_run)


class _Detached:
    """A TaskRun's task or flow run on the way back from a worker, reduced to what its
    `id`, `name` and repr need. The runner links the copy to the real objects when it
    arrives; sending them would pickle the task's function with every result."""

    __slots__ = ("id", "name", "slug", "clock")

    def __init__(self, name: str, slug: str) -> None:
        self.id = self.name = name
        self.slug = slug
        self.clock = None


_PLAIN = frozenset((int, float, str, bytes, bool))


def _pickle_problem(value: Any) -> Exception | None:
    """Why `value` cannot be pickled the way Dask will send it (pickle, then cloudpickle).

    This costs one extra serialization of each result, on the worker (plain values skip
    it): the price of a clear Failed state instead of a generic error later.
    """
    if type(value) in _PLAIN:
        return None
    import pickle

    try:
        pickle.dumps(value, protocol=5)
        return None
    except Exception:
        pass
    try:
        import cloudpickle

        cloudpickle.dumps(value, protocol=5)
        return None
    except Exception as exc:
        return exc


def make_sendable(task_run: TaskRun) -> None:
    """Turn results and exceptions that cannot be pickled into a clear Failed state.

    Without this, Dask fails to send the result with a generic serialization error, and
    only when (and if) the value has to leave the worker.
    """
    problem: Exception | None = None
    for state in task_run.history:
        if state.result is not None:
            error = _pickle_problem(state.result)
            if error is not None:
                state.result = None
                problem = problem or error
        if isinstance(state, Failed) and state.exception is not None:
            error = _pickle_problem(state.exception)
            if error is not None:  # keep what it said; the traceback text stays as well
                original = state.exception
                state.exception = RuntimeError(f"{type(original).__name__}: {original}")
    if problem is None:
        return
    import time
    import traceback

    clock = task_run.flow_run.clock
    failed = Failed(
        f"result of {task_run.name} could not be sent back from the Dask worker: {problem}",
        timestamp=clock.now() if clock is not None else time.time(),
        exception=problem,
        traceback="".join(traceback.format_exception(problem)),
    )
    set_state(task_run.task, task_run, failed, task_run.task.state_handlers)
