"""What people do with Marvin in Slack, as plain functions: no Slack SDK, only the store."""
