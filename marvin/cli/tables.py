"""Tables that fit the terminal without breaking a value in the middle.

Rich shrinks every column of a table wider than the terminal, so below ~100 columns a
time zone came out as ``Europe/Berl`` over ``in`` and a state as ``Fai…``. Here the short
values (ids, zones, times, states) never wrap: they keep their full width and only one
columns, the free text (members, parameters, messages), wrap, at spaces. When even that
does not fit, each row is shown as a block of ``name  value`` lines instead, which fits
anywhere.

Example::

    print_table(console, "teams", ["team", "time zone", "members"], rows, wrap="members")
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

#: Each wrapping column gets at least this many cells, or the rows are stacked instead.
MIN_WRAP_WIDTH = 16
#: What one column costs beyond its text: a space either side and one border line.
COLUMN_OVERHEAD = 3


def print_table(
    console: Console,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Text]],
    *,
    wrap: str | Sequence[str],
    right: Sequence[str] = (),
) -> None:
    """Print `rows` under `headers` as a table if it fits `console`, else as stacked rows.

    Args:
        wrap: The header(s) of the columns that may wrap (at spaces; a longer word folds).
        right: Headers of columns aligned right (numbers).
    """
    wrapping = {wrap} if isinstance(wrap, str) else set(wrap)
    widths = {
        header: max([len(header), *(row[i].cell_len for row in rows)])
        for i, header in enumerate(headers)
    }
    needed = COLUMN_OVERHEAD * len(headers) + 1 + sum(
        max(MIN_WRAP_WIDTH, len(header)) if header in wrapping else widths[header]
        for header in headers
    )
    if needed > console.width:
        _print_stacked(console, title, headers, rows)
        return
    table = Table(title=title, title_justify="left")
    for header in headers:
        justify: JustifyMethod = "right" if header in right else "left"
        if header in wrapping:
            table.add_column(header, overflow="fold", min_width=len(header), ratio=1,
                             justify=justify)
        else:
            table.add_column(header, no_wrap=True, min_width=widths[header], justify=justify)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _print_stacked(
    console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[Text]]
) -> None:
    """Each row as its first value, then ``header  value`` lines (values wrap at spaces)."""
    console.print(Text(title, style="italic"))
    for row in rows:
        first = row[0].copy()
        first.stylize("bold")
        console.print(Text.assemble(("• ", "dim"), first))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(overflow="fold")
        for header, cell in zip(headers[1:], row[1:], strict=True):
            grid.add_row("  " + header, cell)
        console.print(grid)
