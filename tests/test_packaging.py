"""Packaging: what Marvin imports is declared and capped, the Docker image is built from a
hash-pinned lock on a digest-pinned base, without the test stand-in, and CI installs the
way the README says. Static checks of the files a build reads: nothing is downloaded."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
OPTIONAL = {
    extra: [Requirement(r) for r in reqs]
    for extra, reqs in PROJECT["optional-dependencies"].items()
}
_LOCKED = re.compile(r"^([A-Za-z0-9._-]+)==([^ \\]+)", re.M)


def shipped_modules() -> list[Path]:
    """Marvin's modules that go into the image: everything but the test stand-in."""
    return [
        path
        for folder in ("marvin", "flows")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "testing" not in path.relative_to(ROOT).parts
    ]


def imported_top_level(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text()
    return {canonicalize_name(name): version for name, version in _LOCKED.findall(text)}


def test_every_third_party_import_is_a_declared_dependency() -> None:
    declared = {canonicalize_name(r.name) for r in RUNTIME}
    optional = {  # dask[distributed] installs the package `distributed`
        canonicalize_name(name)
        for reqs in OPTIONAL.values()
        for r in reqs
        for name in (r.name, *r.extras)
    }
    distributions = packages_distributions()
    missing = []
    for path in shipped_modules():
        for module in imported_top_level(path) - set(sys.stdlib_module_names):
            if module in ("marvin", "flows", "__future__"):
                continue
            names = {canonicalize_name(d) for d in distributions.get(module, [module])}
            # only the Dask executor and the opt-in cloudpickle serializer may import an
            # optional extra (and each says how to get it)
            extras_ok = path.name in ("dask_executor.py", "serializers.py")
            allowed = declared | (optional if extras_ok else set())
            if not names & allowed:
                missing.append(f"{path.relative_to(ROOT)}: {module}")
    assert missing == []


def test_no_shipped_module_imports_the_test_stand_in() -> None:
    assert [
        str(path.relative_to(ROOT))
        for path in shipped_modules()
        if any(line.lstrip().startswith(("from marvin.testing", "import marvin.testing"))
               for line in path.read_text().splitlines())
    ] == []


@pytest.mark.parametrize(
    "requirement",
    RUNTIME + [r for reqs in OPTIONAL.values() for r in reqs],
    ids=str,
)
def test_every_dependency_has_an_upper_bound(requirement: Requirement) -> None:
    """A new major version must be a decision, not a surprise at the next install."""
    assert any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier), (
        f"{requirement} has no upper bound")


def test_uvicorn_brings_its_fast_parts_itself() -> None:
    names = {canonicalize_name(r.name): r for r in RUNTIME}
    assert "standard" in names["uvicorn"].extras
    assert "httptools" not in names and "uvloop" not in names  # uvicorn[standard] picks them


def test_the_lock_pins_every_runtime_dependency_within_its_range_with_hashes() -> None:
    pins = locked()
    for requirement in RUNTIME:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run .ci/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock has {name}=={pins[name]}, pyproject wants {requirement}: "
            "run .ci/lock")
    for extra in ("httptools", "uvloop", "websockets", "watchfiles"):  # uvicorn[standard]
        assert extra in pins
    for build in PYPROJECT["build-system"]["requires"]:  # Marvin is built in the image
        requirement = Requirement(build)
        assert requirement.specifier.contains(pins[canonicalize_name(requirement.name)])
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text())
    unhashed = [e.split()[0] for e in entries if _LOCKED.match(e) and "--hash=sha256:" not in e]
    assert unhashed == []
    assert not ({"pytest", "mypy", "ruff", "dask"} & set(pins))  # runtime only


def test_the_image_installs_from_the_lock_on_a_pinned_base_without_the_stand_in() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.M)
    assert base is not None
    assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", base[1]), base[1]
    froms = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert froms and all(f == "${PYTHON_IMAGE}" for f in froms), froms
    assert "--require-hashes --only-binary=:all: -r requirements.lock" in dockerfile
    assert "pip install --no-deps --no-build-isolation ." in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "marvin/testing" in ignored and "tests" in ignored


def test_ci_installs_in_the_default_editable_mode_and_the_readme_says_what_it_needs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "editable_mode" not in ci  # compat mode: a setuptools warning on every run
    assert "--require-hashes" in ci  # the image's lock is proven installable
    readme = (ROOT / "README.md").read_text()
    described = readme[readme.index("bash .ci/run") : readme.index("## Using it")]
    for need in ("Java", "Firestore emulator", "chromium", "apt-get", "PyPI"):
        assert need in described, need
