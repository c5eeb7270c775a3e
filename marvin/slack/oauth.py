"""Installing Marvin into workspaces: Bolt's OAuth flow on Marvin's installations, the
pages a person sees, and the two GET routes it answers.

GET /slack/install shows the "Add to Slack" link (client id, scopes and a fresh state,
also set as a cookie); Slack sends the person back to GET /slack/oauth_redirect with a
code, which Bolt exchanges with ``oauth.v2.access`` and stores through
`MarvinInstallationStore`. Anything an anonymous caller can send there (no state, a
replayed or forged one, a bad code) gets a page that says so and a 400, never a 500.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from marvin.domain.workspace import Workspace
from marvin.settings import Settings
from marvin.slack.installation_store import (
    MarvinInstallationStore,
    MarvinOAuthStateStore,
    Now,
    record_of,
)
from marvin.slack.scopes import REQUIRED_SCOPES
from marvin.store.installations import STATE_LIFETIME, Installations

log = logging.getLogger("marvin.slack.oauth")

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

_HTML = {"Content-Type": "text/html; charset=utf-8"}

_FAILURES = {
    "invalid_browser": ("This install link was opened in another browser, or its cookie "
                        "is gone.", 400),
    "invalid_state": ("This install link has expired or was already used.", 400),
    "missing_code": ("Slack's answer carried no authorization code.", 400),
    "invalid_code": ("Slack refused the authorization code (expired, or already used).", 400),
    "storage_error": ("Marvin could not store the installation right now.", 503),
}


def oauth_settings(settings: Settings, installations: Installations,
                   now: Now | None = None, *,
                   on_installed: Callable[[Workspace], None] | None = None) -> OAuthSettings:
    """Bolt's OAuth settings from Marvin's: SLACK_SCOPES (default: the app's
    `REQUIRED_SCOPES`, the manifest's bot scopes), the two paths, Marvin's stores.
    `on_installed`: told of each workspace installed (or reinstalled, perhaps with a
    new bot token), once its installation is stored, before the person sees the page."""
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    state_store = (MarvinOAuthStateStore(installations) if now is None
                   else MarvinOAuthStateStore(installations, now))
    bolt_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(settings.scopes or REQUIRED_SCOPES),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=MarvinInstallationStore(installations),
        installation_store_bot_only=True,  # Marvin acts as its bot, never as a person
        state_store=state_store,
        state_expiration_seconds=int(STATE_LIFETIME.total_seconds()),
        callback_options=CallbackOptions(success=_on_success(on_installed), failure=_failed),
    )
    if isinstance(bolt_settings.authorize, InstallationStoreAuthorize):
        # Bolt reads each request's token from the installation, then asks Slack whose it
        # is (auth.test) for every request: each call on the workspace's paced budget, so a
        # busy minute (everyone's /standup) would be held up by it. The answer is cached
        # per token: a reinstall's new token is asked about once, the old one never again.
        bolt_settings.authorize.cache_enabled = True
    return bolt_settings


def handle_oauth(
    app: App, path: str, query: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], str]:
    """Answer GET `path` (the install page or Slack's redirect) as (status, headers, body).
    Synchronous (store writes, ``oauth.v2.access``): callers on an event loop use a thread."""
    flow = app.oauth_flow
    if flow is None:
        return 404, _HTML, _page("Not installable", "Marvin is not set up for OAuth installs.")
    try:
        request = BoltRequest(body="", query=query, headers=dict(headers))
        response = (flow.handle_installation(request) if path == INSTALL_PATH
                    else flow.handle_callback(request))
    except Exception:  # Slack or the store unreachable: a page, not a traceback
        log.exception("OAuth %s failed", path)
        return 503, _HTML, _page("Try again", "Marvin could not finish this step just now; "
                                 "please try again in a minute.")
    out = {k: ", ".join(v) if isinstance(v, list) else str(v)
           for k, v in response.headers.items() if k.lower() != "set-cookie"}
    cookies = response.headers.get("set-cookie") or response.headers.get("Set-Cookie") or []
    if cookies:
        out["set-cookie"] = cookies[0] if isinstance(cookies, list) else str(cookies)
    return response.status, out, response.body


def _on_success(
    on_installed: Callable[[Workspace], None] | None,
) -> Callable[[SuccessArgs], BoltResponse]:
    def success(args: SuccessArgs) -> BoltResponse:
        if on_installed is not None:
            try:
                on_installed(record_of(args.installation).workspace)
            except Exception:  # stored all the same: the installation sync catches up
                log.exception("workspace %s installed, but its runtime could not take the "
                              "new token yet (the next sync will)",
                              args.installation.team_id or args.installation.enterprise_id)
        return _installed(args)

    return success


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    where = installation.team_name or installation.enterprise_name or "your workspace"
    log.info("installed in workspace %s", installation.team_id or installation.enterprise_id)
    body = _page(
        "Marvin is installed",
        f"Marvin is now in {html.escape(where)}. Next: in Slack, invite it to your standup "
        "channel (<code>/invite @Marvin</code>), then type <code>/standup help</code>. "
        "Admins set the team's schedule from Marvin's Home tab.")
    return BoltResponse(status=200, body=body, headers=_clearing_cookie(args.settings))


def _failed(args: FailureArgs) -> BoltResponse:
    reason, status = _FAILURES.get(args.reason, ("", 400))
    if not reason:  # Slack's own error, e.g. access_denied when the person cancelled
        cancelled = args.reason == "access_denied"
        reason = ("The installation was cancelled." if cancelled
                  else f"Slack answered: {html.escape(args.reason)}.")
        status = 200 if cancelled else 400
    log.warning("OAuth install refused: %s", args.reason)
    body = _page("Marvin was not installed",
                 f"{reason} <a href=\"{INSTALL_PATH}\">Start again</a>.")
    return BoltResponse(status=status, body=body, headers=_clearing_cookie(args.settings))


def _clearing_cookie(settings: OAuthSettings) -> dict[str, Any]:
    return {**_HTML, "Set-Cookie": [settings.state_utils.build_set_cookie_for_deletion()]}


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p>{body}</p></body></html>")

