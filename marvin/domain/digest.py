"""The standup digest: updates as Slack messages, escaped and split under Slack's limits.

Pure: builds Block Kit payloads, sends nothing. Everything a user typed goes through
`escape_mrkdwn`, so an update can format text but never ping ``<!channel>``, mention
someone or make a link; the only mentions are the ones built here from checked user ids.

Every part keeps within all of Slack's per-message limits at once (`marvin.domain.
slack_limits`): blocks per message, text per section and header, and the cumulative text
of all blocks, which Slack enforces (``msg_blocks_too_long``) without documenting it.

Example::

    messages = digest_messages(team, "2026-11-23", updates, members)
    for message in messages:
        chat.post_message(channel, message.text, blocks=message.blocks)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marvin.domain.models import DEFAULT_TEAM, Member, Team, Update
from marvin.domain.questions import is_blocker
from marvin.domain.slack_fit import PartPacker, clip, fit_with_note
from marvin.domain.slack_limits import (
    ADVISED_MESSAGE_TEXT,
    BLOCK_TEXT_BUDGET,
    MAX_BLOCKS_PER_MESSAGE,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
    block_text_length,
    slack_len,
)
from marvin.domain.standup import (
    format_date,
    is_blank_text,
    is_blank_update,
    is_user_id,
    members_missing,
    members_skipped,
)

__all__ = [
    "BLOCK_TEXT_BUDGET",
    "MAX_BLOCKS_PER_MESSAGE",
    "MAX_SECTION_TEXT",
    "MAX_FALLBACK_TEXT",
    "MAX_HEADER_TEXT",
    "DigestMessage",
    "escape_mrkdwn",
    "digest_messages",
    "digest_summary",
    "update_body",
    "halve",
    "as_plain_text",
]

#: Slack truncates a message's top-level ``text`` (our fallback) beyond this.
MAX_FALLBACK_TEXT = MAX_MESSAGE_TEXT
#: A plain-text name in a heading is clipped to this, so the update keeps nearly all the room.
MAX_LABEL = 80

CONTINUED = " (continued)"
NO_UPDATES = "No one posted an update for this standup."
EVERYONE_POSTED = "Everyone posted :tada:"
MISSING_PREFIX = "No update from: "
MISSING_CONTINUED = "No update from (continued): "
SKIPPED_PREFIX = "Skipped today: "
SKIPPED_CONTINUED = "Skipped today (continued): "
AWAY_PREFIX = "Away: "
AWAY_CONTINUED = "Away (continued): "
MAX_AWAY_REASON = 80  # a reason is a hint in a list of names; clipped so the list stays short
BLOCKERS_LABEL = "*:warning: Blockers*"
#: Characters of one person's blocker quoted in the Blockers section; the whole answer
#: is in their own section below.
MAX_BLOCKER_QUOTE = 300
TRUNCATED = (
    "\n… _(cut short to fit in a Slack message: each author can see their own update "
    "with `/standup show`)_"
)

# After CR/CRLF became LF: every ASCII control character except tab (\x09) and newline (\x0a).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class DigestMessage:
    """One ``chat.postMessage``: a plain fallback (notifications, old clients) and its blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape_mrkdwn(text: str) -> str:
    """Make user text safe to send as Slack mrkdwn, keeping its *bold*, _italics_ and `code`.

    Slack reads ``<...>`` as mentions, ``<!channel>`` pings and links and ``&...;`` as entities,
    so ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;``, ``&gt;`` (a typed ``&lt;`` shows as
    typed). ASCII control characters other than tab and newline are dropped: they have no
    visible meaning in chat, Slack may reject a payload holding them (NUL), and they can hide
    or reorder text in logs and terminals. CR and CRLF become LF first, so lines survive.
    """
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def update_body(update: Update) -> str:
    """One person's update as mrkdwn: each non-blank answer under its question's label,
    then their free text; everything they typed escaped."""
    parts = [
        f"*{escape_mrkdwn(answer.question).strip()}*\n{escape_mrkdwn(answer.text).strip()}"
        for answer in update.answers
        if not is_blank_text(answer.text)
    ]
    free = escape_mrkdwn(update.text).strip()
    if free:
        parts.append(free)
    return "\n\n".join(parts)


def blockers_text(updates: Sequence[Update]) -> str:
    """The Blockers section's lines, one per blocker answer ("" when nobody is blocked)."""
    lines = []
    for update in updates:
        for answer in update.answers:
            if is_blocker(answer):
                quote = clip(" ".join(escape_mrkdwn(answer.text).split()), MAX_BLOCKER_QUOTE)
                lines.append(f"• {_who(update.user_id)}: {quote}")
    return "\n".join(lines)


