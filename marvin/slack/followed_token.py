"""A workspace's bot token that follows its installation: what every holder of a token in
OAuth mode keeps, so a reinstall that issued a new token is picked up without a restart.

A reinstall can give the workspace a new bot token and revoke the old one (Slack then
answers ``invalid_auth`` or ``token_revoked`` for it). A `FollowedToken` is the one
mutable place a workspace's runtime reads its token from: the OAuth redirect and the
installation sync `offer` it the stored one, and a Slack call refused for its token asks
it to `follow` (re-read the installation once) before failing. Tokens are never logged:
only their `fingerprint`.

Example:
    >>> stored = {"token": "xoxb-1"}
    >>> token = FollowedToken("xoxb-1", lambda: stored["token"])
    >>> stored["token"] = "xoxb-2"  # reinstalled
    >>> token.follow(), token.value
    (True, 'xoxb-2')
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable

log = logging.getLogger("marvin.slack")

AUTH_REFUSALS = frozenset({"invalid_auth", "token_revoked", "account_inactive"})
"""Slack's answers for a token it no longer takes: worth re-reading the installation."""


def fingerprint(token: str) -> str:
    """A token's name in logs and keys: a digest, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class FollowedToken:
    """A bot token, replaced when its installation holds a new one. Thread-safe."""

    def __init__(self, token: str, read: Callable[[], str | None] | None = None,
                 *, name: str = "") -> None:
        """`read`: the installation's token now (None: no token, or no installation to
        follow, as in single-token mode); `name`: the workspace, for the log."""
        self._value, self._read, self._name = token, read, name
        self._lock = threading.Lock()

    @property
    def value(self) -> str:
        return self._value

    def offer(self, token: str | None) -> bool:
        """Keep `token` when it is a new one (read from the installation just now);
        whether it changed. An empty one (revoked, uninstalled) changes nothing: the
        uninstall takes the runtime away, and the old token fails as it would anyway."""
        with self._lock:
            if not token or token == self._value:
                return False
            old, self._value = self._value, token
        log.info("workspace %s: bot token %s replaced by %s (reinstalled)", self._name or "-",
                 fingerprint(old) if old else "(none)", fingerprint(token))
        return True

    def follow(self) -> bool:
        """Read the installation again and keep its token; whether it changed. A store
        that cannot answer changes nothing (logged): the caller fails as it would have."""
        if self._read is None:
            return False
        try:
            fresh = self._read()
        except Exception:  # the caller's own failure is the one to report
            log.warning("workspace %s: cannot read its installation again", self._name or "-",
                        exc_info=True)
            return False
        return self.offer(fresh)
