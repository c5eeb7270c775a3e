"""Hostile update text through `/standup` over real HTTP: stored exactly, shown escaped.

Each input is posted as Slack posts it (form-encoded, v0-signed) to the real HTTP app,
then read back three ways: the stored entries (byte for byte), the ephemeral
`/standup show` answer, and the digest the standup flow posts to the stand-in. Nothing a
user types may reach Slack as markup: the only ``<...>`` allowed in anything Marvin posts
are the ``<@U...>`` mentions it builds itself from member ids. On SQLite and Firestore.

Slack trims the text of a slash command, and so does Marvin (``text.strip()``): inputs
that should be stored as they are have no surrounding whitespace.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marvin.domain.digest import (
    MAX_BLOCKS_PER_MESSAGE,
    MAX_SECTION_TEXT,
    digest_messages,
    escape_mrkdwn,
)
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.domain.slack_limits import MAX_EPHEMERAL_ANSWER, slack_len
from marvin.domain.standup import is_blank_update
from marvin.engine import LocalExecutor
from marvin.interactions.standup_command import CUT_SHORT, MAX_UPDATE_CHARS, parse_command
from marvin.interactions.update_form import NOT_A_MEMBER
from marvin.slack.app import build_app, dispatch
from marvin.store import Store
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.server import serve_in_thread
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import SlackHandler, build_web_app
from tests.reliability.conftest import (
    SIGNING_SECRET,
    make_settings,
    run,
    services_on,
)

NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)  # Wednesday, before the 09:00 standup
STANDUP = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)
DATE = "2026-11-18"
USER = "U123"
SHOWN_PREFIX = "Your update for *Wednesday 18 November*:\n"
CHANNEL = "#general"

STORED: dict[str, str] = {
    "plain": "shipped the digest, next: reminders",
    "long-10k-words": " ".join(["word"] * 2_500),
    "long-10k-no-spaces": "a" * 10_050,
    "long-10k-entities": ("a<b&c>d " * 1_300).strip(),
    "long-ampersands": "&" * 5_000,
    "at-the-limit": "y" * MAX_UPDATE_CHARS,
    "emoji": "shipped 🚀 fixed 🐛 ☕️",
    "emoji-zwj-family": "👨‍👩‍👧‍👦 family day, 🧑🏿‍💻 coding, 🏳️‍🌈",
    "emoji-skin-tones": "👍🏻👍🏼👍🏽👍🏾👍🏿 thanks",
    "emoji-flags": "🇺🇳 🇯🇵 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "emoji-keycaps": "1️⃣ 2️⃣ #️⃣",
    "emoji-long-zwj": "x" + "👨‍👩‍👧‍👦" * 450,
    "emoji-long-skin-tones": "x" + "👍🏽" * 1_600,
    "combining-long": "x" + "e\u0301" * 1_600,
    "arabic": "أنهيت المراجعة، وسأعمل اليوم على الإصدار",
    "hebrew": "סיימתי את הבדיקות, היום: התיעוד",
    "rtl-mixed": "PR #42 تم دمجه ✅ and שלום",
    "bidi-override": "safe \u202eexe.txt\u202c done",
    "nul": "before\x00after",
    "ansi-escape": "\x1b[31mred alert\x1b[0m and \x1b]0;title\x07",
    "crlf": "line one\r\nline two\rline three\nline four",
    "controls": "bell\x07 bs\x08 vt\x0b ff\x0c del\x7f nel\x85 csi\x9b end",
    "at-channel": "<!channel> please read",
    "at-here": "<!here> standup moved",
    "at-everyone": "<!everyone>",
    "subteam": "<!subteam^S0123|@devs> ping",
    "user-mention": "thanks <@U123> and <@W0ABC|bob>",
    "channel-link": "see <#C123> and <#C0456|general>",
    "entity-literal": "a &lt; b and &amp;lt; and &gt;",
    "link": "<https://evil.example|click here>",
    "mailto": "<mailto:ceo@example.com|CEO>",
    "bare-url": "https://evil.example/?q=<script>",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "formatting": "*bold* _italic_ ~strike~ `code` ```block``` > quote",
    "percent": "100% done, %zz %00 %3C!channel%3E",
    "plus-and-equals": "a+b=c & d=e; x==y",
    "zero-width-only": "\u200b\u200d\u2060",
    "bom": "\ufeffstarts with a BOM",
    "keyword-like": "show me the money",
    "join-sentence": "join the call at 10",
    "zalgo": "Z̵̡̢̛̖͎͉̟a̷̢̛͉͍l̸g̶o̵",
}
HELP: dict[str, str] = {
    "empty": "",
    "spaces": "   ",
    "whitespace-mix": "\t \n \r\n ",
    "unicode-spaces": "\u00a0\u3000\u2003",
}
OVER_LIMIT: dict[str, str] = {
    "limit-plus-one": "y" * (MAX_UPDATE_CHARS + 1),
    "limit-plus-one-words": ("word " * 4_001).strip() + "!",
}
NON_ASCII_LONG: dict[str, str] = {
    "cjk-7500": "字" * 7_500,
    "emoji-10k": "😀" * 10_000,
}
SPLIT_FLAGS: dict[str, str] = {
    "long-flags-odd-offset": "x" + "🇺🇳" * 1_600,
    "long-tag-flags": "x" + "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f" * 500,
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MARKUP = re.compile(r"<[^>]*>?")


# Oracles ------------------------------------------------------------------------------------


def shown_form(text: str) -> str:
    """What a reader should see of `text`: lines kept (CR/CRLF as LF), ASCII control
    characters but tab and newline dropped (they mean nothing in chat), all else as typed."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def unescape(mrkdwn: str) -> str:
    """Slack's reading of escaped mrkdwn: the three entities it documents."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def assert_no_markup(text: str, allowed: set[str], where: str) -> None:
    """No ``<...>`` in `text` but Marvin's own mentions of members; so no ``<!``, ``<@``,
    ``<#`` or ``<http`` from anything a user typed."""
    found = [m for m in _MARKUP.findall(text) if m not in allowed]
    assert not found, f"raw markup {found[:3]} in {where}"
    for raw in ("<!", "<#", "<http", "<mailto"):
        assert raw not in text, f"{raw} in {where}"


