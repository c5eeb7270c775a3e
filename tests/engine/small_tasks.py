"""Tiny tasks shared by the tests pinning Prefect 1 behaviour (results easy to check)."""

from __future__ import annotations

from marvin.engine import task


@task
def one() -> int:
    return 1


@task
def two() -> int:
    return 2


@task
def inc(x: int) -> int:
    return x + 1
