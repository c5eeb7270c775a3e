"""What `/standup` does, as plain functions: parse the text, act on the store, answer.

Example::

    reply = handle_standup(store, settings, user_id="U123", user_name="alice",
                           text="shipped the digest", now=now)
    reply.text   # "Thanks! Saved your update for Monday 23 November ..."

The Slack handler (`marvin.slack.listeners`) only acks with `reply.text`; everything a
person can get wrong gets a clear answer here, and a store failure says plainly that
nothing was saved, never a false "Thanks".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from marvin.domain.absences import looks_like_dates
from marvin.domain.digest import escape_mrkdwn, update_body
from marvin.domain.events import member_joined
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.domain.names import check_team_name
from marvin.domain.slack_fit import fit_with_note
from marvin.domain.slack_limits import MAX_EPHEMERAL_ANSWER
from marvin.domain.standup import format_date, is_skipped
from marvin.history.events import publish
from marvin.interactions.nudge_choice import nudge_choice
from marvin.interactions.standup_history import is_history_command, standup_history
from marvin.interactions.time_off import come_back, list_time_off, take_time_off
from marvin.interactions.update_date import UpdateDate, update_date
from marvin.interactions.update_writes import AppendText, save_update
from marvin.settings import Settings
from marvin.store.base import OutcomeUnknown, Store, StoreError, UpdateFull, deadline
from marvin.store.teams import UnknownTeamError, membership_date, resolve_team

MAX_UPDATE_CHARS = 20_000  # generous for a standup; the digest splits it under Slack's limits
CUT_SHORT = (
    "\n… _(cut short: Slack shows at most {limit:,} characters in this answer. "
    "Everything you posted is saved and goes into the digest.)_"
)
STORE_BUDGET = 2.0
"""Seconds the store may take to answer one `/standup`. Slack shows the user its own
"operation_timeout" error if the command is not answered within 3 s, so an outage must
surface before then for Marvin's "not saved, try again" to be seen at all."""

HELP = (
    "*How to use Marvin's standup*\n"
    "• `/standup`: answer your team's questions in a form (it shows what you already "
    "answered; change it any time before standup)\n"
    "• `/standup <your update>`: add free text to your update for the next standup "
    "(posting again appends)\n"
    "• `/standup show`: see what you have posted so far\n"
    "• `/standup clear`: delete your update for the next standup (and see what was "
    "cleared)\n"
    "• `/standup history [@person] [N]`: the last N updates (default 5, at most 30) of "
    "yourself or of someone in your team\n"
    "• `/standup join [team]`: take part in standup (team `default` unless you name one)\n"
    "• `/standup leave`: stop taking part (no more reminders)\n"
    "• `/standup away tomorrow`, `/standup away fri`, `/standup away 2026-12-24..2027-01-02 "
    "holidays`: time off (no reminders; the digest lists you as away); `/standup away` "
    "lists it, `/standup back` ends it\n"
    "• `/standup nudges off` (or `on`): no short nudge DM just before standup "
    "(or have it again)\n"
    "• `/standup help`: this message\n"
    "The reminder DM has buttons too: *Write my update* opens the form, *Skip today* "
    "stops the reminders for that standup and shows you as skipped in the digest."
)

NOT_SAVED = (
    ":warning: Your update was *not saved*: Marvin could not reach its database. "
    "Please try again in a minute."
)
NOT_CHANGED = (
    ":warning: Marvin could not reach its database; nothing was changed. "
    "Please try again in a minute."
)
NOT_CONFIRMED = (
    ":warning: Marvin could not confirm the change: its database stopped answering "
    "mid-write. Check with `/standup show` in a minute."
)
NOT_READ = (
    ":warning: Marvin could not read the history in time: its database did not answer. "
    "Please try again in a minute."
)
UNCONFIRMED = (
    ":warning: Marvin could not confirm that your update was saved: its database stopped "
    "answering mid-write. Check with `/standup show` in a minute before posting it again."
)


