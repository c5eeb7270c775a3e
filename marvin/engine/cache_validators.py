"""Cache validators: whether a cached result may stand in for running a task again.

Example::

    @task(cache_for=timedelta(hours=1), cache_validator=all_inputs)
    def fetch_team(name): ...

A validator is ``(cached_state, inputs, parameters) -> bool``, as in Prefect 1. The
runner checks `cache_expiration` itself (with the run's clock, so tests never sleep)
before asking the validator; so `duration_only`, the default, accepts any unexpired
result.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

    from marvin.engine.state import Cached

    CacheValidator = Callable[[Cached, Mapping[str, Any], Mapping[str, Any]], bool]

__all__ = [
    "never_use",
    "duration_only",
    "all_inputs",
    "all_parameters",
    "partial_inputs_only",
    "partial_parameters_only",
]


def never_use(state: Cached, inputs: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    """Never use a cached result: always run."""
    return False


def duration_only(
    state: Cached, inputs: Mapping[str, Any], parameters: Mapping[str, Any]
) -> bool:
    """Use any cached result that has not expired (the default)."""
    return True


def all_inputs(state: Cached, inputs: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    """Use the cached result only if it was computed from the same inputs."""
    return dict(state.cached_inputs or {}) == dict(inputs)


def all_parameters(
    state: Cached, inputs: Mapping[str, Any], parameters: Mapping[str, Any]
) -> bool:
    """Use the cached result only if the flow run had the same parameters."""
    return dict(state.cached_parameters or {}) == dict(parameters)


def _partial(field: str, validate_on: Iterable[str]) -> CacheValidator:
    names = tuple(validate_on)

    def validator(
        state: Cached, inputs: Mapping[str, Any], parameters: Mapping[str, Any]
    ) -> bool:
        cached = getattr(state, field) or {}
        current = inputs if field == "cached_inputs" else parameters
        return all(cached.get(n) == current.get(n) for n in names)

    validator.__name__ = f"partial_{field[7:]}_only({', '.join(names)})"
    return validator


def partial_inputs_only(validate_on: Iterable[str]) -> CacheValidator:
    """Use the cached result if these inputs are the same (others may differ)."""
    return _partial("cached_inputs", validate_on)


def partial_parameters_only(validate_on: Iterable[str]) -> CacheValidator:
    """Use the cached result if these parameters are the same (others may differ)."""
    return _partial("cached_parameters", validate_on)
