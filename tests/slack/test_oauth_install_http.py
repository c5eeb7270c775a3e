# ruff: noqa: F811  (the fixture imported from the harness is a parameter here)
"""Installing Marvin into many workspaces with Slack's OAuth v2, end to end over real HTTP
on both stores: the "Add to Slack" page, Slack's redirect, tokens stored encrypted, a
request from each workspace answered with that workspace's token, uninstalls."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.workspace import Workspace
from marvin.slack.scopes import REQUIRED_SCOPES
from marvin.store.base import StoreError
from marvin.testing.event_payloads import app_home_opened
from tests.slack.oauth_harness import CLIENT_ID, COOKIE, OAuthMarvin, oauth_marvin  # noqa: F401


def test_the_install_page_links_to_slack_with_the_client_id_scopes_and_a_state(
    oauth_marvin: OAuthMarvin,
) -> None:
    page = oauth_marvin.install_page()
    assert page.status == 200
    assert page.link.startswith("https://slack.com/oauth/v2/authorize?")
    assert page.query["client_id"] == CLIENT_ID
    assert page.query["scope"].split(",") == list(REQUIRED_SCOPES)
    assert page.cookie.startswith(f"{COOKIE}={page.state};")
    assert "HttpOnly" in page.cookie
    assert page.state != oauth_marvin.install_page().state


def test_an_installation_is_stored_with_its_token_encrypted(oauth_marvin: OAuthMarvin) -> None:
    response = oauth_marvin.install("TALPHA", "Alpha Corp")
    assert response.status_code == 200, response.text
    assert "Marvin is installed" in response.text and "Alpha Corp" in response.text
    assert "/standup help" in response.text  # what to do next
    [access] = oauth_marvin.slack.calls_to("oauth.v2.access")
    assert access.outcome == "ok"
    [auth] = oauth_marvin.slack.calls_to("auth.test")  # Bolt asks who the new token is
    token = auth.token
    assert token is not None and token.startswith("xoxb-TALPHA-")
    assert oauth_marvin.installations.workspaces() == [Workspace("TALPHA")]
    assert oauth_marvin.installations.bot_token(Workspace("TALPHA")) == token
    [raw] = oauth_marvin.installations.rows.list_installations()
    assert raw.team_name == "Alpha Corp" and raw.bot_user_id == "UALPHABOT"
    assert raw.bot_id == "BALPHA" and raw.user_id == "UINSTALLER"
    assert raw.bot_scopes == ",".join(REQUIRED_SCOPES)
    assert raw.bot_token and token not in raw.bot_token and not raw.bot_token.startswith("xox")


def test_two_workspaces_each_answered_with_its_own_token(oauth_marvin: OAuthMarvin) -> None:
    assert oauth_marvin.install("TALPHA").status_code == 200
    assert oauth_marvin.install("TBRAVO").status_code == 200
    alpha, bravo = Workspace("TALPHA"), Workspace("TBRAVO")
    assert oauth_marvin.installations.workspaces() == [alpha, bravo]
    alpha_token = oauth_marvin.installations.bot_token(alpha)
    bravo_token = oauth_marvin.installations.bot_token(bravo)
    assert alpha_token and bravo_token and alpha_token != bravo_token

    oauth_marvin.slack.reset_calls()
    response = oauth_marvin.event(app_home_opened("U123"), team_id="TBRAVO")
    assert response.status_code == 200, response.text
    [publish] = oauth_marvin.slack.calls_to("views.publish")
    assert publish.token == bravo_token and publish.outcome == "ok"
    assert {c.token for c in oauth_marvin.slack.calls} == {bravo_token}


def test_app_uninstalled_deletes_that_workspace_only(oauth_marvin: OAuthMarvin) -> None:
    oauth_marvin.install("TALPHA")
    oauth_marvin.install("TBRAVO")
    bravo_token = oauth_marvin.installations.bot_token(Workspace("TBRAVO"))
    assert bravo_token is not None
    oauth_marvin.slack.oauth.uninstall("TBRAVO")  # Slack revokes, then tells the app

    response = oauth_marvin.event({"type": "app_uninstalled"}, team_id="TBRAVO")

    assert response.status_code == 200, response.text
    assert oauth_marvin.installations.workspaces() == [Workspace("TALPHA")]
    assert oauth_marvin.installations.bot_token(Workspace("TBRAVO")) is None
    assert oauth_marvin.installations.rows.list_installations("TBRAVO") == []
    oauth_marvin.slack.reset_calls()
    assert oauth_marvin.event(app_home_opened("U123"), team_id="TBRAVO").status_code != 500
    assert bravo_token not in {c.token for c in oauth_marvin.slack.calls}


def test_tokens_revoked_deletes_the_bot_token(oauth_marvin: OAuthMarvin) -> None:
    oauth_marvin.install("TALPHA")
    oauth_marvin.install("TBRAVO")
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBRAVOBOT"]}}

    assert oauth_marvin.event(revoked, team_id="TBRAVO").status_code == 200

    assert oauth_marvin.installations.workspaces() == [Workspace("TALPHA")]
    assert oauth_marvin.installations.bot_token(Workspace("TBRAVO")) is None


def test_a_replayed_forged_or_missing_state_is_refused_with_a_page(
    oauth_marvin: OAuthMarvin,
) -> None:
    page = oauth_marvin.install_page()
    code = oauth_marvin.slack.oauth.authorize("TALPHA")
    refusals = [
        ({"code": code, "state": "forged"}, "forged"),  # a state Marvin never issued
        ({"code": code, "state": page.state}, None),  # no cookie: another browser
        ({"code": code, "state": page.state}, "other"),  # the cookie does not match
        ({"code": code}, page.state),  # no state at all
    ]
    for query, cookie in refusals:
        response = oauth_marvin.redirect(query, cookie)
        assert response.status_code == 400, (query, cookie, response.text)
        assert response.headers["content-type"].startswith("text/html")
        assert "Marvin was not installed" in response.text

    assert oauth_marvin.redirect({"code": code, "state": page.state}, page.state).status_code \
        == 200
    replayed = oauth_marvin.redirect({"code": code, "state": page.state}, page.state)
    assert replayed.status_code == 400 and "already used" in replayed.text
    assert oauth_marvin.installations.workspaces() == [Workspace("TALPHA")]


def test_a_bad_expired_or_missing_code_is_refused_with_a_page(
    oauth_marvin: OAuthMarvin,
) -> None:
    def redirect_with(query: dict[str, str]) -> int:
        page = oauth_marvin.install_page()
        response = oauth_marvin.redirect({**query, "state": page.state}, page.state)
        assert "Marvin was not installed" in response.text
        return response.status_code

    expired = oauth_marvin.slack.oauth.authorize("TALPHA")
    oauth_marvin.slack.oauth.age_code(expired, 601)
    assert redirect_with({"code": "not-a-code"}) == 400
    assert redirect_with({"code": expired}) == 400
    assert redirect_with({}) == 400
    assert redirect_with({"error": "access_denied"}) == 200  # the person cancelled
    assert oauth_marvin.installations.workspaces() == []


def test_an_expired_state_is_refused(oauth_marvin: OAuthMarvin) -> None:
    oauth_marvin.installations.rows.issue_state("stale", dt.datetime.now(dt.UTC))
    code = oauth_marvin.slack.oauth.authorize("TALPHA")
    response = oauth_marvin.redirect({"code": code, "state": "stale"}, "stale")
    assert response.status_code == 400 and "expired" in response.text


def test_a_store_that_fails_during_the_redirect_gets_a_try_again_page(
    oauth_marvin: OAuthMarvin, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreachable(*args: object) -> None:
        raise StoreError("store unreachable")

    page = oauth_marvin.install_page()
    code = oauth_marvin.slack.oauth.authorize("TALPHA")
    monkeypatch.setattr(oauth_marvin.installations.rows, "save_installation", unreachable)
    response = oauth_marvin.redirect({"code": code, "state": page.state}, page.state)
    assert response.status_code == 503 and "could not store" in response.text
    monkeypatch.setattr(oauth_marvin.installations.rows, "consume_state", unreachable)
    page = oauth_marvin.install_page()
    unknown = oauth_marvin.redirect({"code": code, "state": page.state}, page.state)
    assert unknown.status_code == 503 and "try again" in unknown.text  # not "expired"
