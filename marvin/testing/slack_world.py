"""The workspace behind the Slack stand-in: channels, members, users, scopes, history.

Real Slack is stricter than its docs suggest, and Marvin's delivery check depends on
exactly those rules, so the stand-in keeps them (`SlackStandIn` asks this world before
answering):

- ``conversations.*`` take a channel id; a ``#name`` is ``channel_not_found``. Only
  ``chat.postMessage`` resolves names, and it answers with the channel's id.
- Reading a channel's history needs the bot to be a member (``not_in_channel``), even
  with ``channels:history``; public channels are joined with ``conversations.join``,
  private ones need an invitation (`invite_bot`). A private channel the bot is not in
  does not exist for it (``channel_not_found``).
- Posting to a public channel without being a member needs ``chat:write.public``.
- Every method needs its scope (`marvin.slack.scopes`); a token without it gets
  ``missing_scope`` with ``needed``/``provided``. The granted scopes default to the ones
  Marvin's manifest asks for.
- ``conversations.history`` and ``conversations.list`` come in pages (``limit``,
  ``has_more``, ``response_metadata.next_cursor``); ``oldest`` is exclusive unless
  ``inclusive``; message metadata only with ``include_all_metadata``.
- Replies (``thread_ts``) are not in ``conversations.history``: only in
  ``conversations.replies`` of their parent, which answers the parent first, then the
  replies, in pages; for a ts that is a reply it answers just that message (bolt-python
  #783); an unknown ts is ``thread_not_found``. A ``thread_ts`` that is not a ts is
  ``invalid_thread_ts``; one naming no message, ``thread_not_found``.
- ``chat.update`` takes a channel id (a name is ``channel_not_found``, slack-sdk #696) and
  the ts of a message the bot posted (``message_not_found``, ``cant_update_message``);
  given blocks replace the old ones wholesale, none keep them (slack-sdk #523);
  ``edit_window_closed`` when the workspace forbids edits (`edits_allowed`).

Example:
    >>> world = SlackWorld()
    >>> channel = world.add_channel("ops", private=True)
    >>> world.channel_id("#ops") == channel
    True
"""

from __future__ import annotations

import base64
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marvin.slack.scopes import REQUIRED_SCOPES, scopes_for
from marvin.testing.slack_views import VIEW_METHODS, ViewDesk

__all__ = ["BOT_USER_ID", "SlackWorld", "WorldChannel"]

BOT_USER_ID = "UMARVIN"
DEFAULT_CHANNELS = ("general", "random", "testing", "alerts")
ANSWERED_HERE = frozenset(
    {"conversations.history", "conversations.list", "conversations.info",
     "conversations.join", "conversations.replies", "users.info", "chat.update",
     *VIEW_METHODS}
)
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{6}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
MAX_HISTORY_LIMIT = 999
MAX_LIST_LIMIT = 1000

Answer = dict[str, Any]


@dataclass
class WorldChannel:
    """A public or private channel and who is in it."""

    id: str
    name: str
    private: bool = False
    members: set[str] = field(default_factory=set)
    archived: bool = False

    def info(self, viewer: str = BOT_USER_ID) -> Answer:
        return {
            "id": self.id, "name": self.name, "is_channel": True, "is_group": False,
            "is_im": False, "is_private": self.private, "is_archived": self.archived,
            "is_member": viewer in self.members, "name_normalized": self.name,
        }


