"""The ``user_change`` event over real HTTP, on both stores: a member's new Slack zone is
kept at once; anyone else's is not; a body Slack would not send changes nothing."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from marvin.domain.models import Member, MemberPrefs
from marvin.slack.app import build_app, dispatch
from marvin.store.base import Store
from marvin.testing.event_payloads import JSON_CONTENT_TYPE, event_body, user_change
from marvin.testing.signing import signed_headers
from marvin.testing.slack_api import SlackStandIn
from tests.slack.conftest import Current
from tests.support.settings import stand_in_settings

SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TOKEN = "xoxb-test-token"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)
MEMBER, STRANGER = "U0MEMBER", "U0STRANGER"

Post = Callable[[bytes], httpx.Response]


@pytest.fixture
def post(
    store: Store, slack: SlackStandIn, server: tuple[str, Current, httpx.Client]
) -> Iterator[Post]:
    _url, current, http = server
    bolt = build_app(stand_in_settings(slack.url, TOKEN, SECRET), store, lambda: NOW)
    current.handler, current.health = functools.partial(dispatch, bolt), lambda: {"ok": True}
    store.save_member(Member(MEMBER, name="Member"))

    def send(body: bytes) -> httpx.Response:
        headers = signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE)
        return http.post("/slack/events", content=body, headers=headers)

    try:
        yield send
    finally:
        current.handler = current.health = None


def test_a_members_new_zone_is_kept_at_once(
    store: Store, post: Post
) -> None:
    store.set_nudges(MEMBER, False)
    response = post(event_body(user_change(MEMBER, tz="Pacific/Kiritimati")))
    assert response.status_code == 200, response.text
    assert store.get_member_prefs(MEMBER) == MemberPrefs(MEMBER, "Pacific/Kiritimati", NOW,
                                                         nudges=False)

    assert post(event_body(user_change(MEMBER, tz=None))).status_code == 200
    assert store.get_member_prefs(MEMBER) == MemberPrefs(MEMBER, None, NOW, nudges=False)


def test_nothing_is_kept_about_someone_who_is_not_a_member(
    store: Store, post: Post
) -> None:
    assert post(event_body(user_change(STRANGER, tz="Asia/Tokyo"))).status_code == 200
    assert store.get_member_prefs(STRANGER) is None


@pytest.mark.parametrize("user", [None, "U0MEMBER", {"id": 42}, {"id": "not an id"}, []])
def test_a_user_change_without_a_user_object_changes_nothing(
    store: Store, post: Post, user: object
) -> None:
    body = json.loads(event_body(user_change(MEMBER)))
    body["event"]["user"] = user
    response = post(json.dumps(body).encode())
    assert response.status_code == 200, response.text
    assert store.get_member_prefs(MEMBER) is None
