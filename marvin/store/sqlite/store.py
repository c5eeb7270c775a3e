"""The SQLite store: Marvin's embedded default (``sqlite:///marvin.db``), stdlib only.

Teams, members, updates, deliveries, channels, seen requests and slot claims, each a table
(schema.py); ``PRAGMA user_version`` is `SCHEMA_VERSION`. The connection, its lock and
its error handling are `SqliteDatabase`'s (connection.py), shared with the run history.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import (
    Absence,
    ChannelRef,
    Delivery,
    DeliveryKind,
    Member,
    SlotClaim,
    Team,
    Update,
)
from marvin.store.base import check_result, check_update_size
from marvin.store.fields import (
    answers_from_list,
    answers_to_list,
    holidays_from_list,
    holidays_to_list,
    questions_from_list,
    questions_to_list,
)
from marvin.store.sqlite.connection import SqliteDatabase, busy_wait_within_deadline
from marvin.store.sqlite.day_summaries import DaySummaryRows, mark_stale, mark_time_off_stale
from marvin.store.sqlite.member_prefs import MemberPrefsRows
from marvin.store.sqlite.schema import create_store_tables
from marvin.store.update_writes import Change, UpdateWrites, stamped

_MEMBER_COLUMNS = "user_id, team, name, joined_on, left_on, inactive_since, inactive_reason"
_TEAM_COLUMNS = ("name, timezone, standup_time, reminder_time, days, channel, questions, "
                 "digest_mode, late_until, reminder_zone, nudge_before, weekly_report, lead, "
                 "blockers_channel, holidays, custom_holidays")
_ABSENCE_COLUMNS = 'user_id, start, "end", reason'

_UPDATE_COLUMNS = "team, date, user_id, entries, updated_at, answers, skipped, first_posted_at"
_DELIVERY_COLUMNS = "kind, team, date, target, claimed_at, sent, detail"
_DELIVERY_WHERE = "team = ? AND date = ? AND kind = ? AND target = ?"
_SLOT_COLUMNS = "job, slot, owner, claimed_at, done"
UPDATE_PAGE = 1000
"""Updates read per query by `iter_team_updates`."""


class SqliteStore(UpdateWrites, MemberPrefsRows, DaySummaryRows, SqliteDatabase):
    """`Store` on one SQLite file (or ``:memory:``); safe across threads and processes."""

    def _setup(self) -> None:
        with self._transaction("open") as db:
            create_store_tables(db, self.path)

    @contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        """As `SqliteDatabase._errors`; under a caller's `deadline`, waiting for another
        process's write lock is cut to the time left."""
        with super()._errors(op), busy_wait_within_deadline(self._conn, f"SQLite {op}"):
            yield

    # Teams -----------------------------------------------------------------
    def save_team(self, team: Team) -> None:
        """Create or replace a team by name."""
        self._write(
            "save_team",
            f"INSERT OR REPLACE INTO teams ({_TEAM_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            team.name, team.timezone, team.standup_time, team.reminder_time,
            json.dumps(list(team.days)), team.channel,
            json.dumps(questions_to_list(team.questions)), team.digest_mode, team.late_until,
            team.reminder_zone, team.nudge_before, team.weekly_report, team.lead,
            team.blockers_channel, team.holidays,
            json.dumps(holidays_to_list(team.custom_holidays)),
        )

    def get_team(self, name: str) -> Team | None:
        """The team called `name`, if any."""
        rows = self._read("get_team", f"SELECT {_TEAM_COLUMNS} FROM teams WHERE name = ?", name)
        return _team(rows[0]) if rows else None

    def list_teams(self) -> list[Team]:
        """All teams, sorted by name."""
        rows = self._read("list_teams", f"SELECT {_TEAM_COLUMNS} FROM teams ORDER BY name")
        return [_team(r) for r in rows]

    def delete_team(self, name: str) -> bool:
        """Remove a team (its members stay, orphaned); True when it existed."""
        return self._write("delete_team", "DELETE FROM teams WHERE name = ?", name) == 1

    # Members ---------------------------------------------------------------
    def save_member(self, member: Member) -> None:
        """Create or replace a member by user id."""
        self._write("save_member",
                    f"INSERT OR REPLACE INTO members ({_MEMBER_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    member.user_id, member.team, member.name, member.joined_on, member.left_on,
                    member.inactive_since, member.inactive_reason)

    def get_member(self, user_id: str) -> Member | None:
        """The current member with this Slack user id, if any."""
        rows = self._read(
            "get_member",
            f"SELECT {_MEMBER_COLUMNS} FROM members WHERE user_id = ? AND left_on IS NULL",
            user_id,
        )
        return _member(rows[0]) if rows else None

    def remove_member(self, user_id: str, left_on: str | None = None) -> bool:
        """True when a current member existed; with `left_on`, kept as a former member."""
        if left_on is None:
            return self._write("remove_member",
                               "DELETE FROM members WHERE user_id = ? AND left_on IS NULL",
                               user_id) == 1
        return self._write("remove_member",
                           "UPDATE members SET left_on = ? WHERE user_id = ? AND left_on IS NULL",
                           left_on, user_id) == 1

    def list_members(self, team: str, *, include_former: bool = False) -> list[Member]:
        """Current members of one team (and former ones if asked), sorted by user id."""
        current = "" if include_former else " AND left_on IS NULL"
        rows = self._read(
            "list_members",
            f"SELECT {_MEMBER_COLUMNS} FROM members WHERE team = ?{current} ORDER BY user_id",
            team,
        )
        return [_member(r) for r in rows]

    # Time off --------------------------------------------------------------
    def save_absence(self, absence: Absence) -> None:
        """Create or replace a member's time off by (user id, start); the member's team's
        summaries of the dates it covers, or covered, are left stale."""
        with self._transaction("save_absence") as db:
            before = db.execute('SELECT "end" FROM absences WHERE user_id = ? AND start = ?',
                                (absence.user_id, absence.start)).fetchone()
            db.execute(f"INSERT OR REPLACE INTO absences ({_ABSENCE_COLUMNS}) "
                       "VALUES (?, ?, ?, ?)",
                       (absence.user_id, absence.start, absence.end, absence.reason))
            last = max(absence.end, "" if before is None else str(before[0]))
            mark_time_off_stale(db, absence.user_id, absence.start, last)

    def delete_absence(self, user_id: str, start: str) -> bool:
        """Forget the time off starting on `start`; True when it existed (the member's
        team's summaries of the dates it covered are left stale)."""
        with self._transaction("delete_absence") as db:
            gone = db.execute('DELETE FROM absences WHERE user_id = ? AND start = ? '
                              'RETURNING "end"', (user_id, start)).fetchall()
            for (end,) in gone:
                mark_time_off_stale(db, user_id, start, str(end))
        return bool(gone)

    def list_absences(self, user_id: str) -> list[Absence]:
        """One member's time off, sorted by start."""
        rows = self._read("list_absences", f"SELECT {_ABSENCE_COLUMNS} FROM absences "
                          "WHERE user_id = ? ORDER BY start", user_id)
        return [_absence(r) for r in rows]

    def absences_from(self, date: str) -> list[Absence]:
        """Everyone's time off ending on or after `date`, sorted by (user id, start)."""
        rows = self._read("absences_from", f"SELECT {_ABSENCE_COLUMNS} FROM absences "
                          'WHERE "end" >= ? ORDER BY user_id, start', date)
        return [_absence(r) for r in rows]

    # Updates ---------------------------------------------------------------
    def _rewrite(
        self, op: str, team: str, date: str, user_id: str, at: dt.datetime,
        change: Change,
    ) -> Update:
        """Read, change and write one update in one IMMEDIATE transaction (size-checked)."""
        stamp = dt.datetime.fromisoformat(_iso(at))
        with self._transaction(op) as db:
            row = db.execute(
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE team = ? AND date = ? "
                "AND user_id = ?", (team, date, user_id),
            ).fetchone()
            current = _update(row) if row else Update(team, date, user_id)
            update = stamped(current, change(current), stamp)
            check_update_size(list(update.entries), update.answers)
            db.execute(
                f"INSERT OR REPLACE INTO updates ({_UPDATE_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (team, date, user_id, json.dumps(list(update.entries)), _iso(at),
                 json.dumps(answers_to_list(update.answers)), int(update.skipped),
                 None if update.first_posted_at is None else _iso(update.first_posted_at)),
            )
            mark_stale(db, team, date)
        return update

    def get_update(self, team: str, date: str, user_id: str) -> Update | None:
        """One member's update for a date, if any."""
        rows = self._read(
            "get_update",
            f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE team = ? AND date = ? AND user_id = ?",
            team, date, user_id,
        )
        return _update(rows[0]) if rows else None

    def list_updates(self, team: str, date: str) -> list[Update]:
        """All updates of a team for a date in ONE query, sorted by user id."""
        rows = self._read(
            "list_updates",
            f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE team = ? AND date = ? ORDER BY user_id",
            team, date,
        )
        return [_update(r) for r in rows]

    def list_updates_between(self, team: str, since: str, until: str) -> list[Update]:
        """One range scan of the primary key (team, date, user_id)."""
        rows = self._read(
            "list_updates_between",
            f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE team = ? AND date >= ? AND date <= ? "
            "ORDER BY date, user_id",
            team, since, until,
        )
        return [_update(r) for r in rows]

    def list_member_updates(self, team: str, user_id: str, *, limit: int,
                            since: str | None = None, until: str | None = None,
                            ) -> list[Update]:
        """A member's latest `limit` updates, newest first (the `updates_by_member` index)."""
        rows = self._read(
            "list_member_updates",
            f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE team = ? AND user_id = ? "
            "AND date >= ? AND date <= ? ORDER BY date DESC LIMIT ?",
            team, user_id, since or "", until or "9999-12-31", max(0, limit),
        )
        return [_update(r) for r in rows]

    def iter_team_updates(
        self, team: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Update]:
        """Keyset pages of `UPDATE_PAGE` rows on the primary key: the lock is never held
        between pages, and a write in between is never blocked by a long export."""
        # Rows come after (date, user id) = `after`: the first page from just before `since`.
        after: tuple[str, str] = (since or "", "")
        last = until or "9999-12-31"
        while True:
            rows = self._read(
                "iter_team_updates",
                f"SELECT {_UPDATE_COLUMNS} FROM updates WHERE team = ? "
                "AND (date, user_id) > (?, ?) AND date <= ? ORDER BY date, user_id LIMIT ?",
                team, *after, last, UPDATE_PAGE,
            )
            yield from (_update(row) for row in rows)
            if len(rows) < UPDATE_PAGE:
                return
            after = (str(rows[-1][1]), str(rows[-1][2]))

    def clear_update(self, team: str, date: str, user_id: str) -> Update | None:
        """Delete a member's update for a date; returns what was deleted (None if nothing)."""
        with self._transaction("clear_update") as db:
            rows = db.execute(
                f"DELETE FROM updates WHERE team = ? AND date = ? AND user_id = ? "
                f"RETURNING {_UPDATE_COLUMNS}",
                (team, date, user_id),
            ).fetchall()  # fetch all: the statement must finish before COMMIT
            if rows:
                mark_stale(db, team, date)
        return _update(rows[0]) if rows else None

    # Deliveries --------------------------------------------------------------
    def claim_delivery(self, key: DeliveryKey, at: dt.datetime, owner: str = "") -> bool:
        """The primary key lets exactly one INSERT win, across threads and processes."""
        return self._write(
            "claim_delivery",
            f"INSERT INTO deliveries ({_DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, 0, ?) "
            "ON CONFLICT (team, date, kind, target) DO NOTHING",
            *_delivery_row(key), _iso(at), owner,
        ) == 1

    def reclaim_delivery(
        self, key: DeliveryKey, at: dt.datetime, older_than: dt.datetime,
        *, if_owner: str | None = None, new_owner: str = "",
    ) -> Delivery | None:
        """Read and re-stamp in one IMMEDIATE transaction: only one caller can win."""
        with self._transaction("reclaim_delivery") as db:
            row = db.execute(
                f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE {_DELIVERY_WHERE}",
                _delivery_where(key),
            ).fetchone()
            if row is None:
                return None
            previous = _delivery(row)
            if not previous.may_be_reclaimed(older_than, if_owner):
                return None
            db.execute(
                f"UPDATE deliveries SET claimed_at = ?, detail = ? WHERE {_DELIVERY_WHERE}",
                (_iso(at), new_owner, *_delivery_where(key)),
            )
        return previous

    def complete_delivery(self, key: DeliveryKey, detail: str = "") -> None:
        """Mark a claimed delivery as sent; an unclaimed one is recorded as sent (claimed now).

        Recording rather than refusing keeps "at most once" when a claim was lost: the
        message has gone out, so no re-run may send it again.
        """
        self._write(
            "complete_delivery",
            f"INSERT INTO deliveries ({_DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, 1, ?) "
            "ON CONFLICT (team, date, kind, target) "
            "DO UPDATE SET sent = 1, detail = excluded.detail",
            *_delivery_row(key), _iso(dt.datetime.now(dt.UTC)), detail,
        )

    def release_delivery(self, key: DeliveryKey) -> None:
        """Give a claim back (delete it) so a retry or re-run may claim it again."""
        self._write(
            "release_delivery",
            f"DELETE FROM deliveries WHERE {_DELIVERY_WHERE}",
            *_delivery_where(key),
        )

    def get_delivery(self, key: DeliveryKey) -> Delivery | None:
        """One row by its primary key."""
        rows = self._read(
            "get_delivery",
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE {_DELIVERY_WHERE}",
            *_delivery_where(key),
        )
        return _delivery(rows[0]) if rows else None

    def list_deliveries(self, team: str, date: str) -> list[Delivery]:
        """Deliveries of a team for a date, sorted by (kind, target)."""
        rows = self._read(
            "list_deliveries",
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE team = ? AND date = ? "
            "ORDER BY kind, target",
            team, date,
        )
        return [_delivery(r) for r in rows]

    def list_date_records(self, team: str, date: str) -> tuple[list[Update], list[Delivery]]:
        """Two range reads of primary keys."""
        return self.list_updates(team, date), self.list_deliveries(team, date)

    def list_deliveries_between(self, team: str, since: str, until: str) -> list[Delivery]:
        """One range scan of the primary key (team, date, kind, target)."""
        rows = self._read(
            "list_deliveries_between",
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE team = ? AND date >= ? "
            "AND date <= ? ORDER BY date, kind, target",
            team, since, until,
        )
        return [_delivery(r) for r in rows]

    # Channels ----------------------------------------------------------------
    def save_channel(self, channel: ChannelRef) -> None:
        self._write(
            "save_channel",
            "INSERT OR REPLACE INTO channels (name, id, is_private) VALUES (?, ?, ?)",
            channel.name, channel.id, int(channel.is_private),
        )

    def get_channel(self, name: str) -> ChannelRef | None:
        rows = self._read(
            "get_channel", "SELECT name, id, is_private FROM channels WHERE name = ?", name
        )
        return ChannelRef(str(rows[0][0]), str(rows[0][1]), bool(rows[0][2])) if rows else None

    def forget_channel(self, name: str) -> None:
        self._write("forget_channel", "DELETE FROM channels WHERE name = ?", name)

    # Task results -------------------------------------------------------------
    def save_result(self, location: str, data: bytes) -> None:
        check_result(location, data)
        self._write(
            "save_result", "INSERT OR REPLACE INTO results VALUES (?, ?, ?)", location,
            bytes(data), _iso(dt.datetime.now(dt.UTC)),
        )

    def load_result(self, location: str) -> bytes | None:
        rows = self._read("load_result", "SELECT data FROM results WHERE location = ?", location)
        return bytes(rows[0][0]) if rows else None

    # Seen requests (replay guard) --------------------------------------------
    def remember_request(self, key: str, at: dt.datetime, expires: dt.datetime) -> bool:
        """Drop expired notes, then INSERT: the primary key lets one caller win."""
        now, until = _iso(at), _iso(expires)
        with self._transaction("remember_request") as db:
            db.execute("DELETE FROM seen_requests WHERE expires_at <= ?", (now,))
            return db.execute(
                "INSERT INTO seen_requests (key, expires_at) VALUES (?, ?) "
                "ON CONFLICT (key) DO NOTHING", (key, until),
            ).rowcount == 1

    # Scheduled slots ---------------------------------------------------------
    def get_slot_claim(self, job: str) -> SlotClaim | None:
        """The latest slot claimed for a scheduled job, if any."""
        rows = self._read("get_slot_claim", f"SELECT {_SLOT_COLUMNS} FROM slot_claims "
                          "WHERE job = ?", job)
        return _slot_claim(rows[0]) if rows else None

    def swap_slot_claim(self, expected: SlotClaim | None, new: SlotClaim) -> bool:
        """Read and write in one IMMEDIATE transaction: only one caller sees `expected`."""
        row = (new.job, _iso(new.slot), new.owner, _iso(new.claimed_at), int(new.done))
        with self._transaction("swap_slot_claim") as db:
            found = db.execute(f"SELECT {_SLOT_COLUMNS} FROM slot_claims WHERE job = ?",
                               (new.job,)).fetchone()
            if (None if found is None else _slot_claim(found)) != expected:
                return False
            db.execute(f"INSERT OR REPLACE INTO slot_claims ({_SLOT_COLUMNS}) "
                       "VALUES (?, ?, ?, ?, ?)", row)
        return True


