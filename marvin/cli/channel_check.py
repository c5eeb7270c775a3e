"""Channels named in settings or options, resolved with Slack before a command relies on them.

A channel that does not exist for Marvin is one line at the terminal now, rather than a
failed run later; the channel's id is kept in the store, as a run would keep it.
"""

from __future__ import annotations

from marvin.app import Marvin
from marvin.cli.output import err
from marvin.delivery.channels import ChannelProblem, resolve_channel
from marvin.slack.protocol import SlackError


def check_channels(marvin: Marvin, channels: list[tuple[str, str | None]]) -> None:
    """Resolve each (option or variable, channel) with Slack; a missing value is skipped.

    Raises:
        ValueError: one line naming the option or variable, when Slack has no such
            channel for Marvin (it does not exist, or is private without the bot).
    """
    wanted = [(label, value) for label, value in channels if value]
    token = marvin.settings.slack_bot_token
    if not wanted or token is None or not token.get_secret_value():
        return  # without Slack there is nothing to ask; the command says what it needs
    for label, value in wanted:
        assert value is not None
        try:
            resolve_channel(marvin.chat, marvin.store, value, fresh=True)
        except ChannelProblem as exc:
            raise ValueError(f"{label}: {exc}") from None
        except SlackError as exc:  # Slack cannot be asked now: the run will say more
            err.print(f"{label}: could not check {value} with Slack now ({exc.error}); "
                      "`marvin doctor` checks it", highlight=False, soft_wrap=True)
            return
