"""The deployment docs and the Kubernetes example hold up against the code: every variable
they name is one Marvin reads, the manifest's values load as Settings, its probes and its
shutdown timing fit Marvin's, and the index commands are those of firestore.indexes.json."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from marvin.settings import Settings
from marvin.store.firestore.indexes import declared_indexes
from marvin.web.serve import HEALTH_STORE_BUDGET

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "docs" / "deploy-cloud-run.md", ROOT / "docs" / "deploy-kubernetes.md"]
MANIFEST = ROOT / "deploy" / "kubernetes.yaml"
VARIABLE = re.compile(r"\b(?:MARVIN|SLACK|GOOGLE)_[A-Z0-9_]+\b")
NOT_MARVINS = {"GOOGLE_APPLICATION_CREDENTIALS"}  # read by Google's client library itself


def env_names() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices)
        names.add(str(alias.choices[0]))
    return names


@pytest.mark.parametrize("path", [*DOCS, MANIFEST], ids=lambda p: p.name)
def test_every_variable_a_deployment_doc_names_is_a_setting(path: Path) -> None:
    named = set(VARIABLE.findall(path.read_text())) - NOT_MARVINS

    assert named, "the doc names no variable: is the pattern right?"
    assert named <= env_names(), sorted(named - env_names())


def test_the_readme_links_both_deployment_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    for doc in DOCS:
        assert f"](docs/{doc.name})" in readme


def manifests() -> dict[str, dict[str, Any]]:
    return {doc["kind"]: doc for doc in yaml.safe_load_all(MANIFEST.read_text())}


def container() -> dict[str, Any]:
    (marvin,) = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    return dict(marvin)


def test_the_manifests_environment_loads_as_settings_for_replicas_on_firestore() -> None:
    docs = manifests()
    env = {e["name"]: e["value"] for e in container()["env"]}
    secret = docs["Secret"]["stringData"]
    (source,) = container()["envFrom"]

    settings = Settings(_env_file=None, **env, **secret)  # type: ignore[call-arg]

    assert set(env) | set(secret) <= env_names()
    assert source["secretRef"]["name"] == docs["Secret"]["metadata"]["name"]
    assert settings.store == "firestore" and settings.google_cloud_project
    assert settings.host == "0.0.0.0"  # noqa: S104 - reachable from the Service
    assert docs["Deployment"]["spec"]["replicas"] >= 2


def test_the_probes_ask_healthz_on_the_served_port_with_time_for_its_answer() -> None:
    marvin = container()
    env = {e["name"]: e["value"] for e in marvin["env"]}
    (port,) = marvin["ports"]
    service_port = manifests()["Service"]["spec"]["ports"][0]

    assert port["containerPort"] == int(env["MARVIN_PORT"])
    assert service_port["targetPort"] == port["name"]
    for probe in ("readinessProbe", "livenessProbe"):
        check = marvin[probe]
        assert check["httpGet"] == {"path": "/healthz", "port": port["name"]}
        assert check["timeoutSeconds"] > HEALTH_STORE_BUDGET + 0.5  # /healthz answers by 2 s


def test_the_pod_is_given_time_for_prestop_and_marvins_shutdown_grace() -> None:
    pod = manifests()["Deployment"]["spec"]["template"]["spec"]
    marvin = container()
    grace = float({e["name"]: e["value"] for e in marvin["env"]}
                  ["MARVIN_SHUTDOWN_GRACE_SECONDS"])
    command = marvin["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"

    assert pod["terminationGracePeriodSeconds"] >= int(command[1]) + grace + 5


def test_the_cloud_run_doc_creates_every_index_of_firestore_indexes_json() -> None:
    text = (ROOT / "docs" / "deploy-cloud-run.md").read_text().replace("\\\n    ", "")
    config = json.loads((ROOT / "firestore.indexes.json").read_text())

    for index in declared_indexes(config):
        assert index.create_command("$PROJECT") in text