def _iso(value: dt.datetime) -> str:
    """ISO 8601 in UTC with its offset; naive input is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime must be time-zone aware, got {value!r}")
    return value.astimezone(dt.UTC).isoformat()


def _delivery_row(key: DeliveryKey) -> tuple[str, str, str, str]:
    """A delivery's key in column order (kind, team, date, target)."""
    return DeliveryKind(key.kind).value, key.team, key.date, key.target


def _delivery_where(key: DeliveryKey) -> tuple[str, str, str, str]:
    """A delivery's key in `_DELIVERY_WHERE` order, the primary key's (team, date, kind, target)."""
    return key.team, key.date, DeliveryKind(key.kind).value, key.target


def _team(row: tuple[object, ...]) -> Team:
    (name, timezone, standup_time, reminder_time, days, channel, questions, digest_mode,
     late_until, zone, nudge, weekly_report, lead, blockers, holidays, custom_holidays) = row
    return Team(str(name), str(timezone), str(standup_time), str(reminder_time),
                tuple(json.loads(str(days))), str(channel),
                questions_from_list(json.loads(str(questions)) if questions else None),
                digest_mode=str(digest_mode), late_until=str(late_until),
                reminder_zone=str(zone or "team"),  # NULL: stored before, as then
                nudge_before=int(str(nudge or 0)), weekly_report=str(weekly_report),
                lead=str(lead or ""), blockers_channel=str(blockers or ""),
                holidays=str(holidays),
                custom_holidays=holidays_from_list(json.loads(str(custom_holidays))))