def digest_messages(
    team: Team, date: str, updates: Sequence[Update], members: Sequence[Member],
    away: Mapping[str, str] | None = None,
) -> list[DigestMessage]:
    """The digest for one team and date, as few messages as Slack's limits allow.

    A header for the date; a "Blockers" section when someone answered a blockers question
    with something other than "none" (`marvin.domain.questions.is_blocker`); one section
    per non-blank update (`update_body`), in the given order (a long one runs on over
    several sections, each ≤ `MAX_SECTION_TEXT`); then who is away (`away`: user id ->
    reason, `marvin.domain.availability.away_on`), who skipped and who has not posted;
    someone away who posted nothing is neither skipped nor missing.
    Past `MAX_BLOCKS_PER_MESSAGE` blocks or `BLOCK_TEXT_BUDGET` characters of block text
    it continues in further messages under a "(continued)" header. An update that fits in
    one message is never split across two; a longer one continues in the next message
    under its author's name, "(continued)". A day without updates still yields one
    message saying so.

    Raises:
        ValueError: an update or member of another team or date; a bad date.
    """
    _check(team, date, updates, members)
    posted = [update for update in updates if not is_blank_update(update)]
    missing, skipped, away_now = roll_call(members, updates, away)
    title = f"Standup for {format_date(date)}"
    if team.name != DEFAULT_TEAM:
        title += f" ({team.name})"
    header = block_text_length([_header(title, continued=True)])  # the longer of the two
    packer = PartPacker(reserve_blocks=1, reserve_text=header)
    blockers = blockers_text(posted)
    if blockers:
        packer.add_text(blockers, first_label=BLOCKERS_LABEL + "\n",
                        more_label=BLOCKERS_LABEL + CONTINUED + "\n",
                        make_block=_section_maker("blockers"))
    for number, update in enumerate(posted):
        who = _who(update.user_id)
        packer.add_text(
            update_body(update),
            first_label=f"*{who}*\n",
            more_label=f"*{who}*{CONTINUED}\n",
            make_block=_section_maker(f"update-{number}"),
        )
    if not posted:
        packer.add(_section("empty", NO_UPDATES))
    if away_now:
        for block in _people_context(away_now, "away", AWAY_PREFIX, AWAY_CONTINUED,
                                     reasons=away or {}):
            packer.add(block)
    if skipped:
        for block in _people_context(skipped, "skipped", SKIPPED_PREFIX, SKIPPED_CONTINUED):
            packer.add(block)
    if missing:
        for block in _people_context(missing, "missing", MISSING_PREFIX, MISSING_CONTINUED):
            packer.add(block)
    elif posted:
        packer.add(_context("missing-0", EVERYONE_POSTED))

    chunks = packer.parts()
    summary = f"{title}: {len(posted)} posted, {len(missing)} missing"
    if skipped:
        summary += f", {len(skipped)} skipped"
    if away_now:
        summary += f", {len(away_now)} away"
    messages = []
    for index, chunk in enumerate(chunks):
        text = summary + (f" (part {index + 1} of {len(chunks)})" if len(chunks) > 1 else "")
        text = clip(escape_mrkdwn(text), MAX_FALLBACK_TEXT)
        messages.append(DigestMessage(text=text, blocks=[_header(title, continued=index > 0),
                                                         *chunk]))
    return messages


def halve(message: DigestMessage) -> tuple[DigestMessage, DigestMessage] | None:
    """The message as two, each with half of its content blocks, or None when it has
    only one: what to send instead when Slack still refuses a part as too big."""
    header, content = message.blocks[:1], message.blocks[1:]
    if header and header[0].get("type") != "header":
        header, content = [], message.blocks
    if len(content) < 2:
        return None
    middle = len(content) // 2
    second_header = [_header_continued(header[0])] if header else []
    return (
        DigestMessage(message.text, [*header, *content[:middle]]),
        DigestMessage(message.text, [*second_header, *content[middle:]]),
    )


def as_plain_text(message: DigestMessage) -> DigestMessage:
    """The last resort for a part Slack refuses however it is split: its text without
    blocks, cut to what any message can hold, with where to read the rest."""
    lines = []
    for block in message.blocks:
        for obj in [block.get("text"), *block.get("elements", [])]:
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                continue
            if obj.get("type") == "plain_text":  # shown literally in blocks: escape it here
                lines.append(f"*{escape_mrkdwn(obj['text'])}*")
            else:
                lines.append(obj["text"])
    body = "\n".join(lines) or message.text
    return DigestMessage(fit_with_note(body, ADVISED_MESSAGE_TEXT, TRUNCATED))


def digest_summary(updates: Sequence[Update], members: Sequence[Member]) -> dict[str, int]:
    """Counts for analytics: members who posted, members missing, characters posted."""
    posted = [update for update in updates if not is_blank_update(update)]
    return {
        "posted": len({(update.team, update.user_id) for update in posted}),
        "missing": len(members_missing(members, updates)),
        "characters": sum(
            len(update.text) + sum(len(answer.text) for answer in update.answers)
            for update in posted
        ),
    }


# Blocks ---------------------------------------------------------------------------------------


