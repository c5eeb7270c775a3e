"""The store's records as Firestore documents and back (field names are the stored layout).

Documents written by earlier releases may lack fields added since; reading fills them in.
"""

from __future__ import annotations

from typing import Any

from marvin.domain.models import Absence, Delivery, DeliveryKind, Member, SlotClaim, Team, Update
from marvin.store.fields import (
    answers_from_list,
    answers_to_list,
    holidays_from_list,
    holidays_to_list,
    questions_from_list,
    questions_to_list,
)
from marvin.store.firestore.client import utc


def team_doc(team: Team) -> dict[str, Any]:
    return {"name": team.name, "timezone": team.timezone, "standup_time": team.standup_time,
            "reminder_time": team.reminder_time, "days": list(team.days), "channel": team.channel,
            "questions": questions_to_list(team.questions),
            "digest_mode": team.digest_mode, "late_until": team.late_until,
            "reminder_zone": team.reminder_zone, "nudge_before": team.nudge_before,
            "weekly_report": team.weekly_report,
            "lead": team.lead, "blockers_channel": team.blockers_channel,
            "holidays": team.holidays,
            "custom_holidays": holidays_to_list(team.custom_holidays)}


def team_from_doc(d: dict[str, Any]) -> Team:
    return Team(name=d["name"], timezone=d["timezone"], standup_time=d["standup_time"],
                reminder_time=d["reminder_time"], days=tuple(d["days"]), channel=d["channel"],
                questions=questions_from_list(d.get("questions")),
                # teams written before these settings existed: as Marvin behaved then
                digest_mode=d.get("digest_mode", "message"),
                late_until=d.get("late_until", "reminder"),
                holidays=d.get("holidays", ""),
                custom_holidays=holidays_from_list(d.get("custom_holidays")),
                # Missing in documents written before: everyone in the team's zone, no nudges.
                reminder_zone=d.get("reminder_zone") or "team",
                nudge_before=int(d.get("nudge_before") or 0),
                weekly_report=d.get("weekly_report", "off"),
                # ... and before leads and blockers channels: nobody, nowhere.
                lead=d.get("lead") or "", blockers_channel=d.get("blockers_channel") or "")


def member_doc(member: Member) -> dict[str, Any]:
    return {"user_id": member.user_id, "team": member.team, "name": member.name,
            "joined_on": member.joined_on, "left_on": member.left_on,
            "inactive_since": member.inactive_since, "inactive_reason": member.inactive_reason}


def absence_doc(absence: Absence) -> dict[str, Any]:
    return {"user_id": absence.user_id, "start": absence.start, "end": absence.end,
            "reason": absence.reason}


def absence_from_doc(d: dict[str, Any]) -> Absence:
    return Absence(user_id=d["user_id"], start=d["start"], end=d["end"],
                   reason=d.get("reason", ""))


def member_from_doc(d: dict[str, Any]) -> Member:
    # Documents written before members had dates lack both fields: always, still; before
    # deactivation was kept, the inactive fields: active.
    return Member(user_id=d["user_id"], team=d["team"], name=d["name"],
                  joined_on=d.get("joined_on"), left_on=d.get("left_on"),
                  inactive_since=d.get("inactive_since"),
                  inactive_reason=d.get("inactive_reason") or "")


def update_from_doc(d: dict[str, Any]) -> Update:
    # Documents written before answers and skips lack both: none, not skipped.
    updated_at, first = d.get("updated_at"), d.get("first_posted_at")
    return Update(team=d["team"], date=d["date"], user_id=d["user_id"],
                  entries=tuple(d["entries"]), updated_at=utc(updated_at) if updated_at else None,
                  answers=answers_from_list(d.get("answers")), skipped=bool(d.get("skipped")),
                  first_posted_at=utc(first) if first else None)


def update_fields(update: Update) -> dict[str, Any]:
    """What a write of `update` sets (the key fields are set once, on creation)."""
    return {"entries": list(update.entries), "answers": answers_to_list(update.answers),
            "skipped": update.skipped, "updated_at": update.updated_at,
            "first_posted_at": update.first_posted_at}


def delivery_from_doc(d: dict[str, Any]) -> Delivery:
    return Delivery(kind=DeliveryKind(d["kind"]), team=d["team"], date=d["date"],
                    target=d["target"], claimed_at=utc(d["claimed_at"]), sent=d["sent"],
                    detail=d["detail"])


def slot_claim_from_doc(d: dict[str, Any]) -> SlotClaim:
    return SlotClaim(job=d["job"], slot=utc(d["slot"]), owner=d["owner"],
                     claimed_at=utc(d["claimed_at"]), done=d["done"])


def slot_claim_doc(claim: SlotClaim) -> dict[str, Any]:
    return {"job": claim.job, "slot": utc(claim.slot), "owner": claim.owner,
            "claimed_at": utc(claim.claimed_at), "done": claim.done}
