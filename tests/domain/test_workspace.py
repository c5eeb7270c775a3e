from __future__ import annotations

import pytest

from marvin.domain.workspace import Workspace


def test_a_workspace_is_named_by_its_team_id() -> None:
    assert Workspace("T0123ABCD", enterprise_id="E0AAA").key == "T0123ABCD"


def test_an_org_wide_install_is_named_by_its_enterprise() -> None:
    assert Workspace(None, enterprise_id="E0123ABCD").key == "E0123ABCD"


@pytest.mark.parametrize(
    ("team_id", "enterprise_id"),
    [(None, None), ("general", None), ("t0123", None), ("T0123", "enterprise")],
)
def test_ids_that_are_not_slack_ids_are_refused(
    team_id: str | None, enterprise_id: str | None
) -> None:
    with pytest.raises(ValueError):
        Workspace(team_id, enterprise_id=enterprise_id)
