"""`/standup nudges off|on`: whether a person gets the short nudge DM before standup.

Kept per person (the store's member preferences), whichever team they are in, so leaving
and joining again keeps the choice. `/standup nudges` alone says what it is now.
"""

from __future__ import annotations

from marvin.store.base import Store

CHOICES = {"on": True, "off": False}
USAGE = "Use `/standup nudges off` to stop nudges before standup, `/standup nudges on` for them."


def nudge_choice(store: Store, user_id: str, argument: str) -> tuple[str, bool]:
    """The answer to `/standup nudges [argument]`, and whether it was understood."""
    word = argument.strip().lower()
    if not word:
        prefs = store.get_member_prefs(user_id)
        on = prefs is None or prefs.nudges
        return f"Nudges before standup are *{'on' if on else 'off'}* for you. {USAGE}", True
    if word not in CHOICES:
        return f"`/standup nudges` takes `on` or `off`; nothing was changed. {USAGE}", False
    store.set_nudges(user_id, CHOICES[word])
    if CHOICES[word]:
        return ("Nudges are on: if your update is still missing shortly before standup, "
                "Marvin sends a short reminder."), True
    return ("Nudges are off: no more short reminders just before standup (the main "
            "reminder still comes). `/standup nudges on` to have them again."), True
