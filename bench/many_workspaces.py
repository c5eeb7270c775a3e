"""Many workspaces on two replicas: every member of 200 installed workspaces reminded once.

Run: ``python -m bench.many_workspaces`` (defaults: ``--workspaces 200 --members 50
--replicas 2 --latency 0.05``; FIRESTORE_EMULATOR_HOST to use a running emulator, else
one is started for the run, as tests/support/firestore_emulator.py does).

Two real ``marvin serve`` processes in OAuth mode share one Firestore (the emulator) and
one Slack stand-in enforcing Slack's rate tiers per token (``SlackStandIn(tiers=True)``),
answering every call after ``--latency`` seconds. The workspaces are installed beforehand
(`tests.support.many_workspaces`: an installation record per workspace, its token known
to the stand-in), each with a team ``default`` of ``--members`` members (the same ids in
every workspace). The reminder slot was missed two minutes before start-up, so both
replicas' start-up catch-ups race for every workspace's slot.

Reported (one run):

- wall time from launching the replicas to every workspace's reminder slot done (and
  the part of it spent starting up: until both answer /healthz);
- DMs per member: must be exactly 1 for every member of every workspace (duplicates and
  missing ones are listed);
- Slack calls per DM (all Web API calls of the workspaces' tokens / DMs, start-up's
  ``auth.test`` included) and 429s received;
- which replica ran how many slots.

Firestore writes are not counted: they are made in the replica processes, out of reach
of the in-process counter of bench/firestore_usage.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

from cryptography.fernet import Fernet

from marvin.domain.workspace import Workspace
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.test_replicas import Clocks, serving
from tests.reliability.test_replicas_firestore import firestore_env
from tests.support import firestore_emulator as emulator
from tests.support.many_workspaces import (
    Installed,
    ReminderClaims,
    dms_by_workspace,
    install_all,
    oauth_env,
)


def wait_all_done(claims: ReminderClaims, count: int, timeout: float) -> dict[Workspace, str]:
    """Each workspace's reminder claimer, once all `count` slots are done (or the time
    is up: then those done so far)."""
    deadline = time.monotonic() + timeout
    while len(owners := claims.done()) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    return owners


def run(host: str, workspaces: int, members: int, replicas: int, latency: float,
        timeout: float) -> int:
    project = f"bench-{uuid.uuid4().hex[:12]}"
    key = Fernet.generate_key().decode()
    clocks = Clocks.around_noon()
    try:
        with SlackStandIn(latency=latency, tiers=True) as slack, \
                tempfile.TemporaryDirectory() as tmp:
            began = time.monotonic()
            installed = install_all(slack, project, key, workspaces, members)
            print(f"installed {workspaces} workspaces x {members} members in "
                  f"{time.monotonic() - began:.1f} s", flush=True)
            env = {**firestore_env(Path(tmp), slack, project, host), **oauth_env(key),
                   "MARVIN_TIMEZONE": clocks.zone,
                   "MARVIN_REMINDER_TIME": clocks.hhmm(-2),
                   "MARVIN_STANDUP_TIME": clocks.hhmm(120)}
            del env["SLACK_BOT_TOKEN"]
            claims = ReminderClaims(project, installed.workspaces)
            try:
                slack.reset_calls()
                start = time.monotonic()
                with serving(Path(tmp), env, replicas, wait=timeout) as procs:
                    healthy = time.monotonic() - start
                    owners = wait_all_done(claims, workspaces, timeout)
                    wall = time.monotonic() - start
                    pids = [str(p.pid) for p in procs]
                    logs = Path(tmp)
            finally:
                claims.close()
            report(slack, installed, owners, pids, wall, healthy)
            missing_slots = workspaces - len(owners)
            if missing_slots:
                print(f"{missing_slots} slot(s) not done after {timeout:.0f} s; logs:")
                for log in sorted(logs.glob("serve-*.log")):
                    print(log.read_text()[-3000:])
            return 0 if _exact(slack, installed) and not missing_slots else 1
    finally:
        emulator.clear(host, project)


def report(slack: SlackStandIn, installed: Installed, owners: dict[Workspace, str],
           pids: list[str], wall: float, healthy: float) -> None:
    dms = dms_by_workspace(slack, installed)
    expected = installed.expected_dms()
    duplicates = {k: n for k, n in dms.items() if n > 1}
    missing = [k for k in expected if dms[k] == 0]
    strays = [k for k in dms if k not in expected]
    tokens = set(installed.tokens.values())
    calls = [c for c in slack.calls if c.token in tokens]
    by_method = Counter(c.method for c in calls)
    sent = sum(dms.values())
    by_replica = Counter(f"replica {pids.index(o.split(':')[1])}" for o in owners.values())
    print(f"wall time to all {len(installed.tokens)} slots done: {wall:.1f} s "
          f"(of which start-up until /healthz: {healthy:.1f} s)")
    print(f"DMs: {sent} for {len(expected)} members; exactly one each: "
          f"{not duplicates and not missing and not strays}")
    print(f"  duplicates: {len(duplicates)} {sorted(duplicates.items())[:10]}")
    print(f"  missing: {len(missing)} {missing[:10]}")
    print(f"  to no installed workspace's member: {len(strays)} {strays[:10]}")
    print(f"Slack calls per DM: {len(calls) / max(sent, 1):.3f} ({dict(by_method)}); "
          f"429s: {slack.rate_limited}")
    print(f"slots done per replica: {dict(sorted(by_replica.items()))}")


def _exact(slack: SlackStandIn, installed: Installed) -> bool:
    return dms_by_workspace(slack, installed) == installed.expected_dms()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds the stand-in takes to answer each call")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds to wait for every slot to be done")
    args = parser.parse_args(argv)
    with emulator.in_use() as host:
        return run(host, args.workspaces, args.members, args.replicas, args.latency,
                   args.timeout)


if __name__ == "__main__":
    sys.exit(main())