@dataclass(frozen=True)
class Reply:
    """An ephemeral answer to the person who typed the command.

    `posted_digests` are the (team, date) of digests already in Slack that the command
    changed an update of: the caller brings them up to date (`marvin.delivery.digest_sync`)
    after answering, off the request's thread. `blocks`, when any, are the answer and
    `text` its fallback."""

    text: str
    ok: bool = True
    posted_digests: tuple[tuple[str, str], ...] = ()
    blocks: tuple[dict[str, Any], ...] = field(default=())


@dataclass(frozen=True)
class Command:
    action: str  # "form", "update", "show", "clear", "help", "join", "leave", "nudges",
    # "history", "away", "back"
    argument: str = ""


@dataclass(frozen=True)
class StandupRequest:
    """One person's `/standup` command and what every action needs to answer it."""

    store: Store
    settings: Settings
    user_id: str
    user_name: str
    command: Command
    now: dt.datetime

    def membership_date(self, team: str) -> str:
        """The first standup of `team` that joining (or leaving) it now takes effect for."""
        return membership_date(self.store, self.settings, team, self.now)


_KEYWORDS = {"show", "clear", "help", "leave", "away", "back"}


def parse_command(text: str) -> Command:
    """Keywords only when they are the whole command, so an update may start with "show".
    No text at all asks for the form (the update modal)."""
    stripped = text.strip()
    word, _, rest = stripped.partition(" ")
    lowered = word.lower()
    if not stripped:
        return Command("form")
    if lowered in _KEYWORDS and not rest.strip():
        return Command(lowered)
    if lowered in ("join", "nudges") and len(rest.split()) <= 1:
        return Command(lowered, rest.strip())
    if lowered == "history" and is_history_command(rest):
        return Command("history", rest.strip())
    if lowered == "away" and looks_like_dates(rest.split()[0]):  # "away from my desk": text
        return Command("away", rest.strip())
    return Command("update", text)


def command_field(value: object) -> str:
    """A text field of a slash command as Slack sent it: a form without it, or JSON `null`
    (interaction payloads and Socket Mode envelopes are JSON), is empty, never "None"."""
    return value if isinstance(value, str) else ""


def handle_standup(
    store: Store,
    settings: Settings,
    *,
    user_id: str,
    user_name: str,
    text: str,
    now: dt.datetime,
    budget: float = STORE_BUDGET,
) -> Reply:
    """Run one `/standup` command for one user; never raises for bad input or a dead store.

    The store gets `budget` seconds in all: past that, the answer is "not saved" (or "could
    not confirm", when a write went out and its answer did not come back). An answer too
    long for Slack (`/standup show` of a long update) is cut short with a note saying so."""
    command = parse_command(text)
    reply = _answer(StandupRequest(store, settings, user_id, user_name, command, now), budget)
    note = CUT_SHORT.format(limit=MAX_EPHEMERAL_ANSWER)
    return replace(reply, text=fit_with_note(reply.text, MAX_EPHEMERAL_ANSWER, note))


def _answer(request: StandupRequest, budget: float) -> Reply:
    # "form" opens a modal (`marvin.interactions.update_form`); where none can open, help.
    if request.command.action in ("help", "form"):
        return Reply(HELP)
    try:
        with deadline(budget):
            return _act(request)
    except StoreError as exc:  # OutcomeUnknown too: a write went out, its answer did not
        unknown = isinstance(exc, OutcomeUnknown)
        if request.command.action == "history":
            return Reply(NOT_READ, ok=False)
        if request.command.action == "update":
            return Reply(UNCONFIRMED if unknown else NOT_SAVED, ok=False)
        return Reply(NOT_CONFIRMED if unknown else NOT_CHANGED, ok=False)


