"""The digest in thread mode: a parent summary, and one threaded reply per person.

Pure, like `marvin.domain.digest` (whose escaping, names and limits it uses): the parent
says who posted and who is missing; each person's reply holds their update
(`update_body`), in as many messages as Slack's limits need.

Example::

    parent = thread_parent(team, "2026-11-23", updates, members)
    replies = {u.user_id: thread_reply(team, u) for u in updates if not is_blank_update(u)}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marvin.domain.digest import (
    BLOCKERS_LABEL,
    CONTINUED,
    MAX_FALLBACK_TEXT,
    DigestMessage,
    away_label,
    blockers_text,
    check_records,
    digest_title,
    escape_mrkdwn,
    header_block,
    mention,
    roll_call,
    section_block,
    update_body,
)
from marvin.domain.models import Member, Team, Update
from marvin.domain.slack_fit import PartPacker, clip, fit_with_note
from marvin.domain.slack_limits import MAX_SECTION_TEXT
from marvin.domain.standup import is_blank_update

__all__ = ["CLEARED", "thread_parent", "thread_reply"]

CLEARED = "_(cleared their update)_"
MORE = " …"


def thread_parent(
    team: Team, date: str, updates: Sequence[Update], members: Sequence[Member],
    away: Mapping[str, str] | None = None,
) -> DigestMessage:
    """The parent message: the date, the blockers (as the digest lists them), who posted
    (each has a reply below), who is away (with their reason), who skipped the day and
    who is missing.

    Raises:
        ValueError: an update or member of another team or date.
    """
    check_records(team, date, updates, members)
    posted = [update for update in updates if not is_blank_update(update)]
    missing, skipped, away_now = roll_call(members, updates, away)
    title = digest_title(team, date)
    blockers = blockers_text(posted)
    lines = [
        fit_with_note(f"{BLOCKERS_LABEL}\n{blockers}", MAX_SECTION_TEXT, MORE)
        if blockers else "",
        _names(f"*{len(posted)} posted* (their updates are in the thread): ",
               [update.user_id for update in posted]),
        _labels(f"*{len(away_now)} away:* ",
                [away_label(m.user_id, (away or {}).get(m.user_id, "")) for m in away_now]),
        _names(f"*{len(skipped)} skipped today:* ", [member.user_id for member in skipped]),
        _names(f"*{len(missing)} missing:* ", [member.user_id for member in missing])
        if missing else "Everyone posted :tada:" if posted else "No one posted an update.",
    ]
    blocks: list[dict[str, Any]] = [header_block(title, continued=False), *(
        section_block(f"summary-{number}", line) for number, line in enumerate(lines) if line)]
    text = f"{title}: {len(posted)} posted, {len(missing)} missing"
    if skipped:
        text += f", {len(skipped)} skipped"
    if away_now:
        text += f", {len(away_now)} away"
    return DigestMessage(clip(escape_mrkdwn(text), MAX_FALLBACK_TEXT), blocks)


def thread_reply(team: Team, update: Update) -> list[DigestMessage]:
    """One person's reply: their update under their name, over several messages when it
    is longer than one can hold (each "(continued)"). A cleared update keeps its reply,
    saying so (a reply once posted is edited, never deleted)."""
    who = mention(update.user_id)
    body = update_body(update) if not is_blank_update(update) else CLEARED
    packer = PartPacker()
    packer.add_text(
        body,
        first_label=f"*{who}*\n",
        more_label=f"*{who}*{CONTINUED}\n",
        make_block=lambda part, text: section_block(f"reply-{part}", text),
    )
    fallback = clip(escape_mrkdwn(f"Update from {update.user_id}"), MAX_FALLBACK_TEXT)
    return [DigestMessage(fallback, blocks) for blocks in packer.parts()]


def _names(prefix: str, user_ids: Sequence[str]) -> str:
    return _labels(prefix, [mention(user_id) for user_id in user_ids])


def _labels(prefix: str, labels: Sequence[str]) -> str:
    if not labels:
        return ""
    return fit_with_note(prefix + ", ".join(labels), MAX_SECTION_TEXT, MORE)
