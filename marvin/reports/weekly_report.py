"""The weekly report as Block Kit: participation per member, the week's blockers (and
whether they recurred), streaks, and links to the week's digests.

Pure over what the caller read: the team, its members, its updates and the members' time
off from `STREAK_WEEKS` weeks before the week to the report's date, and where each digest
of the week was posted.

Example::

    messages = weekly_report(team, "2026-11-27", members, updates, digests, absences)
    # [DigestMessage(text="Weekly report ...", blocks=[header, sections, context...])]

Counted: the team's standup dates of the week up to the report's date (its holidays are
none), for the members who belonged on each, each date in one state (`day_state`:
posted, away, skipped or missed). A blocker recurs when the same person reported one on
more than one date of the week, or on the last standup before the week. A streak is the
run of standup dates posted, back from the latest one counted (`marvin.domain.streaks`,
the rule the App Home shares): a date away on time off neither breaks it nor adds to it.
It is shown as "N+" when it reaches back as far as the updates read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from marvin.domain.availability import absence_on
from marvin.domain.digest import (
    DigestMessage,
    escape_mrkdwn,
    header_block,
    mention,
    section_block,
)
from marvin.domain.models import Absence, Member, Team, Update
from marvin.domain.participation import DayState, day_state
from marvin.domain.questions import is_blocker
from marvin.domain.slack_fit import PartPacker, clip
from marvin.domain.slack_links import archive_link
from marvin.domain.standup import format_date, parse_date, standup_days
from marvin.domain.streaks import streak
from marvin.domain.weekly import week_of

STREAK_WEEKS = 8
"""How far back streaks are counted: a longer streak shows as "N+"."""
MAX_BLOCKER_TEXT = 300


@dataclass(frozen=True)
class PostedDigest:
    """Where one digest of the week went: Slack's channel id and its first message's ts."""

    channel_id: str
    ts: str

    @property
    def link(self) -> str:
        """A link to the message (`archive_link`)."""
        return archive_link(self.channel_id, self.ts)


def streak_start(date: str) -> str:
    """The first date whose updates the report reads (streaks look back this far)."""
    monday, _ = week_of(date)
    return (parse_date(monday) - dt.timedelta(weeks=STREAK_WEEKS)).isoformat()


def weekly_report(
    team: Team, date: str, members: Sequence[Member], updates: Sequence[Update],
    digests: Mapping[str, PostedDigest], absences: Sequence[Absence] = (),
) -> list[DigestMessage]:
    """The report for the week of `date`, counting its standup dates up to `date`."""
    monday, _ = week_of(date)
    week = standup_days(team, monday, date)
    earlier = standup_days(team, streak_start(date), date)
    by_key = {(u.user_id, u.date): u for u in updates}
    title = f"Weekly report: week of {format_date(monday)}"
    title += "" if team.name == "default" else f" ({team.name})"
    packer = PartPacker(reserve_blocks=1, reserve_text=len(title))
    lines = [_participation(m, week, earlier, by_key, absences) for m in members
             if any(m.belongs_on(d) for d in week)]
    packer.add_text("\n".join(lines) or "_Nobody was in the team this week._",
                    first_label="*Participation* (posted / away / skipped / missed, "
                                "streak)\n",
                    more_label="*Participation* (continued)\n",
                    make_block=lambda n, text: section_block(f"report-people-{n}", text))
    packer.add_text(_blockers(week, earlier, updates) or "_No blockers this week._",
                    first_label="*Blockers*\n", more_label="*Blockers* (continued)\n",
                    make_block=lambda n, text: section_block(f"report-blockers-{n}", text))
    links = [f"<{digests[d].link}|{format_date(d)}>" for d in week if d in digests]
    packer.add_text(" · ".join(links) or "_No digest was posted this week._",
                    first_label="*Digests*\n", more_label="*Digests* (continued)\n",
                    make_block=lambda n, text: section_block(f"report-digests-{n}", text))
    parts = packer.parts()
    return [DigestMessage(f"{title}{'' if i == 0 else ' (continued)'}",
                          [header_block(title, continued=i > 0), *blocks])
            for i, blocks in enumerate(parts)]


def _participation(member: Member, week: list[str], earlier: list[str],
                   by_key: Mapping[tuple[str, str], Update],
                   absences: Sequence[Absence]) -> str:
    def state(date: str) -> DayState:
        away = absence_on(member.user_id, date, absences) is not None
        return day_state(by_key.get((member.user_id, date)), away=away)

    states = [state(d) for d in week if member.belongs_on(d)]
    counts = " / ".join(str(states.count(s)) for s in
                        (DayState.POSTED, DayState.AWAY, DayState.SKIPPED, DayState.MISSED))
    run = streak([state(d) for d in earlier if member.belongs_on(d)])
    return f"{mention(member.user_id)}: {counts}, streak {run}"


def _blockers(week: list[str], earlier: list[str], updates: Sequence[Update]) -> str:
    """One line per blocker raised this week, marked when it recurred."""
    before = [d for d in earlier if d < week[0]][-1:] if week else []
    dates_by_person: dict[str, set[str]] = {}
    raised: list[tuple[str, str, str]] = []
    for update in sorted(updates, key=lambda u: (u.date, u.user_id)):
        texts = [a.text for a in update.answers if is_blocker(a)]
        if not texts:
            continue
        dates_by_person.setdefault(update.user_id, set()).add(update.date)
        if update.date in week:
            raised.extend((update.user_id, update.date, t) for t in texts)
    lines = []
    for user_id, date, text in raised:
        seen = dates_by_person[user_id]
        again = len(seen & set(week)) > 1 or bool(seen & set(before))
        quote = clip(" ".join(escape_mrkdwn(text).split()), MAX_BLOCKER_TEXT)
        lines.append(f"• {mention(user_id)} ({format_date(date)}): {quote}"
                     + (" _(recurred)_" if again else ""))
    return "\n".join(lines)
