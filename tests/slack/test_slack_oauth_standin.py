"""The stand-in's OAuth half through slack-sdk, as Slack documents it: ``oauth.v2.access``
with the client's credentials (basic auth or form), a code good once and for 10 minutes,
a bot token per workspace, ``auth.test`` per token, revoked tokens refused, and each
workspace's own people."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_oauth import CODE_LIFETIME

CLIENT_ID, CLIENT_SECRET = "1111.2222", "client-secret-shh"


@pytest.fixture
def slack(standin: SlackStandIn) -> SlackStandIn:
    standin.oauth.configure(CLIENT_ID, CLIENT_SECRET)
    return standin


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as raised:
        assert callable(call)
        call()
    return str(raised.value.response["error"])


def test_a_code_is_exchanged_once_for_the_workspaces_tokens(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.url)  # slack-sdk sends the credentials as basic auth
    code = slack.oauth.authorize("TALPHA", team_name="Alpha", installer="UADMIN",
                                 user_scopes=("search:read",))
    answer = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)
    assert answer["team"] == {"id": "TALPHA", "name": "Alpha"}
    assert answer["enterprise"] is None and answer["is_enterprise_install"] is False
    assert answer["token_type"] == "bot" and answer["bot_user_id"] == "UALPHABOT"
    assert str(answer["access_token"]).startswith("xoxb-TALPHA-")
    assert answer["authed_user"]["id"] == "UADMIN"
    assert str(answer["authed_user"]["access_token"]).startswith("xoxp-")
    assert "chat:write" in str(answer["scope"]).split(",")
    assert error_of(lambda: client.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)) == "invalid_code"


def test_the_credentials_may_come_as_form_fields_and_must_be_right(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.url)
    code = slack.oauth.authorize("TALPHA")
    assert error_of(lambda: client.api_call("oauth.v2.access", data={
        "client_id": "9999.9999", "client_secret": CLIENT_SECRET, "code": code})) \
        == "invalid_client_id"
    assert error_of(lambda: client.oauth_v2_access(
        client_id=CLIENT_ID, client_secret="wrong", code=code)) == "bad_client_secret"
    answer = client.api_call("oauth.v2.access", data={
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": code})
    assert answer["ok"] is True


def test_a_code_older_than_ten_minutes_is_refused(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.url)
    code = slack.oauth.authorize("TALPHA")
    slack.oauth.age_code(code, CODE_LIFETIME + 1)
    assert error_of(lambda: client.oauth_v2_access(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)) == "invalid_code"


def test_each_workspace_gets_its_own_token_and_auth_test_answers_per_token(
    slack: SlackStandIn,
) -> None:
    client = WebClient(base_url=slack.url)
    tokens = {}
    for team in ("TALPHA", "TBRAVO"):
        code = slack.oauth.authorize(team)
        tokens[team] = str(client.oauth_v2_access(
            client_id=CLIENT_ID, client_secret=CLIENT_SECRET, code=code)["access_token"])
    assert tokens["TALPHA"] != tokens["TBRAVO"]
    for team, token in tokens.items():
        who = WebClient(token=token, base_url=slack.url).auth_test()
        assert who["team_id"] == team and who["user_id"] == f"U{team[1:]}BOT"

    slack.oauth.uninstall("TBRAVO")
    bravo = WebClient(token=tokens["TBRAVO"], base_url=slack.url)
    assert error_of(bravo.auth_test) == "token_revoked"
    assert WebClient(token=tokens["TALPHA"], base_url=slack.url).auth_test()["ok"]


def test_the_same_user_id_in_two_workspaces_is_two_people(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.url)
    clients = {}
    for team in ("TALPHA", "TBRAVO"):
        token = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                       code=slack.oauth.authorize(team))["access_token"]
        clients[team] = WebClient(token=str(token), base_url=slack.url)
    slack.world_of("TALPHA").set_user("U1", tz="Asia/Tokyo")
    slack.world_of("TBRAVO").set_user("U1", tz="America/Lima")
    assert clients["TALPHA"].users_info(user="U1")["user"]["tz"] == "Asia/Tokyo"
    assert clients["TBRAVO"].users_info(user="U1")["user"]["tz"] == "America/Lima"
    slack.world_of("TBRAVO").delete_user("U1")
    assert clients["TALPHA"].users_info(user="U1")["user"]["deleted"] is False
    assert clients["TBRAVO"].users_info(user="U1")["user"]["deleted"] is True


def test_a_workspace_installed_with_a_given_token_has_its_own_world_and_triggers(
    slack: SlackStandIn,
) -> None:
    slack.oauth.install("TALPHA", "xoxb-alpha-given")
    client = WebClient(base_url=slack.url, token="xoxb-alpha-given")

    assert client.auth_test()["team_id"] == "TALPHA"
    opened = client.views_open(trigger_id=slack.issue_trigger("TALPHA"), view={
        "type": "modal", "title": {"type": "plain_text", "text": "Standup"},
        "blocks": []})
    assert opened["ok"]
    stray = slack.issue_trigger()  # the default world's trigger is not TALPHA's
    assert error_of(lambda: client.views_open(trigger_id=stray, view={
        "type": "modal", "title": {"type": "plain_text", "text": "Standup"},
        "blocks": []})) == "invalid_trigger_id"


def test_a_reinstall_with_a_new_bot_token_revokes_the_one_before(slack: SlackStandIn) -> None:
    client = WebClient(base_url=slack.url)

    def installed(team: str) -> str:
        return str(client.oauth_v2_access(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                          code=slack.oauth.authorize(team))["access_token"])

    first, other = installed("TALPHA"), installed("TBRAVO")
    second = installed("TALPHA")
    assert second != first
    assert error_of(lambda: WebClient(base_url=slack.url, token=first).auth_test()) \
        == "token_revoked"
    assert WebClient(base_url=slack.url, token=second).auth_test()["team_id"] == "TALPHA"
    assert WebClient(base_url=slack.url, token=other).auth_test()["team_id"] == "TBRAVO"
    slack.oauth.install("TBRAVO", "xoxb-bravo-given")  # the test helper: the same rule
    assert error_of(lambda: WebClient(base_url=slack.url, token=other).auth_test()) \
        == "token_revoked"
