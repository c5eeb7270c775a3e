"""Keep secrets out of run history: tokens and configured secrets become [redacted].

Run history is shown on a dashboard and in the CLI, so anything stored passes through
here: task messages, result summaries, logs, parameters and event targets. Marvin's own
code never puts a secret there; this is the second line of defence against a task that
logs one by mistake.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Slack tokens (bot, user, app-level, config, refresh) and Google API keys.
TOKEN_PATTERN = re.compile(
    r"\b(?:xox[abposr]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]{8,}|AIza[0-9A-Za-z_-]{30,}"
)
REDACTED = "[redacted]"
SUMMARY_LIMIT = 300


class Redactor:
    """Replaces known secret values and anything shaped like a token."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        self._seen: dict[str, str] = {}  # messages repeat ("Task run succeeded") 10,000s of times

    def __call__(self, text: str) -> str:
        cached = self._seen.get(text)
        if cached is not None:
            return cached
        clean = text
        for secret in self._secrets:
            if secret in clean:
                clean = clean.replace(secret, REDACTED)
        clean = TOKEN_PATTERN.sub(REDACTED, clean)
        if len(text) <= 200 and len(self._seen) < 10_000:
            self._seen[text] = clean
        return clean

    def summary(self, value: object, limit: int = SUMMARY_LIMIT) -> str:
        """A short, redacted description of a task's result."""
        if value is None:
            return ""
        kind = type(value)
        if kind is int or kind is float or kind is bool:  # nothing to redact: skip the regex
            return repr(value)
        text = value if isinstance(value, str) else repr(value)
        text = self(text)
        return text if len(text) <= limit else text[: limit - 1] + "…"