def _act(request: StandupRequest) -> Reply:
    try:
        return _ACTIONS[request.command.action](request)
    except UnknownTeamError:  # their team was deleted under them
        member = request.store.get_member(request.user_id)
        team = escape_mrkdwn(member.team) if member else "?"
        return Reply(
            f"Your team *{team}* no longer exists, so nothing was saved or changed. "
            "Pick a team with `/standup join` (or `/standup join TEAM`).",
            ok=False,
        )


def _member(request: StandupRequest) -> tuple[Member, bool]:
    """The member record, joining the default team on first use (returns joined?)."""
    store, user_id = request.store, request.user_id
    member = store.get_member(user_id)
    if member is not None:
        return member, False
    joined = request.membership_date(DEFAULT_TEAM)
    member = Member(user_id=user_id, team=DEFAULT_TEAM, name=request.user_name, joined_on=joined)
    store.save_member(member)
    publish(member_joined(DEFAULT_TEAM, user_id, request.now))  # its zone, asked at once
    return member, True


def _team_and_date(request: StandupRequest, member: Member) -> tuple[Team, UpdateDate]:
    team = resolve_team(request.store, request.settings, member.team)
    return team, update_date(request.store, team, request.now)


def _update(request: StandupRequest) -> Reply:
    text = request.command.argument.strip()
    if len(text) > MAX_UPDATE_CHARS:
        return Reply(
            f"That update is {len(text):,} characters; the limit is {MAX_UPDATE_CHARS:,}. "
            "Nothing was saved: please shorten it or split it over several `/standup`s.",
            ok=False,
        )
    member, joined = _member(request)
    team, when = _team_and_date(request, member)
    date = when.date
    try:
        update = save_update(request.store, team.name, date, member.user_id, AppendText(text),
                             request.now)
    except UpdateFull:
        return Reply(
            f"Your update for *{format_date(date)}* is full: it cannot hold more text, so "
            "this was *not saved*. See it with `/standup show`; `/standup clear` and post a "
            "shorter update to start over.",
            ok=False,
        )
    parts = len(update.entries)
    part = f" (part {parts})" if parts > 1 else ""
    if when.late:
        lines = [
            f"Thanks! Added your update{part} to {when.describe(team)}: the digest in "
            f"{escape_mrkdwn(team.channel)} is being updated."
        ]
    else:
        lines = [
            f"Thanks! Saved your update for *{format_date(date)}*{part}. It will be posted "
            f"to {escape_mrkdwn(team.channel)} at {team.standup_time} ({team.timezone})."
        ]
    if joined:
        lines.append(
            f"You have joined team *{escape_mrkdwn(team.name)}*: `/standup leave` to stop."
        )
    return Reply("\n".join(lines), posted_digests=((team.name, date),) if when.late else ())


def _show(request: StandupRequest) -> Reply:
    member = request.store.get_member(request.user_id)
    if member is None:
        return Reply("You are not in a standup team yet: `/standup join` or just post an update.")
    team, when = _team_and_date(request, member)
    date = when.date
    update = request.store.get_update(team.name, date, member.user_id)
    if update is not None and is_skipped(update):
        return Reply(f"You are skipping standup on *{format_date(date)}* (the reminder's "
                     "*Skip today*). Post or answer the form to take part after all.")
    # Shown when anything was typed, even invisible text: it is what the digest holds.
    if update is None or not (update.text.strip() or update_body(update)):
        return Reply(f"You have no update for *{format_date(date)}* yet.")
    return Reply(f"Your update for *{format_date(date)}*:\n{update_body(update)}")


