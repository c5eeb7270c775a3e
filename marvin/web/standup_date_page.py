"""One team's standup date as a page: the digest as it renders from the stored updates
(with Slack permalinks of the messages actually posted), who posted when, who was
reminded when, and the delivery record of every message with the run that sent it.

Example::

    body = date_page(DateRecord(team, date, members, updates, deliveries, runs))

Permalinks are built from a sent delivery's channel id and ts (read through
`marvin.domain.delivery_records`), in Slack's workspace-neutral form
``https://slack.com/archives/{channel}/p{ts without the dot}`` (`permalink`): Slack sends
a signed-in member on to the message in their workspace. Records kept before the channel
id was stored have no permalink, only their ts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import quote

import pendulum

from marvin.domain.availability import absence_on, away_on
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Claimed, HandedOver, Sent, read_detail
from marvin.domain.digest import digest_messages
from marvin.domain.models import Absence, Delivery, DeliveryKind, Member, Team, Update
from marvin.domain.participation import day_state
from marvin.domain.run_names import REMINDER_FLOW, STANDUP_FLOW
from marvin.domain.standup import format_date, standup_instant
from marvin.reports.standup_overview import reminder_instant
from marvin.store.run_records import FlowRunRecord
from marvin.web.page_frame import NOT_TIMED, table, utc_time

__all__ = ["DateRecord", "date_page", "permalink", "sending_run"]

_MENTION = re.compile(r"<@([A-Za-z0-9]+)>")
_STATE_BADGES = {"posted": "Success", "away": "Paused", "skipped": "Skipped",
                 "missed": "Failed"}


@dataclass(frozen=True)
class DateRecord:
    """Everything the page shows, read from the store and the run history."""

    team: Team
    date: str
    members: Sequence[Member]  # every member, former ones too: filtered by date here
    updates: Sequence[Update]
    deliveries: Sequence[Delivery]
    runs: Sequence[FlowRunRecord]  # the team's reminder and standup runs around the date
    absences: Sequence[Absence] = ()  # time off not over by the date, anyone's


def permalink(channel: str, ts: str) -> str:
    """Slack's permalink of the message `ts` in `channel` (an id)."""
    return f"https://slack.com/archives/{quote(channel, safe='')}/p{ts.replace('.', '')}"


def sending_run(delivery: Delivery, runs: Sequence[FlowRunRecord]) -> FlowRunRecord | None:
    """The run that holds the delivery's claim: the team's run of the flow that sends this
    kind, started at or before the claim and not ended before it (a claim taken over is
    re-stamped by the run that took it, so the latest such run). None when no recorded run
    fits (its record pruned, or sent by a run of another build)."""
    flow = REMINDER_FLOW if delivery.kind is DeliveryKind.REMINDER else STANDUP_FLOW
    fits = [
        r for r in runs
        if r.flow == flow and r.started_at is not None and r.started_at <= delivery.claimed_at
        and (r.ended_at is None or delivery.claimed_at <= r.ended_at)
    ]
    return max(fits, key=lambda r: r.started_at or delivery.claimed_at, default=None)


def _local(team: Team, at: dt.datetime | None) -> str:
    """The team's wall clock (what people saw), with UTC in a tooltip."""
    if at is None:
        return NOT_TIMED
    return f'<span title="{utc_time(at)} UTC">{escape(_in_zone(team, at))}</span>'


def _in_zone(team: Team, at: dt.datetime) -> str:
    return pendulum.instance(at).in_timezone(team.timezone).strftime("%Y-%m-%d %H:%M:%S")


def _mrkdwn_html(text: str, names: dict[str, str]) -> str:
    """Digest mrkdwn as HTML text: mentions become @names; everything else (already
    mrkdwn-escaped user text) is unescaped and escaped again for HTML."""
    out, last = [], 0
    for match in _MENTION.finditer(text):
        out.append(_plain(text[last:match.start()]))
        user = match.group(1)
        out.append(f'<b title="{escape(user)}">@{escape(names.get(user) or user)}</b>')
        last = match.end()
    out.append(_plain(text[last:]))
    return "".join(out)


def _plain(text: str) -> str:
    raw = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return escape(raw)


