"""Real processes for the failure and scale-out tests: a throwaway redis-server, ``baocao serve`` and
``baocao worker`` as an operator starts them, and a crash that kills a process with all its children."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import requests
import time_machine

ROOT = Path(__file__).resolve().parent.parent
#: ``baocao`` (core.cli:main) at the test's frozen instant; see tests/frozen_baocao.py.
BAOCAO = [sys.executable, "-m", "tests.frozen_baocao"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, timeout: float = 30.0, step: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(step)
    raise TimeoutError(f"{what} not reached within {timeout:g} s")


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    """``redis-server --port N --save ''`` in the foreground, for one test; stop() and start() again."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: _port_open(self.port), 10, what=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def baocao_env(**settings) -> dict:
    """The environment of a ``baocao`` process: the repository importable (tests.job_functions), settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update({k: str(v) for k, v in settings.items() if v is not None})
    return env


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """``baocao ARGS`` in its own session, its output to ``log``; its clock starts at the test's time now."""
    out = open(log, "ab")
    # The test's instant, and the real time it was read at: the child adds the real time its own start-up
    # took (under load, seconds), so two nodes' clocks agree and a token minted on one is valid on the other.
    env = {**env, "BAOCAO_TEST_NOW": datetime.now(timezone.utc).isoformat(),  # frozen: see tests/conftest.py
           "BAOCAO_TEST_REAL": repr(time_machine.escape_hatch.time.time())}
    return subprocess.Popen([*BAOCAO, *args], env=env, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)


def serve(port: int, env: dict, log: Path) -> subprocess.Popen:
    process = start(["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"], env, log)

    def up():
        if process.poll() is not None:
            raise RuntimeError(f"baocao serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            return requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    wait_until(up, 60, 0.3, what=f"baocao serve on port {port}")
    return process


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first found, then theirs), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def crash(process: subprocess.Popen) -> None:
    """SIGKILL the process and everything it started (a power cut of that machine): nothing cleans up."""
    victims = [process.pid] + descendants(process.pid)
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(10)


def stop(process: subprocess.Popen) -> None:
    """Ask politely (SIGTERM to its session), then kill what is left."""
    if process.poll() is None:
        victims = descendants(process.pid)
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            pass
        for pid in [process.pid] + victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(5)
