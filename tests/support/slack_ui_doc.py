"""docs/slack-ui.md, made from the real builders so the page cannot drift from the code.

Regenerate with ``.venv/bin/python -m tests.support.slack_ui_doc > docs/slack-ui.md``;
`tests/test_slack_ui_doc.py` fails while the page differs from what this prints.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Absence, Answer, Member, Team, Update
from marvin.domain.standup import reminder_text
from marvin.interactions.app_home import Viewer, home_view
from marvin.interactions.away_modal import away_modal
from marvin.interactions.questions_modal import questions_modal
from marvin.interactions.reminder_dm import answered_blocks, reminder_blocks
from marvin.interactions.schedule_modal import schedule_modal
from marvin.interactions.update_modal import update_view
from marvin.store.sqlite.store import SqliteStore
from tests.support import digest_modes_doc as digest_modes
from tests.support.settings import stand_in_settings

DATE = "2026-11-18"
TEAM = Team()
MEMBER = Member("U0123ABC")

INTRO = """# Marvin's Slack UI

What Marvin shows in Slack besides text answers, as Block Kit JSON. Paste a block into
[Block Kit Builder](https://app.slack.com/block-kit-builder) to see it rendered (for a
modal, choose *Modal* and paste the whole view). The JSON below is generated from the
code (`tests/support/slack_ui_doc.py`; a test fails when this page is out of date), for
the default team and questions on Wednesday 18 November 2026.

The ids Slack sends back are in `marvin/interactions/ui_ids.py`: the modal's
`callback_id`, each question's `block_id` (the question's id, `q1`...) with the input's
`action_id` `answer`, and the buttons' `action_id`s. The modal's `private_metadata`
holds the team, the standup date and a fingerprint of the answers it was opened with,
so a submission can tell that the answers changed meanwhile.
"""


def _json(value: Any) -> str:
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```\n"


HOME = """## The Home tab

Published with `views.publish` whenever someone opens Marvin's Home tab (`app_home_opened`),
and again after each of its buttons. It is built from the store alone
(`marvin/interactions/app_home.py`); Slack's `users.info` adds the viewer's time zone and
whether they are a workspace admin or owner (or listed in `MARVIN_ADMINS`). When
`users.info` does not answer, times are shown in the team's zone and only `MARVIN_ADMINS`
count as admins: an admin Marvin cannot confirm is not an admin.

- **Your update** for the team's active standup date, rendered like the digest, with
  **Write my update** (nothing posted yet) or **Edit**: both open the update modal above
  (their value is the date, as on the reminder's button).
- **Next standup** in the viewer's zone, and the channel it goes to.
- **Posted so far**: who has posted, out of the members of that date; past 30 names it
  says "and N more".
- **Your last standups**: the viewer's state on each of the team's last five standup
  dates before the active one (holidays are none; dates before they joined left out),
  in words beside the emoji (posted, away, skipped, missed), their streak as the weekly
  report counts it ("N+" when nothing shown ended it), a pointer to `/standup history`,
  and, when the team has a weekly report, a link to this or last week's report once it
  was posted to the team's channel. Read by id: at most five updates, the viewer's time
  off once (shared with **Away**), at most two report deliveries by key.
- **Away**: the viewer's time off that is not over (as `/standup away` lists it, reasons
  escaped), **Plan time off** (the modal below) and, when there is any, **Back** (exactly
  `/standup back`: ends the time off under way, or cancels the next one).
- **Leave team** (with a confirmation), or, for someone in no team, a **Join** button per
  team (a menu past five teams). Both do exactly what `/standup join TEAM` and
  `/standup leave` do, and the answer appears at the top of the tab.
- **Teams (admins)**: each team's days, times, zone, channel and member count with
  **Edit schedule**. Slack refuses a Home view of more than 100 blocks; teams that do not
  fit are counted in one line ("N more team(s) not shown: `marvin team list`").

