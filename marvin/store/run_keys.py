"""Run ids and task-run positions: the rules every run-history backend applies alike.

`get_run` takes an exact id or a prefix of at least `MIN_PREFIX` characters, found by a
range scan up to `prefix_end`; an ambiguous prefix names up to `MAX_CANDIDATES` runs. Task
runs are keyed by (flow run, position), so one call may not hold two at one position.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from marvin.store.run_records import TaskRunRecord

MIN_PREFIX = 6  # shortest run id prefix `get_run` accepts
MAX_CANDIDATES = 10  # candidates named when a prefix is ambiguous


def check_positions(runs: Sequence[TaskRunRecord]) -> None:
    """Refuse two task runs at one position of a run in a call: one would replace the other.

    (flow run, position) is the key and `position` defaults to 0: records built without a
    position must fail loudly, not overwrite each other.
    """
    if len({(r.flow_run_id, r.position) for r in runs}) < len(runs):  # one pass: hot
        keys = [(r.flow_run_id, r.position) for r in runs]
        run, position = next(k for k, n in Counter(keys).items() if n > 1)
        raise ValueError(f"task runs share position {position} of run {run!r}")


def check_prefix(prefix: str) -> None:
    """Refuse a prefix too short to name one run among thousands."""
    if len(prefix) < MIN_PREFIX:
        raise ValueError(
            f"run id prefix {prefix!r} is too short: give at least {MIN_PREFIX} characters"
        )


def prefix_end(prefix: str) -> str:
    """The least string above all strings starting with `prefix`, in code point order.

    That is UTF-8 byte order, which SQLite and Firestore compare by. Exact, unlike
    ``prefix + "\\uf8ff"``, which misses ids going on with an emoji, say.
    """
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000
    if last > 0x10FFFF:  # nothing is above U+10FFFF: drop it and bump the character before
        return prefix_end(prefix[:-1]) if len(prefix) > 1 else prefix + "\U0010ffff"
    return prefix[:-1] + chr(last)


def ambiguous(prefix: str, ids: Sequence[str]) -> str:
    """The message of the ValueError for a prefix matching several runs: it names them."""
    named = ", ".join(ids[:MAX_CANDIDATES]) + (", ..." if len(ids) > MAX_CANDIDATES else "")
    return f"run id prefix {prefix!r} is ambiguous: it matches {named}"