def posted_texts(message: dict[str, Any]) -> list[str]:
    """Every text Slack would render from a posted message: fallback, blocks, elements."""
    found = [str(message.get("text", ""))]
    for block in message.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            found.append(str(block["text"]["text"]))
        found.extend(str(e.get("text", "")) for e in block.get("elements", []))
    return found


def update_body(messages: list[dict[str, Any]], user_id: str) -> str | None:
    """The update's escaped text as the digest shows it, its sections joined back."""
    pieces = [
        block["text"]["text"].split("\n", 1)[1]
        for message in messages
        for block in message.get("blocks") or []
        if str(block.get("block_id", "")).startswith("update-")
        and block["text"]["text"].startswith(f"*<@{user_id}>*")
    ]
    return "".join(pieces) if pieces else None


def check_digest(messages: list[dict[str, Any]], text: str, user_id: str = USER) -> None:
    """Slack's limits kept, nothing pings, and the update is all there, escaped."""
    allowed = {f"<@{user_id}>"}
    for message in messages:
        assert len(message.get("blocks") or []) <= MAX_BLOCKS_PER_MESSAGE
        assert_no_markup(json.dumps(message, ensure_ascii=False), allowed, "a posted message")
        for piece in posted_texts(message):
            assert len(piece) <= 40_000
            assert_no_markup(piece, allowed, "a posted text")
        for block in message.get("blocks") or []:
            if block.get("type") == "section":
                assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
    body = update_body(messages, user_id)
    expected = shown_form(text).strip()
    if looks_blank(text):
        assert body is None  # nothing visible: not shown, and the member counts as missing
        assert any(f"No update from: <@{user_id}>" in t for m in messages
                   for t in posted_texts(m))
        return
    assert body is not None, "the update is not in the digest"
    assert unescape(body) == expected


def looks_blank(text: str) -> bool:
    """Nothing a reader would see: only spaces, controls and format characters."""
    return all(
        unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp") or c.isspace() for c in text
    )


# Fixtures -----------------------------------------------------------------------------------


@dataclass
class _Current:
    handler: SlackHandler | None = None

    def slack(
        self, body: bytes, headers: dict[str, str], query: str
    ) -> tuple[int, dict[str, str], str]:
        assert self.handler is not None, "no test is running"
        return self.handler(body, headers, query)


