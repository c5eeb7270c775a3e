"""Reading the recorded reminder runs `marvin stats` needs: one record per run, not its
task runs.

A reminder run for a team of 50 leaves over 100 task runs; reading each in full for a
30-day report would cost as many document reads on Firestore. The recorder writes each
run's summary into its record as the run ends (`FlowRunRecord.summary`), so one listing
of the records is enough; only runs recorded before summaries were kept are read in full.

Example::

    runs = reminder_runs(history, {"eng"}, "2026-06-01")
    needed = reminders_needed_by_date("eng", runs)
"""

from __future__ import annotations

import datetime as dt

from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.run_names import REMINDER_FLOW
from marvin.reports.stats import has_summary
from marvin.store.run_history import RunHistory
from marvin.store.run_records import FlowRunRecord, RunDetail

REMINDER_LEAD_DAYS = 8  # a reminder runs at most a week before its standup (e.g. Fri for Mon)
MAX_REMINDER_RUNS = 10_000  # reminder runs read for one `marvin stats` (~1 a team a day)


def reminder_runs(
    history: RunHistory, teams: set[str], start: str
) -> list[FlowRunRecord | RunDetail]:
    """The finished reminder runs of `teams` that may be for a standup on or after `start`
    (`team_stats` picks the ones that count): their records, or, for a run recorded
    without a summary, the run in full."""
    since = dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
    since -= dt.timedelta(days=REMINDER_LEAD_DAYS)
    headers = history.list_flow_runs(flow=REMINDER_FLOW, limit=MAX_REMINDER_RUNS, since=since)
    runs: list[FlowRunRecord | RunDetail] = []
    for run in headers:
        if run.ended_at is None or run.parameters.get("team", DEFAULT_TEAM) not in teams:
            continue
        if has_summary(run):
            runs.append(run)
        elif (detail := history.get_run(run.id)) is not None:
            runs.append(detail)
    return runs