def _clear(request: StandupRequest) -> Reply:
    """Clear the pending update wherever it is: an update posted before `leave` or a
    move to another team is still in that team's digest, so it must stay clearable."""
    store, user_id = request.store, request.user_id
    member = store.get_member(user_id)
    teams = [member.team] if member is not None else []
    teams += [t.name for t in store.list_teams() if t.name not in teams]
    if DEFAULT_TEAM not in teams:
        teams.append(DEFAULT_TEAM)
    cleared_lines = []
    posted: list[tuple[str, str]] = []
    own_date = None
    for name in teams:
        try:
            team = resolve_team(store, request.settings, name)
        except UnknownTeamError:
            if member is not None and name == member.team:
                raise
            continue
        target = update_date(store, team, request.now)
        date = target.date
        own_date = own_date or date
        cleared = store.clear_update(team.name, date, user_id)
        if cleared is not None:
            if target.late:
                posted.append((team.name, date))
            where = f" (team {escape_mrkdwn(team.name)})" if len(teams) > 1 else ""
            cleared_lines.append(
                f"Cleared your update for *{format_date(date)}*{where}. It was:\n"
                f"{update_body(cleared)}"
            )
    if not cleared_lines:
        when = f" for *{format_date(own_date)}*" if own_date else ""
        return Reply(f"You had no update{when}; nothing to clear.")
    return Reply("\n".join(cleared_lines), posted_digests=tuple(posted))


def _join(request: StandupRequest) -> Reply:
    store, user_id = request.store, request.user_id
    name = request.command.argument or DEFAULT_TEAM
    try:
        check_team_name(name)
    except ValueError as exc:
        return Reply(f"That is not a team name: {escape_mrkdwn(str(exc))}.", ok=False)
    if name != DEFAULT_TEAM and store.get_team(name) is None:
        known = ", ".join(sorted({DEFAULT_TEAM} | {t.name for t in store.list_teams()}))
        return Reply(
            f"There is no team *{escape_mrkdwn(name)}*. Teams: {escape_mrkdwn(known)}.", ok=False
        )
    current = store.get_member(user_id)
    stays = current is not None and current.team == name
    joined = current.joined_on if current is not None and stays else request.membership_date(name)
    store.save_member(Member(user_id=user_id, team=name, name=request.user_name, joined_on=joined))
    if stays:
        return Reply(f"You are already in team *{escape_mrkdwn(name)}*.")
    publish(member_joined(name, user_id, request.now))
    moved = f" (moved from *{escape_mrkdwn(current.team)}*)" if current is not None else ""
    return Reply(
        f"Welcome to team *{escape_mrkdwn(name)}*{moved}! Post with `/standup <your update>`."
    )


def _leave(request: StandupRequest) -> Reply:
    store, user_id = request.store, request.user_id
    current = store.get_member(user_id)
    try:  # kept as a former member from the next standup on, for statistics
        left = None if current is None else request.membership_date(current.team)
    except UnknownTeamError:  # their team is gone: nothing to count them in
        left = None
    if current is None or not store.remove_member(user_id, left):
        return Reply("You were not in a standup team.")
    return Reply("You have left standup: no more reminders. `/standup join` to come back.")


def _time_off(request: StandupRequest) -> Reply:
    """`/standup away [DAYS [reason]]` and `/standup back`."""
    store = request.store
    member = store.get_member(request.user_id)
    if member is None:
        return Reply("You are not in a standup team, so there is no time off to plan: "
                     "`/standup join` first.", ok=False)
    team = resolve_team(store, request.settings, member.team)
    command = request.command
    if command.action == "back":
        answer = come_back(store, team, member, request.now)
    elif command.argument:
        answer = take_time_off(store, team, member, command.argument, request.now)
    else:
        answer = list_time_off(store, team, member, request.now)
    return Reply(answer.text, ok=answer.ok)


def _nudges(request: StandupRequest) -> Reply:
    text, ok = nudge_choice(request.store, request.user_id, request.command.argument)
    return Reply(text, ok)


def _history(request: StandupRequest) -> Reply:
    answer = standup_history(request.store, request.user_id, request.command.argument,
                             request.now)
    return Reply(answer.text, ok=answer.ok, blocks=answer.blocks)


_ACTIONS: dict[str, Callable[[StandupRequest], Reply]] = {
    "history": _history,
    "away": _time_off,
    "back": _time_off,
    "nudges": _nudges,
    "update": _update,
    "show": _show,
    "clear": _clear,
    "join": _join,
    "leave": _leave,
}
