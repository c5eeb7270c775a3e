"""The "Digest modes" section of docs/slack-ui.md, made from the real builders.

Regenerate the page's section with
``.venv/bin/python -m tests.support.digest_modes_doc`` (it is the page's last section);
`tests/test_digest_modes_doc.py` fails while the page's section differs from this.
"""

from __future__ import annotations

import json
from typing import Any

from marvin.delivery.digest_sync import shorter_part
from marvin.domain.digest import DigestMessage, digest_messages, digest_title
from marvin.domain.digest_thread import thread_parent, thread_reply
from marvin.domain.models import Member, Team, Update

DATE = "2026-11-26"
TEAM = Team()
MEMBERS = [Member("U0AAA"), Member("U0BBB"), Member("U0CCC")]
UPDATES = [Update("default", DATE, "U0AAA", ("shipped the digest edits",)),
           Update("default", DATE, "U0BBB", ("reviewed them",))]

HEAD = """## Digest modes

A team's digest is laid out one of two ways (`marvin team set NAME --digest-mode ...`);
a digest already posted keeps its layout. The JSON below is generated from the code
(`tests/support/digest_modes_doc.py`), for Thursday 26 November 2026.
"""

MESSAGE = """### `message` (the default)

One digest message: a header, one section per person who posted (a long update runs on
into further sections, and into further messages under a "(continued)" header), then who
has not posted. Each message's ts and a fingerprint of its blocks are kept in the
digest's delivery record; an edit after the digest went out updates only the message
holding that person (`chat.update`, blocks replaced wholesale).
"""

SHORTER = """A part the digest no longer needs after an edit (it got shorter) is kept and says so:
"""

THREAD = """### `thread`

One parent message in the channel, summing up the day, and one reply per person in its
thread (`thread_ts` = the parent's ts). The parent:
"""

REPLY = """Each reply (an update longer than one message holds continues in a further reply, under
the author's name, "(continued)"):
"""

TAIL = """A late update posts a new reply and edits the parent (counts and names); an edit updates
that person's reply; a cleared update's reply is edited to say
`_(cleared their update)_` (a reply once posted is never deleted). Every reply carries its
own delivery key in its message metadata (`digest/TEAM/DATE/CHANNEL#r.USER#0`), so each
is posted once, and a run taking over after a crash finds it with
`conversations.replies`.
"""


def _json(message: DigestMessage) -> str:
    value: dict[str, Any] = {"blocks": message.blocks}
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```\n"


def render() -> str:
    """The section, as it ends docs/slack-ui.md."""
    [digest] = digest_messages(TEAM, DATE, UPDATES, MEMBERS)
    [reply] = thread_reply(TEAM, UPDATES[0])
    parts = [
        HEAD, MESSAGE, _json(digest), SHORTER, _json(shorter_part(digest_title(TEAM, DATE))),
        THREAD, _json(thread_parent(TEAM, DATE, UPDATES, MEMBERS)), REPLY, _json(reply), TAIL,
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
