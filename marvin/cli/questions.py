"""`marvin team questions TEAM [list|add|remove|move|reset]`: a team's standup questions."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from marvin.cli.input import bad_option, option_value
from marvin.cli.output import console
from marvin.cli.workspace import WorkspaceOption, open_workspace
from marvin.domain.models import DEFAULT_QUESTIONS, Question, Team
from marvin.domain.names import check_team_name
from marvin.domain.questions import add_question, move_question, remove_question
from marvin.settings import load_settings
from marvin.store.teams import UnknownTeamError, resolve_team

ACTIONS = ("list", "add", "remove", "move", "reset")
_ARITY = {"list": 0, "add": 1, "remove": 1, "move": 2, "reset": 0}
_USAGE = {
    "list": "list", "add": "add LABEL [--optional] [--blockers]", "remove": "remove N",
    "move": "move N M", "reset": "reset",
}


def team_questions(
    team: Annotated[str, typer.Argument(help="team name")],
    action: Annotated[str, typer.Argument(help="list, add, remove, move or reset")] = "list",
    args: Annotated[list[str] | None, typer.Argument(help="LABEL, N or N M")] = None,
    optional: Annotated[bool, typer.Option("--optional", help="add: may be left empty")] = False,
    blockers: Annotated[
        bool, typer.Option("--blockers", help="add: its answers go under Blockers")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """List or change a team's standup questions (positions count from 1).

    \b
    marvin team questions eng                      the questions, numbered
    marvin team questions eng add "Mood?" --optional
    marvin team questions eng move 4 1             the 4th question becomes the 1st
    marvin team questions eng remove 2
    marvin team questions eng reset                back to the three default questions
    """
    option_value("TEAM", check_team_name, team)
    values = list(args or [])
    if action not in ACTIONS:
        raise bad_option("ACTION", f"expected one of {', '.join(ACTIONS)}, got {action!r}")
    if len(values) != _ARITY[action]:
        raise bad_option("ACTION", f"usage: marvin team questions TEAM {_USAGE[action]}")
    if (optional or blockers) and action != "add":
        raise bad_option("--optional/--blockers", "only with add")
    with open_workspace(load_settings(), workspace) as marvin:
        try:
            current = resolve_team(marvin.store, marvin.settings, team)
        except UnknownTeamError:
            raise bad_option("TEAM", f"no team {team!r}: create it with `marvin team set "
                             f"{team}`") from None
        if action != "list":
            changed = _changed(current, action, values, optional=optional, blockers=blockers)
            marvin.store.save_team(replace(current, questions=changed))
            current = replace(current, questions=changed)
    _print(current)


def _changed(
    team: Team, action: str, values: list[str], *, optional: bool, blockers: bool
) -> tuple[Question, ...]:
    questions = team.questions
    if action == "reset":
        return DEFAULT_QUESTIONS
    if action == "add":
        return option_value("LABEL", lambda label: add_question(
            questions, label, required=not optional, blockers=blockers), values[0])
    positions = [option_value("N", _position, value) for value in values]
    if action == "remove":
        return option_value("N", lambda _: remove_question(questions, positions[0]), values[0])
    return option_value("M", lambda _: move_question(questions, *positions), values[1])


def _position(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"expected a question number like 1, got {value!r}")
    return int(value)


def _print(team: Team) -> None:
    console.print(f"questions of team {team.name}:", markup=False)
    for number, question in enumerate(team.questions, 1):
        flags = [flag for flag, on in (("optional", not question.required),
                                       ("blockers", question.blockers)) if on]
        shown = f" ({', '.join(flags)})" if flags else ""
        console.print(f"{number}. {question.label}{shown}", markup=False, highlight=False)
