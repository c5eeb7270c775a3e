"""A flow's version label: a short hash of its tasks' code and of its graph's shape.

Example::

    flow.version        # '3f9a0c1d2e4b': changes when a task's code or an edge changes

Reading source text is the costly part, so it is cached per code object: a chain of
10,000 copies of one task reads (and joins) that task's lines once, not 10,000 times.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from marvin.engine.flow import Flow

__all__ = ["flow_version", "stable_repr", "source_of"]


def stable_repr(value: object) -> str:
    """A repr that is the same in every process: sets and dicts in sorted order, and
    objects without a value-based repr (``<Foo object at 0x...>``) by their type only."""
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return f"{type(value).__name__}[{','.join(stable_repr(v) for v in value)}]"
    if isinstance(value, (set, frozenset)):
        return f"set[{','.join(sorted(stable_repr(v) for v in value))}]"
    if isinstance(value, dict):
        items = sorted(f"{stable_repr(k)}:{stable_repr(v)}" for k, v in value.items())
        return f"dict[{','.join(items)}]"
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


_LINES: dict[str, list[str]] = {}
_TEXTS: dict[Any, str] = {}  # code object -> its source text


def source_of(fn: Callable[..., Any]) -> str:
    """A function's source text, read from its file by the code object's line range.

    Cheaper than `inspect.getsource` (which imports ast, tokenize and more); falls back
    to the qualified name for callables without Python source."""
    func = getattr(fn, "__func__", fn)
    code = getattr(func, "__code__", None)
    if code is None:
        return getattr(fn, "__qualname__", type(fn).__qualname__)
    text = _TEXTS.get(code)
    if text is None:
        lines = _LINES.get(code.co_filename)
        if lines is None:
            try:
                with open(code.co_filename, encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
            except (OSError, UnicodeDecodeError):
                lines = []
            _LINES[code.co_filename] = lines
        last = max((line for _, _, line in code.co_lines() if line is not None), default=0)
        text = "\n".join(lines[code.co_firstlineno - 1 : last]) or code.co_qualname
        _TEXTS[code] = text
    return text


def flow_version(flow: Flow) -> str:
    """Hash the flow's name, tasks (slug and code), edges, constants and parameters."""
    import zlib

    parts = [flow.name]
    for t in flow.sorted_tasks():
        parts.append(f"{t.slug}\0{source_of(t.fn)}")
    for e in flow.edges:
        parts.append(f"{e.upstream.slug}>{e.downstream.slug}:{e.key}:{e.mapped}")
    for kind, table in (("const", flow.constants), ("mapped", flow.mapped_constants)):
        for t, values in table.items():
            parts.append(f"{kind}:{t.slug}:{stable_repr(values)}")
    for p in flow.parameters():
        parts.append(f"param:{p.name}:{stable_repr(p.default)}:{p.required}")
    data = "\0".join(parts).encode()
    # Two 32-bit checksums: a 64-bit label that needs no hashlib (OpenSSL) import.
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"[:12]
