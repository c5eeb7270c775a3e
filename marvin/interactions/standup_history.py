"""What `/standup history [@user] [N]` answers: a member's last N updates, per question,
as one ephemeral answer within Slack's limits.

Example::

    answer = standup_history(store, "U1", "<@U2|bob> 10", utc_now())
    answer.text, answer.blocks   # fallback text, and section blocks (one message)

Who may read whose history: a current member reads their own, and that of anyone in the
same team (current or former); nobody else's, and the answer does not tell "no such
person" from "another team". The updates shown are those dated within `HISTORY_SPAN`
before today and `AHEAD` after it (on every store, so the answers are the same): the store
may then read the candidate dates by id, newest first (`list_member_updates`), and the
answer comes within Slack's 3 s however long the team's history; the caller sets the
deadline.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marvin.domain.availability import absence_on
from marvin.domain.digest import escape_mrkdwn, mention, section_block, update_body
from marvin.domain.models import Member
from marvin.domain.participation import DayState, day_state
from marvin.domain.slack_fit import PartPacker
from marvin.domain.slack_limits import slack_len
from marvin.domain.standup import format_date, is_user_id
from marvin.store.base import Store

DEFAULT_COUNT = 5
MAX_COUNT = 30
USAGE = ("Usage: `/standup history [@person] [N]`: the last N (1 to "
         f"{MAX_COUNT}, default {DEFAULT_COUNT}) updates of a person in your team "
         "(yourself when nobody is named).")
NOT_READABLE = ("You can read the history of people in your own team only, and {who} is "
                "not in team *{team}*.")
CUT_NOTE = ("_Older updates did not fit in one answer: ask for fewer, e.g. "
            "`/standup history {who}{count}`._")
# How far back history reaches: two years, (leap days included) of updates at most.
HISTORY_SPAN = dt.timedelta(days=2 * 366)
# An update counts for the team's next standup day, a few days ahead at most; further
# only past a month of holidays (then it shows once its date is that close).
AHEAD = dt.timedelta(days=31)
NOTE_ROOM = 300  # block text kept free for the cut note and the heading

# `<@U123|name>` as Slack sends a picked mention (escaped with `should_escape`, or not).
_MENTION = re.compile(r"(?:<|&lt;)@([A-Z0-9]+)(?:\|[^>&]*)?(?:>|&gt;)")


@dataclass(frozen=True)
class HistoryAnswer:
    """The answer: `text` (fallback, and all there is for an error) and its blocks."""

    text: str
    blocks: tuple[dict[str, Any], ...] = field(default=())
    ok: bool = True


@dataclass(frozen=True)
class HistoryArgs:
    """What was asked: whose history (None: yourself; a user id or an ``@name``) and how many."""

    who: str | None
    count: int


def parse_history_args(argument: str) -> HistoryArgs | str:
    """The arguments of `/standup history`, or what is wrong with them (a message)."""
    who: str | None = None
    count: int | None = None
    for word in argument.split():
        if word.isdigit() and count is None:
            count = int(word)
        elif who is None and (found := _MENTION.fullmatch(word)) and is_user_id(found[1]):
            who = found[1]
        elif who is None and word.startswith("@") and len(word) > 1:
            who = word
        else:
            return f"I did not understand `{escape_mrkdwn(word)}`. {USAGE}"
    if count is not None and not 1 <= count <= MAX_COUNT:
        return f"N must be 1 to {MAX_COUNT}. {USAGE}"
    return HistoryArgs(who, DEFAULT_COUNT if count is None else count)


def is_history_command(argument: str) -> bool:
    """Whether the words after "history" look like its arguments (at most two, each a
    number or a person), so an update that starts with "history" stays an update, while
    a bad N still gets its own answer."""
    words = argument.split()
    return len(words) <= 2 and all(
        w.isdigit() or w.startswith("@") or _MENTION.fullmatch(w) for w in words)


def standup_history(store: Store, user_id: str, argument: str,
                    now: dt.datetime) -> HistoryAnswer:
    """Answer `/standup history <argument>` for `user_id` at `now` (aware). Raises
    `StoreError` (the caller says the store did not answer)."""
    args = parse_history_args(argument)
    if isinstance(args, str):
        return HistoryAnswer(args, ok=False)
    me = store.get_member(user_id)
    if me is None:
        return HistoryAnswer("You are not in a standup team yet: `/standup join`, then "
                             "your history builds up.", ok=False)
    person = _find(store, me, args.who)
    if person is None:
        who = escape_mrkdwn(args.who or "")
        shown = mention(args.who) if args.who and is_user_id(args.who) else who
        return HistoryAnswer(NOT_READABLE.format(who=shown, team=escape_mrkdwn(me.team)),
                             ok=False)
    today = now.astimezone(dt.UTC).date()
    updates = store.list_member_updates(
        me.team, person.user_id, limit=args.count,
        since=(today - HISTORY_SPAN).isoformat(), until=(today + AHEAD).isoformat())
    own = person.user_id == user_id
    whose = "Your" if own else f"{mention(person.user_id)}'s"
    if not updates:
        return HistoryAnswer(f"{whose} history in team *{escape_mrkdwn(me.team)}* is empty: "
                             "no updates yet.")
    heading = (f"{whose} last {len(updates)} update{'s' if len(updates) > 1 else ''} in "
               f"team *{escape_mrkdwn(me.team)}*, newest first:")
    packer = PartPacker(reserve_blocks=2, reserve_text=NOTE_ROOM + slack_len(heading))
    # only a date with nothing said can be away: time off is read for those alone
    silent = any(day_state(u) is not DayState.POSTED for u in updates)
    absences = store.list_absences(person.user_id) if silent else []
    for number, update in enumerate(updates):
        away = absence_on(person.user_id, update.date, absences) is not None
        state = day_state(update, away=away)
        body = update_body(update) if state is DayState.POSTED else f"_{state.value}_"
        label = f"*{format_date(update.date)}* ({update.date})\n"
        packer.add_text(body, first_label=label, more_label=label.rstrip() + " (continued)\n",
                        make_block=_section_maker(number))
    parts = packer.parts()
    blocks = [section_block("history-heading", heading), *parts[0]]
    if len(parts) > 1:
        who = "" if own else f"<@{person.user_id}> "
        blocks.append(section_block("history-cut", CUT_NOTE.format(
            who=who, count=max(1, args.count // 2))))
    return HistoryAnswer(heading, tuple(blocks))


def _section_maker(number: int) -> Callable[[int, str], dict[str, Any]]:
    """Builds section ``part`` of update ``number``, with a block_id unique in the answer."""
    return lambda part, text: section_block(f"history-{number}-{part}", text)


def _find(store: Store, me: Member, who: str | None) -> Member | None:
    """The member `who` names in `me`'s team (current or former), or None. A user id of a
    current teammate (the usual case) is one read by id; a name, a former member or
    someone of another team, a read of the team's members."""
    if who is None:
        return me
    if not who.startswith("@") and (current := store.get_member(who)) is not None \
            and current.team == me.team:
        return current
    members = store.list_members(me.team, include_former=True)
    if who.startswith("@"):
        name = who[1:].casefold()
        return next((m for m in members if m.name.casefold() == name), None)
    return next((m for m in members if m.user_id == who), None)