def _check(team: Team, date: str, updates: Sequence[Update], members: Sequence[Member]) -> None:
    # A mixed-up list would show one team's news in another's channel: fail loudly instead.
    for update in updates:
        if (update.team, update.date) != (team.name, date):
            raise ValueError(f"update {update.team}/{update.date} in digest {team.name}/{date}")
    for member in members:
        if member.team != team.name:
            raise ValueError(f"member {member.user_id} of {member.team!r} in digest {team.name}")


def _who(user_id: str) -> str:
    """A mention for a real user id; otherwise the id as harmless, clipped plain text."""
    if is_user_id(user_id):
        return f"<@{user_id}>"
    plain = escape_mrkdwn(" ".join(user_id.split())).strip()
    return clip(plain, MAX_LABEL) if plain else "unknown user"


def roll_call(
    members: Sequence[Member], updates: Sequence[Update], away: Mapping[str, str] | None
) -> tuple[list[Member], list[Member], list[Member]]:
    """(missing, skipped, away) for a digest: members away who posted nothing are only
    away; the rest are missing or skipped as `members_missing` and `members_skipped` say."""
    posted = {u.user_id for u in updates if not is_blank_update(u)}
    gone = [m for m in members if m.user_id in (away or {}) and m.user_id not in posted]
    names = {m.user_id for m in gone}
    missing = [m for m in members_missing(members, updates) if m.user_id not in names]
    skipped = [m for m in members_skipped(members, updates) if m.user_id not in names]
    return missing, skipped, list({m.user_id: m for m in gone}.values())


def away_label(user_id: str, reason: str) -> str:
    """A mention with the reason for being away, escaped and clipped: "<@U1> (holiday)"."""
    text = " ".join(reason.split())
    return f"{_who(user_id)} ({clip(escape_mrkdwn(text), MAX_AWAY_REASON)})" if text else (
        _who(user_id))


def _people_context(
    people: Sequence[Member], prefix: str, first: str, more: str,
    reasons: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """A "No update from: <@U1>, <@U2>" line, over several context blocks if long;
    with `reasons`, each name is followed by its reason (away)."""
    blocks: list[dict[str, Any]] = []
    line, separator = first, ""
    for member in people:
        who = (_who(member.user_id) if reasons is None
               else away_label(member.user_id, reasons.get(member.user_id, "")))
        if slack_len(line + separator + who) > MAX_SECTION_TEXT:
            blocks.append(_context(f"{prefix}-{len(blocks)}", line))
            line, separator = more, ""
        line, separator = line + separator + who, ", "
    blocks.append(_context(f"{prefix}-{len(blocks)}", line))
    return blocks


def _header(title: str, *, continued: bool) -> dict[str, Any]:
    # plain_text is shown literally (no mentions, no links), so it is clipped, not escaped;
    # a long team name gives way, "(continued)" does not.
    suffix = CONTINUED if continued else ""
    text = clip(title, MAX_HEADER_TEXT - slack_len(suffix)) + suffix
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _header_continued(header: dict[str, Any]) -> dict[str, Any]:
    """The header of a part's second half: the same title, marked "(continued)"."""
    title = str(header["text"]["text"]).removesuffix(CONTINUED).removesuffix("…")
    return _header(title, continued=True)


def _section_maker(prefix: str) -> Callable[[int, str], dict[str, Any]]:
    """Builds section ``n`` of one update, with a block_id unique in the digest."""
    return lambda part, text: _section(f"{prefix}-{part}", text)


def _section(block_id: str, text: str) -> dict[str, Any]:
    # verbatim: Slack must not auto-link URLs or #channels or parse a bare @here in user text.
    mrkdwn = {"type": "mrkdwn", "text": text, "verbatim": True}
    return {"type": "section", "block_id": block_id, "text": mrkdwn}


def _context(block_id: str, text: str) -> dict[str, Any]:
    mrkdwn = {"type": "mrkdwn", "text": text, "verbatim": True}
    return {"type": "context", "block_id": block_id, "elements": [mrkdwn]}


# Shared with thread mode (`marvin.domain.digest_thread`) -----------------------------------


def digest_title(team: Team, date: str) -> str:
    """The digest's heading, e.g. "Standup for Monday 23 November (ops)" (plain text)."""
    title = f"Standup for {format_date(date)}"
    return title if team.name == DEFAULT_TEAM else f"{title} ({team.name})"


def mention(user_id: str) -> str:
    """How the digest names a person: a mention for a real user id, else harmless text."""
    return _who(user_id)


def check_records(
    team: Team, date: str, updates: Sequence[Update], members: Sequence[Member]
) -> None:
    """ValueError for an update or member of another team or date."""
    _check(team, date, updates, members)


def header_block(title: str, *, continued: bool) -> dict[str, Any]:
    """A digest header (plain text, clipped), "(continued)" when asked."""
    return _header(title, continued=continued)


def section_block(block_id: str, text: str) -> dict[str, Any]:
    """A verbatim mrkdwn section, as every digest section is."""
    return _section(block_id, text)
