"""App Home over Slack: publish the Home tab, and answer its buttons and modals (schedule,
questions, time off).

The views are built SDK-free (`marvin.interactions.app_home`, `.schedule_modal`); here
are only the Slack calls around them. Every handler acks first: a button's trigger_id
lives 3 s, and Slack shows an error to the person if the ack is late.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.domain.models import Team
from marvin.domain.names import check_team_name
from marvin.domain.standup import is_user_id
from marvin.interactions.app_home import (
    HOME_AWAY,
    HOME_BACK,
    HOME_EDIT_QUESTIONS,
    HOME_EDIT_SCHEDULE,
    HOME_EDIT_UPDATE,
    HOME_JOIN,
    HOME_LEAVE,
    Notice,
    Viewer,
    home_view,
)
from marvin.interactions.away_modal import AWAY_VIEW, START, away_modal, read_away
from marvin.interactions.questions_modal import (
    QUESTIONS_VIEW,
    QuestionsSubmission,
    label_block,
    questions_modal,
    read_questions,
    submitted_questions_team,
)
from marvin.interactions.schedule_modal import (
    SCHEDULE_VIEW,
    ScheduleSubmission,
    read_schedule,
    schedule_modal,
    submitted_team,
)
from marvin.interactions.standup_command import handle_standup
from marvin.interactions.time_off import member_today, save_time_off
from marvin.interactions.update_form import open_form
from marvin.settings import Settings
from marvin.slack.interaction_calls import InteractionCalls
from marvin.slack.protocol import SlackError
from marvin.store.base import Store, StoreError, deadline
from marvin.store.teams import UnknownTeamError, resolve_team

log = logging.getLogger("marvin.slack")

HOME_BUDGET = 2.0  # seconds for the store while building a Home tab: Slack waits 3 s
NOT_ADMIN = "Only workspace admins (or MARVIN_ADMINS) can change a team's schedule."
_JOIN = re.compile(rf"^{re.escape(HOME_JOIN)}(\.\d+)?$")


class HomeTab:
    """Publishes one person's Home tab; shared by the event and the button handlers."""

    def __init__(self, store: Store, settings: Settings, now: Callable[[], Any]) -> None:
        self.store, self.settings, self.now = store, settings, now

    def viewer(self, client: WebClient, user_id: str) -> Viewer:
        """Who `user_id` is for the Home tab: their time zone and whether they are an admin.

        When Slack does not answer, the zone is unknown (team time is shown) and admin
        rights come from MARVIN_ADMINS alone: an unproven admin is not an admin."""
        listed = user_id in self.settings.admin_ids
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except (SlackApiError, SlackError, OSError) as exc:  # SlackError: paced
            log.warning("users.info for %s failed; Home tab without it: %s", user_id, exc)
            return Viewer(user_id, None, listed)
        zone = user.get("tz") if isinstance(user.get("tz"), str) else None
        flags = ("is_admin", "is_owner", "is_primary_owner")
        return Viewer(user_id, zone, listed or any(user.get(flag) is True for flag in flags))

    def publish(self, client: WebClient, viewer: Viewer, notice: Notice | None = None) -> None:
        """Build and publish `viewer`'s tab; a failure is logged, never raised into Bolt."""
        try:
            with deadline(HOME_BUDGET):
                view = home_view(self.store, self.settings, viewer, self.now(), notice)
            client.views_publish(user_id=viewer.user_id, view=view)
        except (StoreError, SlackApiError, SlackError, OSError) as exc:
            log.warning("Home tab for %s not published: %s", viewer.user_id, exc)


