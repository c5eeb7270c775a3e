"""Marvin's Slack side: the only home of slack_sdk and slack_bolt imports."""
