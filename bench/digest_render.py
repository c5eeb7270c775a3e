"""Digest rendering benchmark: `digest_messages` for big teams under Slack's limits.

Run: ``python -m bench.digest_render`` (``--repeat R``).

Each workload is a team whose members all posted updates of one size, the text drawn
(with a fixed seed) from mixed scripts, emoji, ZWJ sequences, flags and Slack markup that
must be escaped, so splitting meets entities and joined characters. The median of the
repetitions is reported, as wall-clock time and as this process's CPU time (the machine
is shared). Every message is checked against the stand-in's copy of Slack's limits,
outside the timing, so a fast but wrong renderer cannot pass.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from marvin.domain.digest import digest_messages
from marvin.domain.models import Member, Team, Update
from marvin.testing.slack_limits_check import check_message

DATE = "2026-11-23"
TEAM = Team(name="eng", timezone="UTC")
WORKLOADS = ((15, 1_000), (60, 2_500), (300, 20_000))
FRAGMENTS = (
    "shipped the thing ", "word ", "\n", "修正しました。", "готово ", "שלום ", "👍🏽",
    "👨‍👩‍👧‍👦", "🇫🇷🇩🇪", "e\u0301", "<!channel>", "<@U0BOSS>", "&", "<", ">", "*bold* ",
)


def team_of(members: int, size: int) -> tuple[list[Member], list[Update]]:
    rnd = random.Random(members * 100_003 + size)
    people = [Member(user_id=f"U{n:05d}", team=TEAM.name) for n in range(members)]
    updates = []
    for person in people:
        text = ""
        while len(text) < size:
            text += rnd.choice(FRAGMENTS)
        updates.append(Update(team=TEAM.name, date=DATE, user_id=person.user_id,
                              entries=(text[:size],)))
    return people, updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| team | characters | messages | wall ms | CPU ms |")
    print("|---|---|---|---|---|")
    for members, size in WORKLOADS:
        people, updates = team_of(members, size)
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu = time.perf_counter(), time.process_time()
            messages = digest_messages(TEAM, DATE, updates, people)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        for message in messages:
            refused = check_message({"text": message.text, "blocks": message.blocks})
            assert refused is None, refused
        print(f"| {members} x {size:,} | {members * size:,} | {len(messages):,} | "
              f"{statistics.median(walls) * 1000:.1f} | {statistics.median(cpus) * 1000:.1f} |")


if __name__ == "__main__":
    main()
