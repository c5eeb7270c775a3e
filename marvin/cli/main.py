"""`marvin`: the Typer app, its command groups, and `main`, which turns every error into one
line and an exit code.

Every command turns bad settings or input into one clear line and an exit code, never
a traceback: the person at the terminal is setting Marvin up, not debugging it.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from marvin.cli.doctor import doctor
from marvin.cli.events import events_command
from marvin.cli.export import export_command
from marvin.cli.output import err, print_error
from marvin.cli.run import run_command, schedule, serve
from marvin.cli.runs import runs_app, stats_command
from marvin.cli.team import team_app
from marvin.cli.workspaces import workspaces_app
from marvin.engine import FlowValidationError
from marvin.settings import SettingsError
from marvin.store import StoreError
from marvin.store.teams import UnknownTeamError

app = typer.Typer(
    name="marvin",
    help="Marvin: a Slack standup bot.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # main() turns errors into one line; never a traceback
)
# In --help, commands are listed in this order, then the groups.
app.command()(serve)
app.command("run")(run_command)
app.command()(doctor)
app.command()(schedule)
app.command("stats")(stats_command)
app.command("export")(export_command)
app.command("events")(events_command)
app.add_typer(team_app, name="team")
app.add_typer(runs_app, name="runs")
app.add_typer(workspaces_app, name="workspaces")


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    """Entry point: every error, Typer's usage errors included, becomes one line on stderr
    (what was wrong, with the option or variable and what was expected) and exit 2; a
    store that fails is exit 3."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # click's errors, as vendored by Typer
        if type(exc).__name__ == "NoArgsIsHelpError":  # `marvin team`: the help, as asked
            exc.show()  # type: ignore[attr-defined]
        else:
            print_error("Error", _usage_message(exc))
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("Aborted")
        sys.exit(1)
    except SettingsError as exc:
        print_error("Configuration error", exc)
        sys.exit(2)
    except (UnknownTeamError, FlowValidationError, ValueError) as exc:
        print_error("Error", exc)
        sys.exit(2)
    except StoreError as exc:
        print_error("Store error", exc)
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc: typer.TyperException) -> str:
    """Click's message, with where to read more: ``... (see `marvin team set --help`)``."""
    message = exc.format_message().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and exc.exit_code == 2:
        message += f" (see `{ctx.command_path} --help`)"
    return message