@dataclass
class Marvin:
    http: httpx.Client
    store: Store
    slack: SlackStandIn

    def command(self, text: str, user_id: str = USER) -> httpx.Response:
        body = slash_command_body(text=text, user_id=user_id, user_name=f"name-{user_id}")
        return self.http.post("/slack/events", content=body,
                              headers=signed_headers(SIGNING_SECRET, body))

    def answer(self, text: str, user_id: str = USER) -> str:
        response = self.command(text, user_id)
        assert response.status_code == 200, (response.status_code, response.text[:200])
        payload = response.json()
        assert payload["response_type"] == "ephemeral"
        return str(payload["text"])

    def entries(self, user_id: str = USER) -> tuple[str, ...] | None:
        update = self.store.get_update(DEFAULT_TEAM, DATE, user_id)
        return None if update is None else update.entries

    def digest(self) -> list[dict[str, Any]]:
        """Run the standup flow at 09:00 and return what it posted to the channel."""
        self.slack.reset()
        services = services_on(self.slack.url, self.store, at=STANDUP)
        result = run("standup", {"team": DEFAULT_TEAM, "force": True}, services,
                     LocalExecutor())
        assert result.state.is_successful(), result.state
        return self.slack.posted_messages(CHANNEL)


@pytest.fixture(scope="module")
def module_slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[_Current, httpx.Client]]:
    current = _Current()
    with (
        serve_in_thread(build_web_app(current.slack, lambda: {"ok": True})) as (url, _stop),
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield current, http


@contextmanager
def serving(
    store: Store, module_slack: SlackStandIn, server: tuple[_Current, httpx.Client]
) -> Iterator[Marvin]:
    """Marvin's Bolt app on `store` answers the module's server while the block runs."""
    current, http = server
    bolt = build_app(make_settings(module_slack.url), store, lambda: NOW)
    current.handler = functools.partial(dispatch, bolt)
    try:
        yield Marvin(http, store, module_slack)
    finally:
        current.handler = None


@pytest.fixture
def marvin(
    store: Store, module_slack: SlackStandIn, server: tuple[_Current, httpx.Client]
) -> Iterator[Marvin]:
    module_slack.reset()
    with serving(store, module_slack, server) as marvin:
        yield marvin


# Explicit inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(STORED))
def test_text_is_stored_exactly_and_shown_escaped(
    marvin: Marvin, name: str, tally: Counter[str]
) -> None:
    text = STORED[name]
    tally["inputs tried (update text)"] += 1
    assert text == text.strip() and parse_command(text).action == "update"

    assert marvin.answer(text).startswith("Thanks! Saved your update")

    assert marvin.entries() == (text,)  # byte for byte
    shown = marvin.answer("show")
    assert shown.startswith(SHOWN_PREFIX)
    assert_no_markup(shown, set(), "the show answer")
    check_shown(shown.removeprefix(SHOWN_PREFIX), text)
    check_digest(marvin.digest(), text)


def check_shown(body: str, text: str) -> None:
    """All of the update, escaped; or, past what Slack shows in an answer, its start (cut
    between whole characters and entities) and a note that the rest is saved."""
    note = CUT_SHORT.format(limit=MAX_EPHEMERAL_ANSWER)
    if not body.endswith(note):
        assert unescape(body) == shown_form(text)
        return
    assert slack_len(SHOWN_PREFIX + body) <= MAX_EPHEMERAL_ANSWER
    kept = body.removesuffix(note)
    assert kept.endswith("…")
    kept = kept.removesuffix("…")
    assert escape_mrkdwn(text).startswith(kept)
    assert unescape(kept) == shown_form(text)[: len(unescape(kept))]


@pytest.mark.parametrize("name", list(HELP))
def test_blank_text_asks_for_the_form_and_stores_nothing(
    marvin: Marvin, name: str, tally: Counter[str]
) -> None:
    tally["inputs tried (update text)"] += 1

    # no text opens the update form; for someone in no team, it says how to join
    assert marvin.answer(HELP[name]) == NOT_A_MEMBER

    assert marvin.entries() is None
    assert marvin.store.get_member(USER) is None


@pytest.mark.parametrize("name", list(OVER_LIMIT))
def test_text_over_the_limit_is_refused_plainly_and_stores_nothing(
    marvin: Marvin, name: str, tally: Counter[str]
) -> None:
    tally["inputs tried (update text)"] += 1

    answer = marvin.answer(OVER_LIMIT[name])

    assert "the limit is 20,000" in answer and "Nothing was saved" in answer
    assert marvin.entries() is None


@pytest.mark.parametrize("name", list(NON_ASCII_LONG))
def test_long_non_ascii_text_under_the_limit_is_stored(
    marvin: Marvin, name: str, tally: Counter[str]
) -> None:
    """Found by this suite: at 3-4 UTF-8 bytes a character, 9-12 once form-encoded, such an
    update (well under the 20,000-character limit) was over the 64 KiB body limit and got a
    bare 413, which Slack shows as a generic failure; the limit is now 256 KiB."""
    text = NON_ASCII_LONG[name]
    tally["inputs tried (update text)"] += 1
    assert len(text) <= MAX_UPDATE_CHARS

    response = marvin.command(text)

    assert response.status_code == 200, (response.status_code, response.text[:100])
    assert marvin.entries() == (text,)


@pytest.mark.parametrize("name", list(SPLIT_FLAGS))
def test_a_long_update_is_split_only_between_whole_emoji(
    marvin: Marvin, name: str, tally: Counter[str]
) -> None:
    """Found by this suite: the digest cut long updates between a flag's two regional
    indicators (every later flag then paired wrongly: 🇺🇳🇺🇳 -> …🇺 | 🇳🇺🇳…) and inside tag
    sequences (🏴 subdivision flags)."""
    text = SPLIT_FLAGS[name]
    tally["inputs tried (update text)"] += 1
    marvin.answer(text)
    assert marvin.entries() == (text,)

    messages = marvin.digest()

    check_digest(messages, text)  # nothing lost, nothing pings
    sections = [
        block["text"]["text"].split("\n", 1)[1]
        for message in messages for block in message["blocks"]
        if str(block.get("block_id", "")).startswith("update-")
    ]
    assert len(sections) > 1
    for piece in sections[1:]:
        # a piece must start a new character: not a flag's second letter nor a tag
        first = ord(piece[0])
        assert not 0xE0000 <= first <= 0xE007F, f"piece starts inside a tag flag: {piece[:3]!r}"
    for piece in sections:
        letters = sum(1 for c in piece if 0x1F1E6 <= ord(c) <= 0x1F1FF)
        assert letters % 2 == 0, f"a flag is cut in two: ...{piece[-2:]!r}"


def test_many_hostile_updates_in_one_digest_never_ping(
    marvin: Marvin, tally: Counter[str]
) -> None:
    """Every stored input at once, one member each: one digest, split over messages."""
    short = {n: t for n, t in STORED.items() if len(t) < 500}
    users = {name: f"U{n:04d}" for n, name in enumerate(short, start=1)}
    for name, text in short.items():
        marvin.answer(text, users[name])
    tally["inputs tried (update text)"] += len(short)

    messages = marvin.digest()

    allowed = {f"<@{u}>" for u in users.values()}
    for message in messages:
        assert_no_markup(json.dumps(message, ensure_ascii=False), allowed, "the digest")
    for name, text in short.items():
        body = update_body(messages, users[name])
        if body is not None:
            assert unescape(body) == shown_form(text).strip(), name


# Property: random unicode -------------------------------------------------------------------

_user_ids = (f"UH{n:05d}" for n in itertools.count())


def _is_update(text: str) -> bool:
    return parse_command(text).action == "update" and len(text.strip()) <= MAX_UPDATE_CHARS


@pytest.fixture
def sqlite_marvin(
    tmp_path_factory: pytest.TempPathFactory,
    module_slack: SlackStandIn,
    server: tuple[_Current, httpx.Client],
) -> Iterator[Marvin]:
    path = tmp_path_factory.mktemp("hypothesis") / "marvin.db"
    with closing(SqliteStore(str(path))) as store, serving(store, module_slack, server) as marvin:
        yield marvin


UNICODE = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]),  # lone surrogates cannot be UTF-8
    min_size=1,
    max_size=300,
)
MARKUPISH = st.lists(
    st.sampled_from(["<", ">", "&", "!channel", "@U1", "#C1", "http://x|y", "amp;", "lt;",
                     "\r\n", "\x00", "\u200d", "👍🏽", "🇺🇳", "*", " ", "ש", "ع"]),
    min_size=1, max_size=40,
).map("".join)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # deterministic: the same examples every run
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(UNICODE, MARKUPISH).filter(_is_update))
def test_any_text_is_stored_exactly_and_its_digest_never_has_raw_markup(
    sqlite_marvin: Marvin, tally: Counter[str], text: str
) -> None:
    user = next(_user_ids)
    tally["inputs tried (update text, random)"] += 1
    answer = sqlite_marvin.answer(text, user)

    assert answer.startswith("Thanks!"), answer[:100]
    assert sqlite_marvin.entries(user) == (text.strip(),)
    update = sqlite_marvin.store.get_update(DEFAULT_TEAM, DATE, user)
    assert update is not None
    team, member = Team(), Member(user)
    [message] = [
        {"text": m.text, "blocks": m.blocks}
        for m in digest_messages(team, DATE, [update], [member])
    ]
    check_digest([message], text.strip(), user)
    if not is_blank_update(update):
        assert update_body([message], user) is not None