Alice, an admin in New York, in team `default` (standup 09:00 UTC, a weekly report on
Fridays, last week's posted), having answered, after a week of every state:
"""

AWAY = """## The time-off modal

Opened with `views.open` from **Plan time off** on the Home tab. The fields take what
`/standup away` takes (YYYY-MM-DD, today, tomorrow, a weekday; the last day may be left
empty for one day) and are checked by the same rules (`marvin/domain/absences.py`): an end
before the start, more than 366 days, a day in the past or a reason over 200 characters
is answered with `response_action: "errors"` under its field, and nothing is saved.
"""

QUESTIONS = """## The questions modal

Opened with `views.open` from **Edit questions** (admins only). One slot per possible
question (10), in order: a label (blank: no question there) and two checkboxes,
*Optional* and *Blockers question*. A slot that held a question keeps that question's id
(in the view's private metadata), so answers already given stay with it when its label
is reworded; a new slot gets an id no question of the team has had. Checked as `marvin
team questions` checks: at least one question, labels of at most 150 characters; what
is wrong is answered under the slot, and nothing is saved.
"""

SCHEDULE = """## The schedule modal

Opened with `views.open` from **Edit schedule** (admins only). On submit each field is
checked as `marvin team set` checks it: an IANA time zone, at least one day, the two
times, a channel name or id. What is wrong is answered with `response_action: "errors"`
under the field it concerns, and nothing is saved; a team deleted meanwhile, or a
submitter who is not an admin, gets an error rather than a change.
"""


def _last_week(store: SqliteStore, now: dt.datetime) -> None:
    """Alice's last five standups, one of each state, and last week's report posted."""
    store.set_skipped(TEAM.name, "2026-11-11", "U0ALICE", True, now)  # skipped
    # missed on the 12th: nothing written
    for date in ("2026-11-13", "2026-11-17"):
        store.append_update(TEAM.name, date, "U0ALICE", "Reviewed the digest", now)
    store.save_absence(Absence("U0ALICE", "2026-11-16", "2026-11-16", "Dentist"))
    store.complete_delivery(DeliveryKey.weekly_report(TEAM.name, "2026-11-09", TEAM.channel),
                            "C0GENERAL:1763136000.000100")


def _home() -> dict[str, Any]:
    """Alice's Home tab: she is an admin, has answered, and a second team exists."""
    now = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(str(Path(folder) / "doc.db"))
        try:
            store.save_team(Team(name="platform", timezone="Europe/Berlin",
                                 channel="#platform"))
            for user, name in (("U0ALICE", "alice"), ("U0BOB", "bob")):
                store.save_member(Member(user, TEAM.name, name))
            store.save_team(replace(TEAM, weekly_report="fri 16:00"))
            store.save_absence(Absence("U0ALICE", "2026-12-24", "2027-01-02", "Holidays"))
            _last_week(store, now)
            store.save_answers(TEAM.name, DATE, "U0ALICE",
                               (Answer("q1", TEAM.questions[0].label, "Shipped the digest"),),
                               now)
            settings = stand_in_settings("http://127.0.0.1:1/api/", "xoxb-doc", "secret")
            return home_view(store, settings, Viewer("U0ALICE", "America/New_York", True), now)
        finally:
            store.close()


def render() -> str:
    update = Update(TEAM.name, DATE, MEMBER.user_id,
                    answers=(Answer("q1", TEAM.questions[0].label, "Reviewed the digest"),))
    reminder = reminder_text(MEMBER, TEAM, DATE)
    skipped = ("You are skipping standup on *Wednesday 18 November*: no more reminders for "
               "it, and the digest shows you as skipped. Changed your mind? `/standup` still "
               "works.")
    sections = [
        INTRO,
        "## The update modal\n\nOpened by `/standup` (no text) and by *Write my update*, with "
        "`views.open` and the trigger_id of the command or click. One multiline text input "
        "per question (at most 3,000 characters each, Slack's own ceiling), optional when "
        "the question is; prefilled with what the person already answered (here, the first "
        "question).\n",
        _json(update_view(TEAM, DATE, update)),
        "On **Save** (a `view_submission`) Marvin answers within Slack's 3 seconds with one "
        "of: `response_action: errors` keyed by the question's block_id (a required answer "
        "left empty, one over 3,000 characters, or, on the first question, why nothing was "
        "saved: the store is down, the person left their team or moved, the date passed); "
        "`response_action: update` with the same modal showing what is stored now above "
        "what they typed (the answers changed elsewhere meanwhile); or `response_action: "
        "update` with a short *Saved* view. A confirmation in the modal itself costs no "
        "Web API call inside the 3 seconds and needs no DM, and it is where the person is "
        "looking.\n",
        "## The reminder DM\n\nSent once per member and date by the reminder flow. The text "
        "is also the notification and the fallback for clients without blocks. Both buttons "
        "carry the standup date as their value.\n",
        _json({"text": reminder, "blocks": reminder_blocks(reminder, DATE)}),
        "After *Skip today* (or a button from another day) Marvin rewrites the DM with "
        "`chat.update`, without buttons:\n",
        _json({"text": skipped, "blocks": answered_blocks(skipped)}),
        HOME,
        _json(_home()),
        AWAY,
        _json(away_modal()),
        SCHEDULE,
        _json(schedule_modal(Team(name="platform", timezone="Europe/Berlin",
                                  channel="#platform"))),
        QUESTIONS,
        _json(questions_modal(Team(name="platform"))),
    ]
    return "\n".join(sections) + "\n" + digest_modes.render()  # "Digest modes" comes last


if __name__ == "__main__":
    print(render(), end="")
