"""`bind`: a context variable set for a `with` block, and put back after it."""

from __future__ import annotations

from contextvars import ContextVar

import pytest

from marvin.engine.context import bind

VALUE: ContextVar[str | None] = ContextVar("test_value", default=None)


def test_the_value_is_set_inside_and_put_back_after_nesting() -> None:
    with bind(VALUE, "outer") as outer:
        assert outer == "outer" and VALUE.get() == "outer"
        with bind(VALUE, "inner"):
            assert VALUE.get() == "inner"
        assert VALUE.get() == "outer"
    assert VALUE.get() is None


def test_the_value_is_put_back_when_the_block_raises() -> None:
    with pytest.raises(KeyError), bind(VALUE, "set"):
        raise KeyError("boom")
    assert VALUE.get() is None
