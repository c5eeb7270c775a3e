"""The standup digest: updates as Slack messages, escaped and split under Slack's limits.

Pure: builds Block Kit payloads, sends nothing. Everything a user typed goes through
`escape_mrkdwn`, so an update can format text but never ping ``<!channel>``, mention
someone or make a link; the only mentions are the ones built here from checked user ids.

Example::

    messages = digest_messages(team, "2026-11-23", updates, members)
    for message in messages:
        chat.post_message(channel, message.text, blocks=message.blocks)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from marvin.models import DEFAULT_TEAM, Member, Team, Update
from marvin.standup import format_date, is_blank_update, is_user_id, members_missing

__all__ = [
    "MAX_BLOCKS_PER_MESSAGE",
    "MAX_SECTION_TEXT",
    "MAX_FALLBACK_TEXT",
    "MAX_HEADER_TEXT",
    "DigestMessage",
    "escape_mrkdwn",
    "digest_messages",
    "digest_summary",
]

#: Slack rejects a message with more blocks than this.
MAX_BLOCKS_PER_MESSAGE = 50
#: Slack's limit on one text object, e.g. a section's or a context element's mrkdwn.
MAX_SECTION_TEXT = 3_000
#: Slack truncates a message's top-level ``text`` (our fallback) beyond this.
MAX_FALLBACK_TEXT = 40_000
#: Slack's limit on a header block's plain text.
MAX_HEADER_TEXT = 150
#: A plain-text name in a heading is clipped to this, so the update keeps nearly all the room.
MAX_LABEL = 80

CONTINUED = " (continued)"
NO_UPDATES = "No one posted an update for this standup."
EVERYONE_POSTED = "Everyone posted :tada:"
MISSING_PREFIX = "No update from: "
MISSING_CONTINUED = "No update from (continued): "

# After CR/CRLF became LF: every ASCII control character except tab (\x09) and newline (\x0a).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Code points that attach to the one before; a hard cut just before them splits what people see
# as one character (accents, emoji skin tones and variation selectors, ZWJ sequences).
_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"} | {chr(c) for c in range(0x1F3FB, 0x1F400)})


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


def digest_messages(
    team: Team, date: str, updates: Sequence[Update], members: Sequence[Member]
) -> list[DigestMessage]:
    """The digest for one team and date, as few messages as Slack's limits allow.

    A header for the date; one section per non-blank update, in the given order (a long one
    runs on over several sections, each ≤ `MAX_SECTION_TEXT`); then who has not posted. Over
    `MAX_BLOCKS_PER_MESSAGE` blocks it continues in further messages under a "(continued)"
    header. A day without updates still yields one message saying so.

    Raises:
        ValueError: an update or member of another team or date; a bad date.
    """
    _check(team, date, updates, members)
    posted = [update for update in updates if not is_blank_update(update)]
    missing = members_missing(members, updates)
    content: list[dict[str, Any]] = []
    for number, update in enumerate(posted):
        content.extend(_update_sections(number, update))
    if not posted:
        content.append(_section("empty", NO_UPDATES))
    if missing:
        content.extend(_missing_context(missing))
    elif posted:
        content.append(_context("missing-0", EVERYONE_POSTED))

    per_message = MAX_BLOCKS_PER_MESSAGE - 1  # one block goes to the header
    chunks = [content[start : start + per_message] for start in range(0, len(content), per_message)]
    title = f"Standup for {format_date(date)}"
    if team.name != DEFAULT_TEAM:
        title += f" ({team.name})"
    summary = f"{title}: {len(posted)} posted, {len(missing)} missing"
    messages = []
    for index, chunk in enumerate(chunks):
        header = _header(title, continued=index > 0)
        text = summary + (f" (part {index + 1} of {len(chunks)})" if len(chunks) > 1 else "")
        text = _clip(escape_mrkdwn(text), MAX_FALLBACK_TEXT)
        messages.append(DigestMessage(text=text, blocks=[header, *chunk]))
    return messages


def digest_summary(updates: Sequence[Update], members: Sequence[Member]) -> dict[str, int]:
    """Counts for analytics: members who posted, members missing, characters posted."""
    posted = [update for update in updates if not is_blank_update(update)]
    return {
        "posted": len({(update.team, update.user_id) for update in posted}),
        "missing": len(members_missing(members, updates)),
        "characters": sum(len(update.text) for update in posted),
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
    return _clip(plain, MAX_LABEL) if plain else "unknown user"


def _update_sections(number: int, update: Update) -> list[dict[str, Any]]:
    who = _who(update.user_id)
    first, later = f"*{who}*\n", f"*{who}*{CONTINUED}\n"
    body = escape_mrkdwn(update.text).strip()
    pieces = _split(body, MAX_SECTION_TEXT - len(later))
    return [
        _section(f"update-{number}-{part}", (later if part else first) + piece)
        for part, piece in enumerate(pieces)
    ]


def _missing_context(missing: Sequence[Member]) -> list[dict[str, Any]]:
    """The "No update from: <@U1>, <@U2>" line, over several context blocks if long."""
    blocks: list[dict[str, Any]] = []
    line, separator = MISSING_PREFIX, ""
    for member in missing:
        who = _who(member.user_id)
        if len(line) + len(separator) + len(who) > MAX_SECTION_TEXT:
            blocks.append(_context(f"missing-{len(blocks)}", line))
            line, separator = MISSING_CONTINUED, ""
        line, separator = line + separator + who, ", "
    blocks.append(_context(f"missing-{len(blocks)}", line))
    return blocks


def _header(title: str, *, continued: bool) -> dict[str, Any]:
    # plain_text is shown literally (no mentions, no links), so it is clipped, not escaped;
    # a long team name gives way, "(continued)" does not.
    suffix = CONTINUED if continued else ""
    room = MAX_HEADER_TEXT - len(suffix)
    if len(title) > room:
        title = title[: room - 1] + "…"
    text = title + suffix
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _section(block_id: str, text: str) -> dict[str, Any]:
    # verbatim: Slack must not auto-link URLs or #channels or parse a bare @here in user text.
    mrkdwn = {"type": "mrkdwn", "text": text, "verbatim": True}
    return {"type": "section", "block_id": block_id, "text": mrkdwn}


def _context(block_id: str, text: str) -> dict[str, Any]:
    mrkdwn = {"type": "mrkdwn", "text": text, "verbatim": True}
    return {"type": "context", "block_id": block_id, "elements": [mrkdwn]}


# Splitting ------------------------------------------------------------------------------------


def _split(text: str, limit: int) -> list[str]:
    """Cut escaped text into pieces of at most ``limit`` that concatenate back to ``text``.

    Prefers the last line break, then the last space, in the second half of the room; a
    hard cut never lands inside an entity (``&amp;``) or before a joining code point.
    """
    pieces = []
    while len(text) > limit:
        cut = _safe_cut(text, limit)
        newline, space = text.rfind("\n", 0, cut), text.rfind(" ", 0, cut)
        if newline >= limit // 2:
            cut = newline + 1
        elif space >= limit // 2:
            cut = space + 1
        else:
            while cut > limit // 2 and (
                _is_joiner(text[cut]) or text[cut - 1] == "\u200d" or _splits_a_flag(text, cut)
            ):
                cut -= 1
            cut = _safe_cut(text, cut)
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def _safe_cut(text: str, limit: int) -> int:
    """The largest cut ≤ ``limit`` that keeps an ``&...;`` entity whole (entities are ≤ 5)."""
    if len(text) <= limit:
        return len(text)
    amp = text.rfind("&", max(0, limit - 4), limit)
    if amp != -1 and text.find(";", amp) >= limit:
        return amp
    return limit


def _is_joiner(char: str) -> bool:
    return (
        char in _JOINERS
        or "\U000e0020" <= char <= "\U000e007f"  # tag characters (subdivision flags)
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
    )


def _is_regional_indicator(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _splits_a_flag(text: str, cut: int) -> bool:
    """A flag is two regional indicators: a cut after an odd-numbered one in a run of
    them would separate the halves of a flag (and re-pair every flag after it)."""
    if not (0 < cut < len(text)) or not _is_regional_indicator(text[cut]):
        return False
    run = 0
    while cut - run - 1 >= 0 and _is_regional_indicator(text[cut - run - 1]):
        run += 1
    return run % 2 == 1


def _clip(text: str, limit: int) -> str:
    """Shorten escaped text to ``limit`` characters, ending in "…" and never mid-entity."""
    if len(text) <= limit:
        return text
    return text[: _safe_cut(text, limit - 1)] + "…"
