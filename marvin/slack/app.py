"""Build Marvin's Bolt app: request verification, the Web API client, the listeners.

Bolt makes a slack-sdk client per request (its ``context.client``, the listeners'
``client``; in OAuth mode with the token of the request's installation). It would copy
the one given here, options only, and so skip Marvin's rate limiter: a middleware run
before Bolt's authorization replaces it with one made by `build_web_client`, so every
Web API call Bolt makes goes to SLACK_API_URL, is paced on the same buckets as the
flows' calls with the same token (`marvin.slack.rate_limits`), and retries as they do
(connection errors, 429 + Retry-After, 5xx).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast

from slack_bolt import App as App  # re-exported: the type `build_app` returns
from slack_bolt import BoltContext
from slack_bolt.error import BoltError
from slack_sdk.signature import SignatureVerifier

from marvin.domain.workspace import Workspace
from marvin.interactions.standup_command import (
    NOT_CHANGED,
    NOT_SAVED,
    STORE_BUDGET,
    command_field,
    parse_command,
)
from marvin.interactions.update_form import unsaved_form
from marvin.settings import Settings, SettingsError
from marvin.slack.client import INTERACTIVE_PACING_WAIT, SlackWebChat, build_web_client
from marvin.slack.digest_sync_runner import DigestSyncRunner
from marvin.slack.home import register_home
from marvin.slack.inbound import check_form, check_signature_header
from marvin.slack.interaction_calls import InteractionCalls
from marvin.slack.interactivity import register_fallbacks
from marvin.slack.listeners import register
from marvin.slack.oauth import oauth_settings
from marvin.slack.replays import ALREADY_RECEIVED, ReplayGuard
from marvin.slack.routing import PerToken, Routed, RoutedStore, StoreResolver, register_routing
from marvin.slack.user_events import register_user_events
from marvin.store.base import Store, StoreError, deadline
from marvin.store.installations import Installations

log = logging.getLogger("marvin.slack")


def build_app(
    settings: Settings,
    stores: Store | StoreResolver,
    now: Callable[[], Any],
    *,
    token_verification: bool = True,
    tokens: Callable[[Workspace | None], str] | None = None,
    installations: Installations | None = None,
    on_installed: Callable[[Workspace], None] | None = None,
) -> App:
    """A Bolt App with Marvin's listeners; SettingsError when Slack settings are missing.

    Args:
        stores: the store of each workspace (a request uses its own workspace's,
            `marvin.slack.routing`), or the one store of single-token mode.
        tokens: each workspace's bot token: the listeners' Slack calls for a request use
            its workspace's. None: SLACK_BOT_TOKEN for every request, or in OAuth mode
            the installations' token of the request's workspace.
        token_verification: call `auth.test` at start-up, so a bad token fails at once
            rather than on the first slash command.
        installations: in OAuth mode (SLACK_CLIENT_ID set), the installed workspaces:
            Bolt installs into them and finds each request's bot token there.
        on_installed: told of each workspace installed (or reinstalled) through the
            OAuth redirect, once its installation is stored.
    """
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that our
    # client (which carries that same token) wins: true, expected, and noise in the log.
    logging.getLogger("slack_bolt.App").addFilter(_NotTheClientTokenWarning())
    token: str | None
    if settings.oauth_mode:
        if installations is None:
            raise SettingsError("OAuth mode (SLACK_CLIENT_ID) needs the installations store")
        token, signing_secret = None, settings.require_signing_secret()
        app = build_oauth_app(settings, installations, signing_secret, on_installed)
        tokens = tokens or _installed_tokens(installations)
    else:
        token, signing_secret = settings.require_slack()
        app = _single_token_app(settings, token, signing_secret, token_verification)
    resolve: StoreResolver = stores if callable(stores) else (lambda _workspace: stores)
    store = cast(Store, RoutedStore(resolve))
    register_routing(app)  # first: every listener below reads the request's workspace
    url = settings.slack_api_url
    calls = InteractionCalls(token, url)
    chat = SlackWebChat(token or "", url)
    if tokens is not None:
        calls = cast(InteractionCalls, Routed(PerToken(tokens, lambda t: InteractionCalls(t, url))))
        chat = cast(SlackWebChat, Routed(PerToken(tokens, lambda t: SlackWebChat(t, url))))
    digest_sync = DigestSyncRunner(store, settings, chat, now)
    app.marvin_digest_sync = digest_sync  # type: ignore[attr-defined]
    register(app, store, settings, now, calls, digest_sync)
    register_home(app, store, settings, now, calls)
    register_user_events(app, store, now)
    register_fallbacks(app, calls)  # last: Bolt runs the first listener that matches
    if signing_secret is not None:  # HTTP requests can be told from forgeries
        verifier = SignatureVerifier(signing_secret)
        app.marvin_verifier = verifier  # type: ignore[attr-defined]
        # replays are refused before Bolt reads the body, so before any workspace is known:
        # their records live in the unscoped namespace
        app.marvin_replays = ReplayGuard(resolve(None), verifier.clock.now)  # type: ignore[attr-defined]
    return app


def _installed_tokens(installations: Installations) -> Callable[[Workspace | None], str]:
    """Each workspace's bot token as installed ("" for none: Slack refuses the call and
    the listener says so)."""
    return lambda workspace: (installations.bot_token(workspace) or "") if workspace else ""


def _single_token_app(
    settings: Settings, token: str, signing_secret: str | None, token_verification: bool
) -> App:
    """The Bolt App of one workspace, its token checked with ``auth.test`` first."""
    # Bolt's own calls answer Slack's requests: they never wait long for a rate-limit slot
    client = build_web_client(
        token, settings.slack_api_url, pacing_wait=INTERACTIVE_PACING_WAIT)
    try:
        return App(
            client=client,
            # "" rather than None, or Bolt would read SLACK_SIGNING_SECRET itself; with
            # no secret (Socket Mode) `dispatch` refuses every HTTP request before Bolt
            signing_secret=signing_secret or "",
            before_authorize=paced_request_client(settings.slack_api_url),
            token_verification_enabled=token_verification,
            process_before_response=True,  # ack carries the answer; nothing runs after it
        )
    except BoltError as exc:  # auth.test refused the token (revoked, invalid, ...)
        raise SettingsError(
            f"Slack refused SLACK_BOT_TOKEN ({_reason(exc)}): check the token "
            "(README, 'Slack app setup')"
        ) from None
    except OSError as exc:  # auth.test never got an answer (URLError is an OSError)
        reason = getattr(exc, "reason", exc)
        raise SettingsError(
            f"cannot reach Slack at {settings.slack_api_url} (SLACK_API_URL): {reason}"
        ) from None


def build_oauth_app(
    settings: Settings, installations: Installations, signing_secret: str | None,
    on_installed: Callable[[Workspace], None] | None = None,
) -> App:
    """The Bolt App of many workspaces: Bolt's OAuth flow installs into them, its
    authorization finds each request's workspace token (in the installations, for each
    request), and its built-in listeners delete a workspace's tokens on
    ``app_uninstalled`` and ``tokens_revoked``."""
    app = App(
        client=build_web_client(None, settings.slack_api_url),  # a token per request
        signing_secret=signing_secret or "",
        before_authorize=paced_request_client(settings.slack_api_url),
        oauth_settings=oauth_settings(settings, installations, on_installed=on_installed),
        process_before_response=True,
    )
    app.enable_token_revocation_listeners()
    return app


def paced_request_client(base_url: str) -> Callable[..., None]:
    """Bolt's ``before_authorize`` middleware: the request's client made by Marvin's own
    factory (paced, Marvin's retries) instead of Bolt's plain copy. Bolt's authorization,
    which runs next, sets the request's token on it and makes its ``auth.test`` with it."""

    def use_paced_client(context: BoltContext, next: Callable[[], None]) -> None:
        # interactive: Slack waits for the answer, so no call waits long for its slot
        context["client"] = build_web_client(
            context.token, base_url, pacing_wait=INTERACTIVE_PACING_WAIT,
            team_id=context.team_id)
        next()

    return use_paced_client


MAX_TIMESTAMP_DIGITS = 12  # epoch seconds have 10 digits until the year 2286


def dispatch(
    app: App, body: bytes, headers: dict[str, str], query: str = ""
) -> tuple[int, dict[str, str], str]:
    """Hand one raw HTTP request to Bolt and return (status, headers, body).

    Everything is checked here first, on the raw bytes, before Bolt parses anything: the
    signature (Bolt builds its request, json.loads and all, before its own verification,
    so a malformed body would otherwise crash into a 500 even unsigned), then the shape
    Slack sends (`marvin.slack.inbound`), then that the request is new (`ReplayGuard`).
    The replay guard and the listener share `STORE_BUDGET`, Slack's 3 s in mind.
    Synchronous: callers on an event loop run it in a thread.
    """
    from slack_bolt.request import BoltRequest

    plain = {"content-type": "text/plain"}
    verifier: SignatureVerifier | None = getattr(app, "marvin_verifier", None)
    if verifier is None:
        return 404, plain, "no SLACK_SIGNING_SECRET: Slack's requests come over Socket Mode"
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        return 401, plain, "invalid request timestamp"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, plain, "request body is not UTF-8"
    signature = headers.get("x-slack-signature", "")
    if not check_signature_header(signature) or not verifier.is_valid(text, timestamp, signature):
        return 401, plain, "invalid request signature"
    refusal = check_form(headers.get("content-type", ""), text)
    if refusal is not None:
        return refusal.status, plain, refusal.reason
    try:
        request = BoltRequest(body=text, query=query, headers=dict(headers.items()))
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError):  # bad JSON
        return 400, plain, "malformed request body"
    is_command = "command" in request.body
    action = parse_command(command_field(request.body.get("text"))).action if is_command else ""
    replays: ReplayGuard = app.marvin_replays  # type: ignore[attr-defined]
    with deadline(STORE_BUDGET):
        try:
            # help changes nothing and needs no store: unguarded, it works in an outage
            first = action == "help" or replays.first_time(signature, timestamp)
        except StoreError as exc:
            log.warning("replay guard: store unreachable, request not acted on: %s", exc)
            if is_command:  # the same answer the command gives when the store is down
                return 200, _JSON, _ephemeral(NOT_SAVED if action == "update" else NOT_CHANGED)
            if request.body.get("type") == "view_submission":  # keep the modal and its text
                return 200, _JSON, json.dumps(unsaved_form(request.body.get("view")))
            return 503, plain, "store unreachable; try again"
        if not first:
            log.warning("replayed request refused (timestamp %s)", timestamp)
            return (200, _JSON, _ephemeral(ALREADY_RECEIVED)) if is_command else (200, plain, "")
        response = app.dispatch(request)
    out = {k: v[0] if isinstance(v, list) and v else str(v) for k, v in response.headers.items()}
    return response.status, out, response.body


_JSON = {"content-type": "application/json;charset=utf-8"}


def _ephemeral(text: str) -> str:
    return json.dumps({"response_type": "ephemeral", "text": text})


class _NotTheClientTokenWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _reason(exc: BaseException) -> str:
    """Slack's error code from Bolt's message, without anything else it may carry."""
    import re

    found = re.search(r"'error': '([a-z_]+)'", str(exc)) or re.search(
        r"\b([a-z]+_[a-z_]+)\b", str(exc)
    )
    return found.group(1) if found else "auth.test failed"
