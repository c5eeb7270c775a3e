"""Marvin over HTTP: the ASGI app (Slack requests, /healthz), the runs dashboard, `serve`."""
