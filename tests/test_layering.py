"""The module map of docs/architecture.md, enforced: who may import whom.

Walks every module's imports with `ast` (including imports inside functions and
TYPE_CHECKING blocks), so a forbidden import fails here before it becomes a habit.

Marvin's parts stand in layers, each importing only the layers below it (never a part of
its own layer, never one above). Within a part, modules import each other freely.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Bottom first. A part is a folder (or a module) of Marvin; `flows` is the top-level package.
LAYERS: list[tuple[str, ...]] = [
    ("marvin.engine", "marvin.domain"),
    ("marvin.settings",),
    ("marvin.store",),
    ("marvin.history", "marvin.slack.protocol"),
    ("marvin.delivery", "marvin.interactions", "marvin.reports"),
    ("marvin.slack",),
    ("flows",),
    ("marvin.scheduler",),
    ("marvin.workspace_schedules",),
    ("marvin.app",),
    ("marvin.web",),
    ("marvin.cli",),
]
# Test doubles shipped with Marvin: above what they imitate, below nothing of production.
OUTSIDE_LAYERS = ("marvin.testing",)

# package/module prefix -> the only places allowed to import it
SDK_OWNERS = {
    "slack_bolt": ("marvin/slack/",),
    "slack_sdk": ("marvin/slack/",),
    "google.cloud": ("marvin/store/firestore/",),
    "google.api_core": ("marvin/store/firestore/",),
    "apscheduler.schedulers": ("marvin/scheduler/",),
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


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
    return rel.removesuffix(".__init__")


def part_of(module: str) -> tuple[int, str] | None:
    """(layer, part) of a Marvin module; the longest matching part wins."""
    best: tuple[int, str] | None = None
    for level, parts in enumerate(LAYERS):
        for part in parts:
            if (module == part or module.startswith(part + ".")) and (
                best is None or len(part) > len(best[1])
            ):
                best = (level, part)
    return best


def test_every_module_of_marvin_has_a_layer() -> None:
    homeless = [
        module_name(p)
        for p in python_files("marvin", "flows")
        if part_of(module_name(p)) is None
        and not module_name(p).startswith(OUTSIDE_LAYERS)
        and module_name(p) != "marvin"
    ]
    assert homeless == [], f"give these a layer in LAYERS: {homeless}"


def test_nothing_imports_upward_or_sideways() -> None:
    bad = []
    for path in python_files("marvin", "flows"):
        here = part_of(module_name(path))
        if here is None:
            continue
        for name in imports_of(path):
            there = part_of(name)
            if name.startswith(OUTSIDE_LAYERS):
                bad.append(f"{module_name(path)} -> {name} (test doubles are not for production)")
            elif there is not None and there[1] != here[1] and there[0] >= here[0]:
                bad.append(f"{module_name(path)} ({here[1]}) -> {name} ({there[1]})")
    assert bad == [], "imports that run up or sideways:\n" + "\n".join(bad)


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


def test_the_slack_protocol_imports_no_slack_library() -> None:
    """Flows and delivery depend on `marvin.slack.protocol` without loading slack_sdk."""
    names = imports_of(ROOT / "marvin/slack/protocol.py")
    assert not [n for n in names if n.startswith(("slack_sdk", "slack_bolt", "marvin.slack."))]


def test_pure_domain_rules_do_no_io() -> None:
    io_modules = ("sqlite3", "socket", "urllib", "http", "requests", "google", "slack_sdk",
                  "slack_bolt", "subprocess")
    pure = python_files("marvin/domain")
    assert len(pure) > 3
    for path in pure:
        for name in imports_of(path):
            assert not name.startswith(io_modules), f"{path.relative_to(ROOT)} imports {name}"
            assert not name.startswith("marvin.") or name.startswith("marvin.domain"), (
                f"{path.relative_to(ROOT)} imports {name}: the domain stands on nothing"
            )


# Google's client library reads FIRESTORE_EMULATOR_HOST itself; the Firestore store
# mirrors that one variable (to use anonymous credentials), and reads nothing else.
ENV_READS_ALLOWED = {"marvin/store/firestore/client.py": {"FIRESTORE_EMULATOR_HOST"}}


def test_only_settings_reads_the_environment() -> None:
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
