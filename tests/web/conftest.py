"""Fixtures of the web tests: a served POST /jobs route (`tests/web/jobs_harness.py`)."""

from __future__ import annotations

from tests.web.jobs_harness import jobs_servers, jobs_service

__all__ = ["jobs_servers", "jobs_service"]
