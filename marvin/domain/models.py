"""The records Marvin keeps: teams, members, updates and deliveries.

Plain frozen dataclasses shared by the domain rules (`marvin.domain.standup`), the stores
(`marvin.store`) and the Slack handlers, so none of them depends on another's types.
Dates are ISO ``YYYY-MM-DD`` strings (a standup date is a calendar date in the team's
time zone, not an instant); instants are time-zone aware ``datetime`` objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from enum import StrEnum

DEFAULT_TEAM = "default"


@dataclass(frozen=True)
class Question:
    """One standup question of a team.

    `id` is short and stable (``q1``, ``q2``, ...): answers are keyed by it and it is the
    modal's block_id, so renaming or moving a question keeps its answers. `blockers`
    marks the question whose answers go to the digest's "Blockers" section."""

    id: str
    label: str
    required: bool = True
    blockers: bool = False


DEFAULT_QUESTIONS: tuple[Question, ...] = (
    Question("q1", "What did you do since the last standup?"),
    Question("q2", "What will you do today?"),
    Question("q3", "Anything blocking you?", required=False, blockers=True),
)


@dataclass(frozen=True)
class Holiday:
    """A day off for a whole team that its country calendar does not know (YYYY-MM-DD)."""

    date: str
    name: str = "Team holiday"


@dataclass(frozen=True)
class Team:
    """A group that stands up together: one time zone, one schedule, one digest channel."""

    name: str = DEFAULT_TEAM
    timezone: str = "UTC"
    standup_time: str = "09:00"  # HH:MM, local to `timezone`
    reminder_time: str = "08:30"  # HH:MM, local to `timezone`
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # ISO weekday - 1: Monday is 0, Sunday is 6
    channel: str = "#general"
    questions: tuple[Question, ...] = DEFAULT_QUESTIONS
    # "message": one digest, in parts; "thread": a summary with one threaded reply per person.
    digest_mode: str = "message"
    # Until when an update after standup time still joins the digest already posted
    # (`marvin.domain.late_window`): "reminder", "off" or a duration such as "2h".
    late_until: str = "reminder"
    # Public holidays: an ISO country code with an optional subdivision ("US", "DE-BY"),
    # "" for none; `custom_holidays` are the team's own days off on top.
    holidays: str = ""
    custom_holidays: tuple[Holiday, ...] = ()
    # "team": everyone is reminded at `reminder_time` in `timezone`; "member": at
    # `reminder_time` in each member's own zone (the digest stays in `timezone`).
    reminder_zone: str = "team"
    nudge_before: int = 0  # minutes before standup for the nudge DM; 0: no nudges
    # When the weekly report is posted to `channel`: "off" or a day and time, "fri 16:00"
    # (`marvin.domain.weekly`).
    weekly_report: str = "off"
    lead: str = ""  # a Slack user id told of blockers by DM ("" : nobody)
    blockers_channel: str = ""  # where blockers are posted ("" : nowhere)


@dataclass(frozen=True, repr=False)
class Member:
    """A Slack user taking part in standup; keyed by Slack user id, never by name.

    `joined_on` is the first standup date the member belongs to and `left_on` the first
    one they no longer do (both YYYY-MM-DD, the team's standup dates when they joined or
    left), so statistics count a member only on the days they were in the team. None
    means "always" and "still": members stored before these dates were kept count on
    every day, as they did then.
    """

    user_id: str
    team: str = DEFAULT_TEAM
    name: str = ""
    joined_on: str | None = None
    left_on: str | None = None
    inactive_since: str | None = None
    inactive_reason: str = ""

    def __repr__(self) -> str:
        # Fields left at their defaults are left out: a run's recorded result (a list of
        # members, cut to a summary's length) then names as many members as it can.
        shown = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
                 if f.name in ("user_id", "team") or getattr(self, f.name) != f.default]
        return f"Member({', '.join(shown)})"

    @property
    def is_active(self) -> bool:
        """Reachable in Slack: `inactive_since` (YYYY-MM-DD, the UTC day Marvin learned the
        account was deactivated, deleted or cannot be DMed; `inactive_reason` says which)
        is None. An inactive member is neither reminded nor listed as missing, but stays
        in the team, so an account that comes back is reminded again."""
        return self.inactive_since is None

    @property
    def is_current(self) -> bool:
        """Still in the team (a member who left is kept only for statistics)."""
        return self.left_on is None

    def belongs_on(self, date: str) -> bool:
        """Whether the member was in the team for the standup on `date` (YYYY-MM-DD;
        ISO dates order as strings), and reachable: from the day they were marked inactive
        they are not counted missing (nor reminded) until they come back."""
        joined = self.joined_on is None or self.joined_on <= date
        reachable = self.inactive_since is None or date < self.inactive_since
        return joined and reachable and (self.left_on is None or date < self.left_on)


