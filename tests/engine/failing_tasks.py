"""Tasks for flows in which a task fails: `broken` always raises, `after` consumes its result."""

from __future__ import annotations

from marvin.engine import task


@task
def broken() -> None:
    raise ValueError("x")


@task
def after(x: object) -> None:
    return None
