"""What the update modal and the reminder's buttons do, as plain functions over the store.

The Slack listeners only move JSON: they ask `open_form` which view to open (or what to
say instead), hand a submitted view to `submit_form` and ack with its answer, and pass a
"Skip today" click to `skip_day`. Every store call runs under `STORE_BUDGET` (Slack's
3 s), every refusal says why, and a submission that cannot be saved keeps the modal
open with the person's text in it, so nothing typed is ever lost.

Example::

    opening = open_form(store, settings, "U123", now)
    if opening.view: client.views_open(trigger_id=..., view=opening.view)
    else: ack(text=opening.text)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from marvin.domain.digest import escape_mrkdwn
from marvin.domain.models import Member, Team
from marvin.domain.standup import format_date, parse_date
from marvin.interactions.standup_command import STORE_BUDGET
from marvin.interactions.update_date import update_date
from marvin.interactions.update_modal import (
    Form,
    NotOurForm,
    View,
    first_block,
    form_answers,
    form_errors,
    message_view,
    read_form,
    update_view,
    version_stamp,
)
from marvin.interactions.update_writes import MarkSkipped, ReplaceAnswers, save_update
from marvin.settings import Settings
from marvin.store.base import OutcomeUnknown, Store, StoreError, UpdateFull, deadline
from marvin.store.teams import UnknownTeamError, resolve_team

NOT_A_MEMBER = (
    "You are not in a standup team yet, so there is no form to fill in. Join one with "
    "`/standup join` (or `/standup join TEAM`), or just post with `/standup <your update>`."
)
TEAM_GONE = ("Your team no longer exists. Pick a team with `/standup join` "
             "(or `/standup join TEAM`).")
NO_DATABASE = (
    ":warning: Marvin could not reach its database, so the form cannot open. Please try "
    "again in a minute (or post with `/standup <your update>`)."
)
NOT_SAVED = "Marvin could not reach its database: nothing was saved. Please submit again."
UNCONFIRMED = ("Marvin's database stopped answering mid-write: it may or may not have "
               "saved. Submitting again is safe.")
STALE = (
    ":warning: *Your answers were changed elsewhere* (another Slack window?) since this "
    "form opened. Below is what you typed here; saving now replaces what is stored, "
    "which was:\n{stored}"
)

Ack = dict[str, Any]


@dataclass(frozen=True)
class Opening:
    """What `/standup` (no text) or "Write my update" leads to: a modal, or a sentence."""

    view: View | None = None
    text: str = ""


def open_form(
    store: Store, settings: Settings, user_id: str, now: dt.datetime,
    button_date: str | None = None,
) -> Opening:
    """The modal for the person's team and active standup date, prefilled; or why not.

    `button_date`: the date of the reminder whose button was pressed (it must still be
    the active one)."""
    try:
        with deadline(STORE_BUDGET):
            found = _member_team(store, settings, user_id)
            if found is None:
                return Opening(text=NOT_A_MEMBER)
            team, date = found[1], update_date(store, found[1], now).date
            expired = "" if button_date is None else button_expired(store, team, button_date,
                                                                     now)
            if expired:
                return Opening(text=expired)
            return Opening(view=update_view(team, date, store.get_update(team.name, date,
                                                                         user_id)))
    except UnknownTeamError:
        return Opening(text=TEAM_GONE)
    except StoreError:
        return Opening(text=NO_DATABASE)


def submit_form(
    store: Store, settings: Settings, user_id: str, view: object, now: dt.datetime
) -> Ack:
    """The ack for a submitted update modal: field errors, a view saying what happened, or
    a note that the answers were changed elsewhere meanwhile (the modal stays open)."""
    try:
        form = read_form(view)
    except NotOurForm:
        return _replace("This form is not one Marvin can read any more: close it and open "
                        "a new one with `/standup`.")
    errors = form_errors(form)
    if errors:
        return {"response_action": "errors", "errors": errors}
    try:
        with deadline(STORE_BUDGET):
            return _save(store, settings, user_id, form, now)
    except UnknownTeamError:
        return _errors(form, "Your team no longer exists, so this was not saved. "
                             "Join a team with /standup join, then submit again.")
    except OutcomeUnknown:
        return _errors(form, UNCONFIRMED)
    except StoreError:
        return _errors(form, NOT_SAVED)


def unsaved_form(view: object) -> Ack:
    """The ack for a submission that never reached `submit_form` (the store was down
    before it could run): the modal stays open, its text in it, saying nothing was saved."""
    try:
        return _errors(read_form(view), NOT_SAVED)
    except NotOurForm:
        return _replace(NOT_SAVED)


def skip_day(
    store: Store, settings: Settings, user_id: str, date: str, now: dt.datetime
) -> str:
    """ "Skip today" from the reminder for `date`: what the reminder DM should now say."""
    try:
        with deadline(STORE_BUDGET):
            found = _member_team(store, settings, user_id)
            if found is None:
                return "You are no longer in a standup team, so there is nothing to skip."
            team = found[1]
            expired = button_expired(store, team, date, now)
            if expired:
                return expired
            save_update(store, team.name, date, user_id, MarkSkipped(), now)
    except UnknownTeamError:
        return TEAM_GONE
    except StoreError:
        return (":warning: Marvin could not reach its database; you are *not* marked as "
                "skipping. Please press the button again in a minute.")
    return (f"You are skipping standup on *{format_date(date)}*: no more reminders for it, "
            "and the digest shows you as skipped. Changed your mind? `/standup` still works.")


def button_expired(store: Store, team: Team, date: str, now: dt.datetime) -> str:
    """Why a reminder button for `date` no longer applies ("" while it does): it is only
    good for the standup it reminded of, the one an update would go to now."""
    try:
        parse_date(date)
    except ValueError:
        return "This button does not say which standup it is for; use `/standup` instead."
    active = update_date(store, team, now).date
    if date == active:
        return ""
    return (f"This reminder was for *{format_date(date)}*; its buttons no longer apply. "
            f"For *{format_date(active)}*, use `/standup`.")


def _save(store: Store, settings: Settings, user_id: str, form: Form, now: dt.datetime) -> Ack:
    found = _member_team(store, settings, user_id)
    if found is None:
        return _errors(form, "You are no longer in a standup team, so this was not saved. "
                             "Join one with /standup join, then submit again.")
    member, team = found
    if form.team != team.name:
        return _errors(form, f"This form was for team {form.team}, but you are now in team "
                             f"{team.name}. Close it and open a new one with /standup.")
    date = update_date(store, team, now).date
    if form.date != date:
        return _errors(form, f"This form was for {format_date(form.date)}, which has passed. "
                             "Copy your text, close it and open a new one with /standup.")
    current = store.get_update(team.name, date, member.user_id)
    if version_stamp(current) != form.version and current is not None:
        stored = "\n".join(f"• {escape_mrkdwn(a.question)}: {escape_mrkdwn(a.text)}"
                           for a in current.answers) or "(nothing)"
        values = {field.block_id: field.value for field in form.fields}
        notice = STALE.format(stored=stored)
        view = update_view(team, date, current, notice=notice, values=values)
        return {"response_action": "update", "view": view}
    # Answers to questions the form did not show (removed from the team since) are kept.
    shown = {field.block_id for field in form.fields}
    kept = tuple(a for a in current.answers if a.question_id not in shown) if current else ()
    try:
        save_update(store, team.name, date, member.user_id,
                    ReplaceAnswers(form_answers(form, team) + kept), now)
    except UpdateFull:
        return _errors(form, "Your update for this date is full (with what you posted with "
                             "/standup). Shorten your answers, or /standup clear first.")
    return _replace(
        f":white_check_mark: Saved your update for *{format_date(date)}*. It will be posted "
        f"to {escape_mrkdwn(team.channel)} at {team.standup_time} ({team.timezone}). "
        "Change it any time before then with `/standup`.", title="Saved")


def _member_team(store: Store, settings: Settings, user_id: str) -> tuple[Member, Team] | None:
    member = store.get_member(user_id)
    if member is None:
        return None
    return member, resolve_team(store, settings, member.team)


def _errors(form: Form, message: str) -> Ack:
    return {"response_action": "errors", "errors": {first_block(form): message}}


def _replace(text: str, *, title: str = "Standup") -> Ack:
    return {"response_action": "update", "view": message_view(text, title=title)}