def _absence(row: tuple[object, ...]) -> Absence:
    user_id, start, end, reason = row
    return Absence(str(user_id), str(start), str(end), str(reason))


def _member(row: tuple[object, ...]) -> Member:
    user_id, team, name, joined_on, left_on, inactive_since, inactive_reason = row
    return Member(str(user_id), str(team), str(name),
                  None if joined_on is None else str(joined_on),
                  None if left_on is None else str(left_on),
                  None if inactive_since is None else str(inactive_since),
                  str(inactive_reason or ""))


def _update(row: tuple[object, ...]) -> Update:
    team, date, user_id, entries, updated_at, answers, skipped, first_posted_at = row
    return Update(str(team), str(date), str(user_id), tuple(json.loads(str(entries))),
                  dt.datetime.fromisoformat(str(updated_at)) if updated_at else None,
                  answers_from_list(json.loads(str(answers)) if answers else None),
                  bool(skipped),
                  dt.datetime.fromisoformat(str(first_posted_at)) if first_posted_at else None)


def _delivery(row: tuple[object, ...]) -> Delivery:
    kind, team, date, target, claimed_at, sent, detail = row
    return Delivery(DeliveryKind(str(kind)), str(team), str(date), str(target),
                    dt.datetime.fromisoformat(str(claimed_at)), bool(sent), str(detail))


def _slot_claim(row: tuple[object, ...]) -> SlotClaim:
    job, slot, owner, claimed_at, done = row
    return SlotClaim(str(job), dt.datetime.fromisoformat(str(slot)), str(owner),
                     dt.datetime.fromisoformat(str(claimed_at)), bool(done))
