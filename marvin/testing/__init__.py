"""Test doubles shipped with Marvin, so its tests, its benchmarks and yours share them.

Like httpx's test transport, these are part of the package rather than of ``tests/``:

- `marvin.testing.slack_api.SlackStandIn`: a local HTTP stand-in for the Slack Web API
  that records calls and injects latency, rate limits, server errors and Slack errors.
- `marvin.testing.slack_world.SlackWorld`: the workspace behind it (channels, membership,
  users, granted scopes, history pages), keeping Slack's own rules.
- `marvin.testing.signing`: builds incoming Slack requests (slash commands) and signs
  them exactly as Slack does, for the ``/slack/events`` endpoint.
- `marvin.testing.socket_server.FakeSocketServer`: Slack's Socket Mode endpoint (hello,
  envelopes, acks, refreshes, closed and silently dropped connections), reached through
  the stand-in's ``apps.connections.open``; `marvin.testing.socket_envelopes` builds the
  envelopes as Slack sends them.

Nothing here is imported by Marvin's runtime code.
"""
