"""Where a digest goes: a configured channel (``#name`` or id) made ready for Marvin.

Slack's ``conversations.*`` methods take only ids, and reading a channel's history (how
Marvin checks, after a crash or a timeout, whether its digest already went out) needs the
bot to be a member, whatever scopes it has. So before the first post:

- the name is resolved to its id (``conversations.list``, every page), and the id kept in
  the store; when Slack later says ``channel_not_found`` for a kept id (the channel was
  deleted and re-created), the name is looked up again once;
- a public channel is joined (``conversations.join``); a private one cannot be joined,
  so a private channel without the bot is refused with what to do ("invite @Marvin").

Example:
    >>> ref = ready_channel(chat, store, "#general")  # doctest: +SKIP
    >>> ref.id
    'C0123ABCD'
"""

from __future__ import annotations

import re

from marvin.domain.models import ChannelRef
from marvin.slack.protocol import ChatAPI, SlackError
from marvin.store.base import Store

__all__ = ["BOT_MENTION", "ChannelProblem", "is_channel_id", "ready_channel", "resolve_channel"]

BOT_MENTION = "@Marvin"  # the bot user's display name in slack-app-manifest.yml
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


class ChannelProblem(Exception):
    """A configured channel Marvin cannot use; the message says what to do, in one line."""


def is_channel_id(value: str) -> bool:
    """Slack ids are upper case (``C0123ABCD``); channel names never are."""
    return bool(_CHANNEL_ID.match(value))


def shown(configured: str) -> str:
    """A channel as people write it: ``#name``, or the id as given."""
    value = configured.strip()
    return value if is_channel_id(value) or value.startswith("#") else f"#{value}"


def resolve_channel(
    chat: ChatAPI, store: Store, configured: str, *, fresh: bool = False
) -> ChannelRef:
    """The channel `configured` names, by id; from the store unless `fresh`.

    Raises:
        ChannelProblem: no such channel, or it is private and the bot is not in it.
        SlackError: Slack could not be asked (transient) or refused (scopes).
    """
    value = configured.strip()
    if is_channel_id(value):
        try:
            info = chat.channel_info(value)
        except SlackError as exc:
            if exc.error == "channel_not_found":
                raise ChannelProblem(_missing(value)) from None
            raise
        return ChannelRef(info.name, info.id, info.is_private)
    name = value.removeprefix("#")
    if not fresh:
        cached = store.get_channel(name)
        if cached is not None:
            return cached
    found = next((c for c in chat.list_channels() if c.name == name), None)
    if found is None:
        store.forget_channel(name)
        raise ChannelProblem(_missing(f"#{name}"))
    ref = ChannelRef(found.name, found.id, found.is_private)
    store.save_channel(ref)
    return ref


def ready_channel(chat: ChatAPI, store: Store, configured: str) -> ChannelRef:
    """Resolve `configured` and make sure the bot is a member (joining a public channel),
    so its history can be read. Refreshes a kept id that Slack no longer knows.

    Raises:
        ChannelProblem: it does not exist, or is private without the bot (invite it).
        SlackError: a transient failure (a retry may pass) or a refusal (missing scope).
    """
    ref = resolve_channel(chat, store, configured)
    try:
        info = chat.channel_info(ref.id)
    except SlackError as exc:
        if exc.error != "channel_not_found" or is_channel_id(configured.strip()):
            raise
        ref = resolve_channel(chat, store, configured, fresh=True)  # re-created: new id
        info = chat.channel_info(ref.id)
    if not info.is_member:
        if info.is_private:
            raise ChannelProblem(invite_message(shown(configured)))
        chat.join_channel(ref.id)
    return ref


def invite_message(channel: str) -> str:
    return (
        f"{BOT_MENTION} is not a member of the private channel {channel}: "
        f"invite {BOT_MENTION} to {channel} (type /invite {BOT_MENTION} there)"
    )


def _missing(channel: str) -> str:
    return (
        f"Slack has no channel {channel} that Marvin can see; check the name, or if it is "
        f"private, invite {BOT_MENTION} to {channel}"
    )