@dataclass(frozen=True)
class MemberPrefs:
    """What Marvin keeps about one Slack user besides their membership: their time zone
    as Slack last said (`tz`, None: unknown or not set in their profile) and when it was
    fetched, whether they want nudges, and the id of the app's DM with them as Slack last
    answered a DM (`dm_channel`, None: not known yet). Kept apart from `Member` because
    each field is written by someone else (a run, a Slack event, the person) and must not
    overwrite the others."""

    user_id: str
    tz: str | None = None
    tz_fetched_at: dt.datetime | None = None
    nudges: bool = True
    dm_channel: str | None = None


@dataclass(frozen=True)
class Answer:
    """One answer to one question, with the question as it was asked (its label then),
    so a later change of the team's questions does not change what was answered."""

    question_id: str
    question: str
    text: str
    blockers: bool = False


@dataclass(frozen=True)
class Update:
    """Everything one member said for one standup date: their answers to the team's
    questions (the modal) and free text in the order they typed it (`/standup <text>`).

    `skipped`: they chose "Skip today" (no more nudges; "skipped" in the digest when
    they said nothing else). `first_posted_at`: when they first said something for the
    date (kept across edits, unlike `updated_at`; None for updates stored before it was
    kept), what reports of when people post are built on."""

    team: str
    date: str  # YYYY-MM-DD
    user_id: str
    entries: tuple[str, ...] = field(default_factory=tuple)
    updated_at: dt.datetime | None = None
    answers: tuple[Answer, ...] = ()
    skipped: bool = False
    first_posted_at: dt.datetime | None = None

    @property
    def text(self) -> str:
        """The entries as one message: `/standup` appends, as the original Marvin did."""
        return "\n".join(self.entries)


@dataclass(frozen=True)
class Absence:
    """Planned time off: a member is away from `start` to `end`, both included
    (YYYY-MM-DD, dates in the member's zone). Keyed by (user id, start)."""

    user_id: str
    start: str
    end: str
    reason: str = ""

    def covers(self, date: str) -> bool:
        """Whether the member is away on `date` (ISO dates order as strings)."""
        return self.start <= date <= self.end


@dataclass(frozen=True)
class ChannelRef:
    """A channel name resolved to Slack's id, kept so a run need not list every channel.

    Slack's ``conversations.*`` methods take only ids; the name is what people configure.
    """

    name: str  # without the leading "#"
    id: str
    is_private: bool = False


class DeliveryKind(StrEnum):
    """What Marvin sends at most once per target and date."""

    REMINDER = "reminder"  # target: a Slack user id
    DIGEST = "digest"  # target: a channel
    NUDGE = "nudge"  # target: a Slack user id; the shorter DM shortly before standup
    REPORT = "report"  # the weekly report, dated by its week's Monday; target: a channel
    NOTICE = "notice"  # target: "<about>:<to>", e.g. a member gone and the admin told


@dataclass(frozen=True)
class Delivery:
    """A claim that a message went (or is going) out; the unit of idempotency."""

    kind: DeliveryKind
    team: str
    date: str
    target: str
    claimed_at: dt.datetime
    sent: bool = False
    # By state (read in one place, marvin.domain.delivery_records): the owner while claimed,
    # "resumable: why" once handed over, "[CHANNEL_ID:]ts[,ts...][;parts]" once sent.
    detail: str = ""

    def may_be_reclaimed(self, older_than: dt.datetime, if_owner: str | None) -> bool:
        """Whether a store may take this claim over: it was never completed and either
        was made before `older_than` or still belongs to `if_owner` (known to be dead)."""
        dead_owner = if_owner is not None and self.detail == if_owner
        return not self.sent and (self.claimed_at < older_than or dead_owner)


@dataclass(frozen=True)
class SlotClaim:
    """The latest slot a scheduled job fired for, and by whom: what keeps a restarted or
    second `marvin serve` from running a slot again.

    `job` is ``flow:team``; `slot` the slot's start time; `owner` the process that claimed
    it (``host:pid:start``); `done` is set once its run has ended, whatever its state."""

    job: str
    slot: dt.datetime
    owner: str
    claimed_at: dt.datetime
    done: bool = False