def _block_html(block: dict[str, Any], names: dict[str, str]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f"<h3>{escape(str(block['text']['text']))}</h3>"
    if kind == "section":
        return f'<pre class="msg">{_mrkdwn_html(str(block["text"]["text"]), names)}</pre>'
    if kind == "context":
        texts = " ".join(str(e.get("text", "")) for e in block.get("elements", []))
        return f'<p class="muted">{_mrkdwn_html(texts, names)}</p>'
    return ""


def _digest(record: DateRecord, present: list[Member], names: dict[str, str]) -> str:
    messages = digest_messages(record.team, record.date, list(record.updates), present,
                               away=away_on(present, record.date, record.absences))
    links = []
    for d in record.deliveries:
        if d.kind is DeliveryKind.DIGEST and isinstance(sent := read_detail(d), Sent):
            for n, ts in enumerate(sent.timestamps, 1):
                target = (f'<a href="{escape(permalink(sent.channel, ts))}">message {n}</a>'
                          if sent.channel else f"message {n} (ts {escape(ts)})")
                links.append(f"{escape(d.target)} · {target}")
    posted = ("posted: " + " · ".join(links)) if links else "not posted (no sent digest record)"
    parts = "".join(
        '<div class="digest">' + "".join(_block_html(b, names) for b in m.blocks) + "</div>"
        for m in messages)
    return (f"<h2>Digest</h2><p class=\"muted\">as the stored updates render now (an edit "
            f"after the digest went out shows here, and in Slack once the digest is "
            f"updated) · {posted}</p>{parts}")


def _people(record: DateRecord, present: list[Member]) -> str:
    updates = {u.user_id: u for u in record.updates}
    reminders = {d.target: d for d in record.deliveries if d.kind is DeliveryKind.REMINDER}
    rows = []
    for m in present:
        update, reminder = updates.get(m.user_id), reminders.get(m.user_id)
        away = absence_on(m.user_id, record.date, record.absences) is not None
        state = day_state(update, away=away)
        badge = f'<span class="badge s-{_STATE_BADGES[state]}">{state}</span>'
        reminded = NOT_TIMED
        if reminder is not None:
            reminded = _local(record.team, reminder.claimed_at)
            detail = read_detail(reminder)
            if isinstance(detail, Sent) and detail.channel and detail.timestamps:
                link = permalink(detail.channel, detail.timestamps[0])
                reminded += f' · <a href="{escape(link)}">DM</a>'
            elif not isinstance(detail, Sent):
                reminded += " (not confirmed sent)"
        rows.append(
            f"<tr><td>{escape(m.name or m.user_id)} <code>{escape(m.user_id)}</code></td>"
            f"<td>{badge}</td>"
            f"<td>{_local(record.team, update.first_posted_at if update else None)}</td>"
            f"<td>{_local(record.team, update.updated_at if update else None)}</td>"
            f"<td>{reminded}</td></tr>")
    return "<h2>Who posted when</h2>" + table(
        ["Member", "State", "First posted", "Last edited", "Reminded"], rows,
        "nobody belonged to the team on this date")


def _deliveries(record: DateRecord) -> str:
    rows = []
    for d in record.deliveries:
        key = str(DeliveryKey(d.kind, d.team, d.date, d.target))
        detail = read_detail(d)
        if isinstance(detail, Sent):
            stamps = ", ".join(
                f'<a href="{escape(permalink(detail.channel, ts))}">{escape(ts)}</a>'
                if detail.channel else escape(ts) for ts in detail.timestamps)
            state = f'<span class="badge s-Success">sent</span> {stamps or NOT_TIMED}'
            where = escape(detail.channel or "unknown (older record)")
        elif isinstance(detail, HandedOver):
            state = f'<span class="badge s-Failed">handed over</span> {escape(detail.reason)}'
            where = NOT_TIMED
        else:
            assert isinstance(detail, Claimed)
            state = f'<span class="badge s-Running">claimed</span> by {escape(detail.owner)}'
            where = NOT_TIMED
        run = sending_run(d, record.runs)
        sender = (f'<a class="mono" href="/runs/{escape(quote(run.id, safe=""))}">'
                  f"{escape(run.id[:12])}</a> <code>{escape(run.version)}</code>"
                  if run else '<span class="muted">no recorded run</span>')
        rows.append(f"<tr><td><code>{escape(key)}</code></td><td>{state}</td>"
                    f"<td><code>{where}</code></td><td>{_local(record.team, d.claimed_at)}</td>"
                    f"<td>{sender}</td></tr>")
    return "<h2>Deliveries</h2>" + table(
        ["Key", "State · Slack ts", "Channel", "Claimed", "Run · version"], rows,
        "nothing was sent for this date")


def date_page(record: DateRecord) -> str:
    """The page's body (trusted HTML; everything from the store escaped)."""
    team, date = record.team, record.date
    present = [m for m in record.members if m.team == team.name and m.belongs_on(date)]
    names = {m.user_id: m.name for m in record.members if m.name}
    back = f'/standups/{quote(team.name, safe="")}'
    head = (
        f'<h1>{escape(team.name)} · {escape(format_date(date))}</h1>'
        f'<p><a href="{escape(back)}">← {escape(team.name)}</a> · times are '
        f"{escape(team.timezone)} (hover for UTC)</p><dl>"
        f"<dt>standup</dt><dd>{_local(team, standup_instant(team, date))}</dd>"
        f"<dt>reminder due</dt><dd>{_local(team, reminder_instant(team, date))}</dd>"
        f"<dt>members</dt><dd>{len(present)}</dd></dl>"
    )
    return head + _digest(record, present, names) + _people(record, present) + (
        _deliveries(record))
