"""Tokens encrypted at rest: Fernet with the current key, and the previous one for rotation.

Example:
    >>> from cryptography.fernet import Fernet
    >>> old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    >>> stored = TokenCipher(old).encrypt("xoxb-1")
    >>> rotated = TokenCipher(new, previous=old)
    >>> rotated.decrypt(stored), rotated.decrypt(rotated.rotate(stored))
    ('xoxb-1', 'xoxb-1')

`cryptography`'s MultiFernet does the work: it encrypts with the first key and decrypts
with any, so an operator sets the new key, keeps the old one as the previous key until
`marvin workspaces rotate-key` has re-encrypted every stored token, then drops it.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from marvin.store.base import StoreError


class TokenUnreadable(StoreError):
    """A stored token was encrypted with a key Marvin no longer has (or was altered)."""


class TokenCipher:
    """Encrypts tokens with MARVIN_ENCRYPTION_KEY; decrypts with it or the previous key."""

    def __init__(self, key: str, previous: str | None = None) -> None:
        keys = [Fernet(key)] + ([Fernet(previous)] if previous else [])
        self._fernet = MultiFernet(keys)

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode()
        except (InvalidToken, UnicodeError):
            raise TokenUnreadable(
                "a stored Slack token cannot be decrypted with MARVIN_ENCRYPTION_KEY or "
                "MARVIN_ENCRYPTION_KEY_PREVIOUS: set the key it was stored with as "
                "MARVIN_ENCRYPTION_KEY_PREVIOUS, or install Marvin into that workspace again"
            ) from None

    def rotate(self, stored: str) -> str:
        """`stored` encrypted again with the current key (whichever key it was under)."""
        try:
            return self._fernet.rotate(stored.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            return self.encrypt(self.decrypt(stored))  # raises TokenUnreadable
