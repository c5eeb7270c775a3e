"""Input names of a task's function, read from its code object.

Example::

    sig = Signature.of(lambda member, updates=None: ...)
    sig.names, sig.required          # ('member', 'updates'), ('member',)

`inspect.signature` is exact but costs tens of milliseconds to import on a small
machine; a function's code object already says everything the engine needs (argument
names, which have defaults, whether it takes ``*args``/``**kwargs``), so the engine
reads that and falls back to `inspect` only for callables without one.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["Signature"]

_VARARGS, _VARKEYWORDS = 0x04, 0x08


class Signature:
    """What a callable accepts, reduced to what binding task inputs needs."""

    __slots__ = (
        "names",
        "positional",
        "required",
        "var_positional",
        "var_keyword",
        "positional_only",
    )

    def __init__(
        self,
        names: tuple[str, ...],
        positional: tuple[str, ...],
        required: tuple[str, ...],
        var_positional: bool,
        var_keyword: bool,
        positional_only: tuple[str, ...] = (),
    ) -> None:
        self.names = names  # every named input, in order
        self.positional = positional  # those that may be given positionally
        self.required = required  # those without a default
        self.var_positional = var_positional
        self.var_keyword = var_keyword
        self.positional_only = positional_only  # not supported: the runner passes keywords

    @classmethod
    def of(cls, fn: Callable[..., Any]) -> Signature:
        skip = 0
        func: Any = fn
        if hasattr(func, "__func__"):  # a bound method: `self` is already given
            func, skip = func.__func__, 1
        code = getattr(func, "__code__", None)
        if code is None:
            return cls._from_inspect(fn)
        n_pos, n_kwonly = code.co_argcount, code.co_kwonlyargcount
        positional = code.co_varnames[skip:n_pos]
        kwonly = code.co_varnames[n_pos : n_pos + n_kwonly]
        defaults = func.__defaults__ or ()
        kwdefaults = func.__kwdefaults__ or {}
        first_default = n_pos - len(defaults)
        required = tuple(n for i, n in enumerate(code.co_varnames[:n_pos]) if i < first_default)
        required = required[skip:] + tuple(n for n in kwonly if n not in kwdefaults)
        return cls(
            positional + kwonly,
            positional,
            required,
            bool(code.co_flags & _VARARGS),
            bool(code.co_flags & _VARKEYWORDS),
            code.co_varnames[skip : max(code.co_posonlyargcount, skip)],
        )

    @classmethod
    def _from_inspect(cls, fn: Callable[..., Any]) -> Signature:
        import inspect

        params = inspect.signature(fn).parameters.values()
        kinds = inspect.Parameter
        named = [p for p in params if p.kind not in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)]
        return cls(
            tuple(p.name for p in named),
            tuple(
                p.name
                for p in named
                if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
            ),
            tuple(p.name for p in named if p.default is kinds.empty),
            any(p.kind is kinds.VAR_POSITIONAL for p in params),
            any(p.kind is kinds.VAR_KEYWORD for p in params),
        )

    def bind(self, owner: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Name positional inputs; reject unknown or doubled ones with a clear error."""
        if self.positional_only:
            raise ValueError(
                f"Task {owner!r} has positional-only input(s) "
                f"{', '.join(self.positional_only)}: tasks receive inputs by name, "
                "so drop the '/' from its signature"
            )
        if len(args) > len(self.positional):
            if self.var_positional:
                raise ValueError(f"Task {owner!r}: *args inputs are not supported")
            raise ValueError(
                f"Task {owner!r} takes {len(self.positional)} positional input(s) "
                f"but {len(args)} were given"
            )
        bound = dict(zip(self.positional, args, strict=False))
        for key, value in kwargs.items():
            if key in bound:
                raise ValueError(f"Task {owner!r} got input {key!r} twice")
            if key not in self.names and not self.var_keyword:
                known = ", ".join(self.names) or "nothing"
                raise ValueError(f"Task {owner!r} has no input {key!r}; it takes: {known}")
            bound[key] = value
        return bound