class SlackWorld:
    """Channels, users, granted scopes and messages; not thread-safe on its own (the
    stand-in calls it under its lock, and so should tests that change it mid-run)."""

    def __init__(self, scopes: tuple[str, ...] = REQUIRED_SCOPES) -> None:
        self.granted: set[str] = set(scopes)
        self._channels: dict[str, WorldChannel] = {}
        self._ids = itertools.count(1)
        self._deleted_users: set[str] = set()
        self._unknown_users: set[str] = set()
        self._user_traits: dict[str, Answer] = {}  # users.info fields a test set
        self._no_tz: set[str] = set()  # users.info without tz fields
        self._messages: dict[str, list[Answer]] = {}  # channel id -> oldest first
        self.views = ViewDesk()  # trigger ids, open modals and Home tabs
        self.edits_allowed = True  # False: the workspace forbids editing messages
        for name in DEFAULT_CHANNELS:
            self.add_channel(name)

    # -- shaping the world (tests) -------------------------------------------------------

    def add_channel(
        self, name: str, *, private: bool = False, bot_member: bool = False,
        channel_id: str | None = None,
    ) -> str:
        """Create a channel (name without ``#``); returns its id (made up unless given)."""
        made_up = f"C0{next(self._ids):08X}"
        channel = WorldChannel(channel_id or made_up, name.lstrip("#"), private)
        if bot_member:
            channel.members.add(BOT_USER_ID)
        self._channels[channel.id] = channel
        return channel.id

    def channel(self, ref: str) -> WorldChannel:
        """The channel with this id or (``#``)name; KeyError if there is none."""
        channel_id = self.channel_id(ref)
        if channel_id is None:
            raise KeyError(ref)
        return self._channels[channel_id]

    def invite_bot(self, ref: str) -> None:
        """Add the bot to a channel, as a person typing ``/invite @Marvin`` would."""
        self.channel(ref).members.add(BOT_USER_ID)

    def remove_bot(self, ref: str) -> None:
        self.channel(ref).members.discard(BOT_USER_ID)

    def delete_channel(self, ref: str) -> None:
        """Remove a channel for good (its id answers ``channel_not_found`` from now on)."""
        del self._channels[self.channel(ref).id]

    def set_scopes(self, scopes: tuple[str, ...] | list[str] | set[str]) -> None:
        self.granted = set(scopes)

    def revoke_scope(self, scope: str) -> None:
        self.granted.discard(scope)

    def delete_user(self, user_id: str) -> None:
        """A deactivated account: ``users.info`` answers it with ``deleted: true``."""
        self._deleted_users.add(user_id)

    def forget_user(self, user_id: str) -> None:
        """A user id unknown to this workspace: ``user_not_found``."""
        self._unknown_users.add(user_id)

    def set_user(self, user_id: str, *, tz: str | None = None, admin: bool = False,
                 owner: bool = False) -> None:
        """Give a user a time zone (IANA name) and workspace admin or owner rights."""
        traits: Answer = {"is_admin": admin, "is_owner": owner}
        if tz is not None:
            traits["tz"] = tz
        self._user_traits[user_id] = traits

    def drop_tz(self, user_id: str) -> None:
        """A profile without a time zone: ``users.info`` answers it with no ``tz`` field."""
        self._no_tz.add(user_id)

    def add_chatter(self, ref: str, count: int, ts: Callable[[], str]) -> None:
        """`count` messages by someone else in a channel (a busy #general)."""
        channel_id = self.channel(ref).id
        for n in range(count):
            self.record(channel_id, {"type": "message", "user": "UOTHER", "text": f"chat {n}",
                                     "ts": ts()})

    # -- reading it ----------------------------------------------------------------------

    def channel_id(self, ref: str) -> str | None:
        """The id of a channel given by id, ``#name`` or name; None if there is none."""
        if ref in self._channels:
            return ref
        name = ref.removeprefix("#")
        return next((c.id for c in self._channels.values() if c.name == name), None)

    def canonical(self, target: str) -> str:
        """A channel's id for any way of naming it; a user id names the app's DM with that
        user (``D`` + user id, as a DM posted to the user id lands there); DMs as given."""
        found = self.channel_id(target)
        if found is not None:
            return found
        return f"D{target}" if _USER_ID.fullmatch(target) else target

    def messages(self, channel_id: str) -> list[Answer]:
        return list(self._messages.get(channel_id, []))

    def record(self, channel_id: str, message: Answer) -> None:
        """Keep a posted message for ``conversations.history`` (or its thread's replies)."""
        self._messages.setdefault(channel_id, []).append(message)

    def thread_root(self, channel_id: str, thread_ts: object) -> tuple[str | None, str | None]:
        """``(parent ts, None)`` for a reply's ``thread_ts``, else ``(None, error)``. A reply
        to a reply goes to the thread of its parent, as in Slack's clients."""
        if not isinstance(thread_ts, str) or not _TS.fullmatch(thread_ts):
            return None, "invalid_thread_ts"
        message = self._find(channel_id, thread_ts)
        if message is None:
            return None, "thread_not_found"
        return str(message.get("thread_ts") or message["ts"]), None

    def _find(self, channel_id: str, ts: str) -> Answer | None:
        return next((m for m in self._messages.get(channel_id, []) if m["ts"] == ts), None)

    # -- Slack's rules -------------------------------------------------------------------

    def refusal(self, method: str, params: Answer) -> Answer | None:
        """``missing_scope`` (with needed/provided, as Slack answers) or None."""
        kind = self._kind(str(params.get("channel", "")))
        needed = scopes_for(method, kind=kind, types=str(params.get("types", "")))
        missing = [s for s in needed if s not in self.granted]
        if not missing:
            return None
        return {"ok": False, "error": "missing_scope", "needed": ",".join(missing),
                "provided": ",".join(sorted(self.granted))}

    def dm_refusal(self, params: Answer) -> str | None:
        """Why ``conversations.open`` refuses its ``users`` (None: it opens): a deactivated
        account is ``user_disabled``, an unknown id ``user_not_found``, as Slack answers."""
        for user in str(params.get("users", "")).split(","):
            user = user.strip()
            if user == BOT_USER_ID:
                return "cannot_dm_bot"
            if user in self._deleted_users:
                return "user_disabled"
            if user in self._unknown_users:
                return "user_not_found"
        return None

    def post_target(self, channel: str) -> tuple[str | None, str | None]:
        """``(channel id, None)`` where a ``chat.postMessage`` may go, else ``(None, error)``.

        Names are resolved (only this method does); a DM (``D...``) is always open. A user
        id posts to the app's DM with that user (answered with the DM's id), as Slack does:
        an id this workspace does not know is ``channel_not_found`` (chat.postMessage has no
        ``user_not_found``), the bot itself ``cannot_dm_bot``, and a deactivated account is
        posted to all the same (slack-sdk #1156: Slack keeps the DM)."""
        if channel.startswith("D"):
            return channel, None
        if channel.startswith(("U", "W")) and channel not in self._channels:
            if channel == BOT_USER_ID:
                return None, "cannot_dm_bot"
            if not self._is_user(channel):
                return None, "channel_not_found"
            return f"D{channel}", None
        channel_id = self.channel_id(channel)
        found = self._channels.get(channel_id) if channel_id else None
        if found is None or (found.private and BOT_USER_ID not in found.members):
            return None, "channel_not_found"
        if found.archived:
            return None, "is_archived"
        if BOT_USER_ID not in found.members and "chat:write.public" not in self.granted:
            return None, "not_in_channel"
        return found.id, None

    def answer(self, method: str, params: Answer) -> Answer:
        """The answer to a method this world owns (see `ANSWERED_HERE`)."""
        if method == "users.info":
            return self._users_info(str(params.get("user", "")))
        if method in VIEW_METHODS:
            return self.views.answer(method, params, self._is_user)
        if method == "conversations.list":
            return self._list(params)
        channel_id = str(params.get("channel", ""))
        if channel_id.startswith("D"):  # the bot's DM with a member: always open to it
            if method == "chat.update":
                return self._update(params, channel_id)
            if method == "conversations.replies":
                return self._replies(params, None)
            if method == "conversations.join":
                return _error("method_not_supported_for_channel_type")
            if method == "conversations.info":
                return {"ok": True, "channel": {"id": channel_id, "is_im": True}}
            return self._history(params, None)
        channel = self._visible(channel_id)
        if channel is None:
            return _error("channel_not_found")
        if method == "conversations.history":
            return self._history(params, channel)
        if method == "conversations.replies":
            return self._replies(params, channel)
        if method == "chat.update":
            return self._update(params, channel_id)
        if method == "conversations.info":
            return {"ok": True, "channel": channel.info()}
        return self._join(channel)

    def _visible(self, channel_id: str) -> WorldChannel | None:
        """The channel with this exact id, if the bot may see it (no names here)."""
        channel = self._channels.get(channel_id)
        if channel is None or (channel.private and BOT_USER_ID not in channel.members):
            return None
        return channel

    def _kind(self, channel: str) -> str:
        if channel.startswith(("D", "U", "W")) and channel not in self._channels:
            return "im"
        found = self._channels.get(channel)
        return "private" if found is not None and found.private else "public"

    def _join(self, channel: WorldChannel) -> Answer:
        if channel.private:
            return _error("method_not_supported_for_channel_type")
        if channel.archived:
            return _error("is_archived")
        already = BOT_USER_ID in channel.members
        channel.members.add(BOT_USER_ID)
        answer: Answer = {"ok": True, "channel": channel.info()}
        if already:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        return answer

    def _history(self, params: Answer, channel: WorldChannel | None) -> Answer:
        channel_id = str(params.get("channel", ""))
        if channel is not None and BOT_USER_ID not in channel.members:
            return _error("not_in_channel")
        try:
            limit = _limit(params, 100, MAX_HISTORY_LIMIT)
            start = _offset(params)
            oldest = float(params.get("oldest") or 0)
            latest = float(params["latest"]) if params.get("latest") else None
        except ValueError:
            return _error("invalid_arguments")
        inclusive = _true(params.get("inclusive"))
        if start is None:
            return _error("invalid_cursor")
        matching = [
            m for m in reversed(self._messages.get(channel_id, []))
            if m.get("thread_ts", m["ts"]) == m["ts"]  # replies are only in their thread
            and (float(m["ts"]) >= oldest if inclusive else float(m["ts"]) > oldest)
            and (latest is None or float(m["ts"]) <= latest)
        ]
        return {"ok": True, **_page(matching, start, limit, params), "pin_count": 0}

    def _replies(self, params: Answer, channel: WorldChannel | None) -> Answer:
        """A thread, parent first, in pages; just the message for a reply's ts."""
        channel_id = str(params.get("channel", ""))
        if channel is not None and BOT_USER_ID not in channel.members:
            return _error("not_in_channel")
        ts = params.get("ts")
        if not ts:
            return _error("invalid_arguments")
        message = self._find(channel_id, str(ts))
        if message is None:
            return _error("thread_not_found")
        if message.get("thread_ts", ts) != ts:
            thread = [message]  # a reply's ts: Slack answers with that reply alone
        else:
            thread = [m for m in self._messages[channel_id]
                      if m["ts"] == ts or m.get("thread_ts") == ts]
        try:
            limit = _limit(params, 1000, MAX_LIST_LIMIT)
        except ValueError:
            return _error("invalid_arguments")
        start = _offset(params)
        if start is None:
            return _error("invalid_cursor")
        return {"ok": True, **_page(thread, start, limit, params)}

    def _update(self, params: Answer, channel_id: str) -> Answer:
        """``chat.update`` of a message the bot posted (the size checks came first)."""
        ts = params.get("ts")
        message = self._find(channel_id, str(ts)) if ts else None
        if message is None:
            return _error("message_not_found")
        if message.get("user") != BOT_USER_ID:
            return _error("cant_update_message")
        if not self.edits_allowed:
            return _error("edit_window_closed")
        if not (params.get("text") or params.get("blocks")):
            return _error("no_text")
        message["text"] = params.get("text", "")
        if "blocks" in params:  # replaced wholesale; an update without blocks keeps them
            if params["blocks"]:
                message["blocks"] = params["blocks"]
            else:
                message.pop("blocks", None)
        message["edited"] = {"user": BOT_USER_ID, "ts": ts}
        return {"ok": True, "channel": channel_id, "ts": ts, "text": message["text"],
                "message": {k: v for k, v in message.items() if k != "metadata"}}

    def _list(self, params: Answer) -> Answer:
        types = {t.strip() for t in str(params.get("types") or "public_channel").split(",")}
        try:
            limit = _limit(params, 100, MAX_LIST_LIMIT)
        except ValueError:
            return _error("invalid_limit")
        start = _offset(params)
        if start is None:
            return _error("invalid_cursor")
        exclude_archived = _true(params.get("exclude_archived"))
        listed = [
            c for c in self._channels.values()
            if ("private_channel" if c.private else "public_channel") in types
            and (not c.private or BOT_USER_ID in c.members)
            and not (exclude_archived and c.archived)
        ]
        page = [c.info() for c in listed[start : start + limit]]
        more = start + limit < len(listed)
        return {"ok": True, "channels": page,
                "response_metadata": {"next_cursor": _cursor(start + limit) if more else ""}}

    def _is_user(self, user: str) -> bool:
        return bool(user) and user not in self._unknown_users and user.startswith(("U", "W"))

    def _users_info(self, user: str) -> Answer:
        if not self._is_user(user):
            return _error("user_not_found")
        name = user.lower()
        profile = {"real_name": f"User {user}", "display_name": name}
        found: Answer = {
            "id": user, "team_id": "T1", "name": name, "real_name": profile["real_name"],
            "deleted": user in self._deleted_users, "is_bot": user == BOT_USER_ID,
            "tz": "UTC", "tz_label": "Coordinated Universal Time", "tz_offset": 0,
            "is_admin": False, "is_owner": False, "is_primary_owner": False,
            "profile": profile, **self._user_traits.get(user, {}),
        }
        if user in self._no_tz:
            for key in ("tz", "tz_label", "tz_offset"):
                found.pop(key)
        return {"ok": True, "user": found}


def _error(code: str) -> Answer:
    return {"ok": False, "error": code}


def _page(messages: list[Answer], start: int, limit: int, params: Answer) -> Answer:
    """One page of messages as ``conversations.history``/``replies`` answer it: metadata
    only with ``include_all_metadata``, a cursor while more follow."""
    with_metadata = _true(params.get("include_all_metadata"))
    page = [
        m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
        for m in messages[start : start + limit]
    ]
    more = start + limit < len(messages)
    return {"messages": page, "has_more": more,
            "response_metadata": {"next_cursor": _cursor(start + limit) if more else ""}}


def _true(value: object) -> bool:
    return str(value).lower() in ("true", "1")


def _limit(params: Answer, default: int, most: int) -> int:
    raw = params.get("limit")
    value = int(raw) if raw not in (None, "") else default
    return max(1, min(value, most)) if value > 0 else default


def _cursor(offset: int) -> str:
    return base64.b64encode(f"next:{offset}".encode()).decode()


def _offset(params: Answer) -> int | None:
    """Where a page starts; None for a cursor this world never gave out."""
    cursor = params.get("cursor")
    if not cursor:
        return 0
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
        return int(text.removeprefix("next:")) if text.startswith("next:") else None
    except ValueError:
        return None
