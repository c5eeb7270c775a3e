"""Start, probe, clear and stop Google's Firestore emulator for tests and CI.

The jar is run directly (not through ``gcloud``, which leaves the JVM behind) in its own
process group, so stopping it kills the whole JVM. Shared by ``tests/conftest.py`` and by
``.ci/run``, which may start one for a whole CI job::

    python -m tests.support.firestore_emulator --port 8681
    # prints FIRESTORE_EMULATOR_HOST=127.0.0.1:8681 once ready, stops on SIGTERM/SIGINT
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

JAR = Path(
    "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
)
MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
HOST = "127.0.0.1"


class EmulatorError(RuntimeError):
    """The emulator is not installed, did not start, or did not answer in time."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (racy, but fine for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start(port: int, *, log: Path | None = None, jar: Path = JAR) -> subprocess.Popen[bytes]:
    """Launch the emulator on 127.0.0.1:port in a new process group; does not wait for it.

    Raises:
        EmulatorError: the jar or java is missing; fail loudly, never skip the tests.
    """
    if not jar.is_file():
        raise EmulatorError(
            f"Firestore emulator jar not found at {jar}: install the Debian package "
            "google-cloud-cli-firestore-emulator (or set FIRESTORE_EMULATOR_HOST to a "
            "running emulator)."
        )
    java = shutil.which("java")
    if java is None:
        raise EmulatorError("`java` is not on PATH; the Firestore emulator needs a JRE (17+).")
    cmd = [java, "-cp", str(jar), MAIN_CLASS, "start", f"--host={HOST}", f"--port={port}"]
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() kills the JVM and its threads
        )
    finally:
        if log is not None and not isinstance(out, int):
            out.close()  # the child keeps its own descriptor


def wait_ready(
    host: str, timeout: float = 60.0, *, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll ``GET http://host/`` until the emulator answers.

    Raises:
        EmulatorError: it did not answer within `timeout` seconds, or `proc` exited first.
    """
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise EmulatorError(f"Firestore emulator exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://{host}/", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        time.sleep(0.1)
    raise EmulatorError(f"Firestore emulator at {host} did not answer in {timeout:.0f}s: {last}")


def clear(host: str, project: str) -> None:
    """Delete every document of `project`'s default database (an emulator-only endpoint)."""
    url = f"http://{host}/emulator/v1/projects/{project}/databases/(default)/documents"
    req = urllib.request.Request(url, method="DELETE")
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Terminate the emulator's process group, killing it if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        pass


@contextmanager
def in_use(timeout: float = 60.0) -> Iterator[str]:
    """``host:port`` of the emulator FIRESTORE_EMULATOR_HOST names, else of one started
    for the block (and FIRESTORE_EMULATOR_HOST set to it meanwhile): for the benchmarks."""
    host = os.environ.get("FIRESTORE_EMULATOR_HOST")
    if host:
        wait_ready(host, timeout)
        yield host
        return
    port = free_port()
    proc = start(port)
    host = f"{HOST}:{port}"
    os.environ["FIRESTORE_EMULATOR_HOST"] = host
    try:
        wait_ready(host, timeout, proc=proc)
        yield host
    finally:
        del os.environ["FIRESTORE_EMULATOR_HOST"]
        stop(proc)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind through main()'s finally, which stops the emulator


def main(argv: list[str] | None = None) -> int:
    """Run an emulator in the foreground until SIGTERM/SIGINT; print its host once ready."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    port = args.port or free_port()
    host = f"{HOST}:{port}"
    try:
        proc = start(port)
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        wait_ready(host, args.timeout, proc=proc)
        print(f"FIRESTORE_EMULATOR_HOST={host}", flush=True)
        return proc.wait()
    except EmulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main())