def register_home(
    app: App, store: Store, settings: Settings, now: Callable[[], Any], calls: InteractionCalls
) -> None:
    """Attach the App Home listeners to a Bolt app."""
    home = HomeTab(store, settings, now)

    @app.event("app_home_opened")
    def opened(event: dict[str, Any], client: WebClient) -> None:
        user = event.get("user")
        if event.get("tab", "home") == "home" and isinstance(user, str) and is_user_id(user):
            home.publish(client, home.viewer(client, user))

    @app.action(_JOIN)
    def join(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        team = _chosen(action)
        if team is None:
            home.publish(client, home.viewer(client, _user_id(body)),
                         Notice("That is not a team Marvin knows; pick one below."))
            return
        _standup_then_publish(home, client, body, f"join {team}")

    @app.action(HOME_LEAVE)
    def leave(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _standup_then_publish(home, client, body, "leave")

    @app.action(HOME_EDIT_UPDATE)
    def edit_update(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        _open_update_form(home, calls, client, body, action)

    @app.action(HOME_BACK)
    def back(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _standup_then_publish(home, client, body, "back")

    @app.action(HOME_AWAY)
    def plan_away(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _open_away(home, client, body)

    @app.view(AWAY_VIEW)
    def save_away(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
                  ) -> None:
        _save_away(home, ack, client, _user_id(body), view)

    @app.action(HOME_EDIT_SCHEDULE)
    def edit_schedule(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        _open_admin_modal(home, client, body, str(action.get("value") or ""), SCHEDULE)

    @app.action(HOME_EDIT_QUESTIONS)
    def edit_questions(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        _open_admin_modal(home, client, body, str(action.get("value") or ""), QUESTIONS)

    @app.view(SCHEDULE_VIEW)
    def save_schedule(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        _save_admin_modal(home, ack, client, _user_id(body), view, SCHEDULE)

    @app.view(QUESTIONS_VIEW)
    def save_questions(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        _save_admin_modal(home, ack, client, _user_id(body), view, QUESTIONS)


def _standup_then_publish(home: HomeTab, client: WebClient, body: dict[str, Any],
                          text: str) -> None:
    """Join or leave as `/standup join|leave` would, then show the answer on the tab."""
    user_id = _user_id(body)
    if not user_id:
        log.warning("Home button without a user id; ignored")
        return
    user: dict[str, Any] = body["user"]  # `_user_id` found an id in it
    name = user.get("username") or user.get("name") or ""
    reply = handle_standup(home.store, home.settings, user_id=user_id, user_name=str(name),
                           text=text, now=home.now())
    home.publish(client, home.viewer(client, user_id), Notice(reply.text))


def _open_update_form(home: HomeTab, calls: InteractionCalls, client: WebClient,
                      body: dict[str, Any], action: dict[str, Any]) -> None:
    """The update modal, as the reminder's button opens it; why not on the tab otherwise."""
    user_id = _user_id(body)
    if not user_id:
        return
    date = action.get("value") if isinstance(action.get("value"), str) else None
    opening = open_form(home.store, home.settings, user_id, home.now(), button_date=date)
    if opening.view is not None:
        error = calls.open_view(body.get("trigger_id"), opening.view)
        if not error:
            return
        text = f"Could not open the form (Slack said `{error}`); please try again."
    else:
        text = opening.text
    home.publish(client, home.viewer(client, user_id), Notice(text))


def _open_away(home: HomeTab, client: WebClient, body: dict[str, Any]) -> None:
    user_id = _user_id(body)
    if not user_id:
        return
    try:
        client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=away_modal())
    except (SlackApiError, SlackError, OSError) as exc:
        log.warning("time-off modal for %s not opened: %s", user_id, exc)
        home.publish(client, home.viewer(client, user_id),
                     Notice("Could not open the form; please try again."))


def _save_away(home: HomeTab, ack: Ack, client: WebClient, user_id: str,
               view: dict[str, Any]) -> None:
    """Check and save the time off as `/standup away` would; errors go under the fields."""
    try:
        with deadline(HOME_BUDGET):
            member = home.store.get_member(user_id) if user_id else None
            if member is None:
                ack(response_action="errors",
                    errors={START: "Join a standup team first (`/standup join`)."})
                return
            team = resolve_team(home.store, home.settings, member.team)
            submission = read_away(view, member_today(home.store, team, member, home.now()))
            if submission.request is None:
                ack(response_action="errors", errors=submission.errors)
                return
            answer = save_time_off(home.store, member, submission.request)
    except UnknownTeamError:
        ack(response_action="errors", errors={START: "Your team no longer exists."})
        return
    except StoreError as exc:
        log.warning("time off of %s not saved: %s", user_id, exc)
        ack(response_action="errors", errors={START: "Not saved: the store did not answer. "
                                                     "Please try again."})
        return
    ack()
    home.publish(client, home.viewer(client, user_id), Notice(answer.text))


class AdminModal(NamedTuple):
    """One of the admins' team modals: how to build it, read it back, and name it."""

    build: Callable[[Team], dict[str, Any]]
    read: Callable[[Team, dict[str, Any]], ScheduleSubmission | QuestionsSubmission]
    team_of: Callable[[dict[str, Any]], str | None]
    first_block: str  # where an error about the whole form is shown
    what: str  # "schedule", "questions"


SCHEDULE = AdminModal(schedule_modal, read_schedule, submitted_team, "zone", "schedule")
QUESTIONS = AdminModal(questions_modal, read_questions, submitted_questions_team,
                       label_block(1), "questions")


def _open_admin_modal(home: HomeTab, client: WebClient, body: dict[str, Any], team: str,
                      modal: AdminModal) -> None:
    if not _user_id(body):
        return
    viewer = home.viewer(client, _user_id(body))
    if not viewer.is_admin:
        home.publish(client, viewer, Notice(NOT_ADMIN))
        return
    try:
        with deadline(HOME_BUDGET):
            the_team = resolve_team(home.store, home.settings, team)
        client.views_open(trigger_id=str(body.get("trigger_id") or ""),
                          view=modal.build(the_team))
    except UnknownTeamError:
        home.publish(client, viewer, Notice(f"Team {team} no longer exists."))
    except (StoreError, SlackApiError, OSError) as exc:
        log.warning("%s modal for %s not opened: %s", modal.what, team, exc)
        home.publish(client, viewer, Notice(f"Could not open the {modal.what}; please try "
                                            "again."))


def _save_admin_modal(home: HomeTab, ack: Ack, client: WebClient, user_id: str,
                      view: dict[str, Any], modal: AdminModal) -> None:
    team = modal.team_of(view)

    def refuse(why: str) -> None:
        ack(response_action="errors", errors={modal.first_block: why})

    if not user_id:
        refuse("Marvin could not tell who sent this.")
        return
    viewer = home.viewer(client, user_id)
    if team is None or not viewer.is_admin:
        refuse("This form is not one Marvin can read." if team is None else NOT_ADMIN)
        return
    try:
        with deadline(HOME_BUDGET):
            submission = modal.read(resolve_team(home.store, home.settings, team), view)
            if submission.changed is None:
                ack(response_action="errors", errors=submission.errors)
                return
            home.store.save_team(submission.changed)
    except UnknownTeamError:
        refuse(f"Team {team} no longer exists.")
        return
    except StoreError as exc:
        log.warning("%s of %s not saved: %s", modal.what, team, exc)
        refuse("Not saved: the store did not answer. Please try again.")
        return
    ack()
    home.publish(client, viewer, Notice(f"Saved the {modal.what} of team {team}."))


def _user_id(body: dict[str, Any]) -> str:
    """The acting user's id, or "" when the payload has none Slack could have sent."""
    user = body.get("user")
    found = user.get("id") if isinstance(user, dict) else None
    return found if isinstance(found, str) and is_user_id(found) else ""


def _chosen(action: dict[str, Any]) -> str | None:
    """The team a Join button (its value) or the Join menu (its selected option) names;
    None for anything that is not a team name."""
    selected = action.get("selected_option")
    value = selected.get("value") if isinstance(selected, dict) else action.get("value")
    try:
        return check_team_name(value) if isinstance(value, str) else None
    except ValueError:
        return None
