"""Marvin: a Slack standup bot on its own small, embedded workflow engine."""

__version__ = "0.1.0"
