"""Reading a submitted modal back: its ``view.state.values``, one input's value, and a
field error short enough for Slack to show under the field.

Slack's payloads are read defensively: a field missing, null or of another shape reads as
empty, never as an exception.
"""

from __future__ import annotations

from typing import Any

__all__ = ["field_error", "input_element", "input_text", "submitted_values"]

MAX_FIELD_ERROR = 150  # Slack shows short field errors; longer ones are cut by the client


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    """``view.state.values`` (block id -> action id -> element state), or empty."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def input_element(values: dict[str, Any], block: str) -> dict[str, Any]:
    """The state of the input whose block id and action id are both `block`."""
    element = values.get(block, {})
    element = element.get(block) if isinstance(element, dict) else None
    return element if isinstance(element, dict) else {}


def input_text(values: dict[str, Any], block: str) -> str:
    """A text input's value ("" when empty: Slack sends null)."""
    value = input_element(values, block).get("value")
    return value if isinstance(value, str) else ""


def field_error(message: str) -> str:
    """A parser's message as a field error: capitalised, and short."""
    return (message[:1].upper() + message[1:])[:MAX_FIELD_ERROR]
