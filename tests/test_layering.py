"""The module map of DESIGN.md, enforced: who may import whom.

Walks every module's imports with `ast` (including imports inside functions and
TYPE_CHECKING blocks), so a forbidden import fails here before it becomes a habit.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# package/module prefix -> the only places allowed to import it
SDK_OWNERS = {
    "slack_bolt": ("marvin/slack/",),
    "slack_sdk": ("marvin/slack/",),
    "google.cloud": ("marvin/store/firestore.py",),
    "google.api_core": ("marvin/store/firestore.py",),
    "apscheduler.schedulers": ("marvin/scheduler.py",),
}


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


def test_engine_imports_only_stdlib_pendulum_and_apscheduler_triggers() -> None:
    allowed_third_party = ("pendulum", "apscheduler.triggers")
    bad = []
    for path in python_files("marvin/engine"):
        for name in imports_of(path):
            top = name.split(".")[0]
            if top == "marvin":
                if not name.startswith("marvin.engine"):
                    bad.append(f"{path.relative_to(ROOT)}: {name}")
            elif top in ("slack_bolt", "slack_sdk", "google", "flows", "starlette", "uvicorn"):
                bad.append(f"{path.relative_to(ROOT)}: {name}")
            elif top == "apscheduler" and not name.startswith(allowed_third_party):
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert bad == [], "the engine must not import these:\n" + "\n".join(bad)


def test_each_sdk_is_imported_in_one_place() -> None:
    bad = []
    for path in python_files("marvin", "flows"):
        rel = path.relative_to(ROOT).as_posix()
        for name in imports_of(path):
            for sdk, owners in SDK_OWNERS.items():
                if (name == sdk or name.startswith(sdk + ".")) and not rel.startswith(owners):
                    bad.append(f"{rel}: {name} (only {', '.join(owners)} may)")
    assert bad == [], "\n".join(bad)


def test_pure_domain_rules_do_no_io() -> None:
    io_modules = ("marvin.store", "marvin.slack", "slack_sdk", "google", "sqlite3", "requests")
    pure = ["marvin/standup.py", "marvin/digest.py", "marvin/models.py"]
    pure += [str(p.relative_to(ROOT)) for p in python_files("marvin/domain")]
    assert len(pure) > 3  # marvin/domain holds modules
    for rel in pure:
        path = ROOT / rel
        if path.exists():
            for name in imports_of(path):
                assert not name.startswith(io_modules), f"{rel} imports {name}"
                if rel.startswith("marvin/domain/"):  # rules only: nothing that acts
                    assert not name.startswith(("marvin.engine", "marvin.services", "flows",
                                                "marvin.testing")), f"{rel} imports {name}"


# Google's client library reads FIRESTORE_EMULATOR_HOST itself; the Firestore store
# mirrors that one variable (to use anonymous credentials), and reads nothing else.
ENV_READS_ALLOWED = {"marvin/store/firestore.py": {"FIRESTORE_EMULATOR_HOST"}}


def test_only_settings_reads_the_environment() -> None:
    import re

    bad = []
    for path in python_files("marvin", "flows"):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("marvin/settings.py",) or rel.startswith("marvin/testing/"):
            continue
        text = path.read_text(encoding="utf-8")
        reads = re.findall(r"os\.(?:environ\.get|getenv)\(\s*[\"']([A-Z_]+)[\"']", text)
        others = text.count("os.environ") + text.count("os.getenv") - len(reads)
        allowed = ENV_READS_ALLOWED.get(rel, set())
        if others or any(name not in allowed for name in reads):
            bad.append(rel)
    assert bad == [], f"read settings through marvin.settings, not the environment: {bad}"
