"""The commands the README gives operators, run as they are written."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k != "DATABASE_URL"}
    env["TRACKER_INSTANCE_PATH"] = str(tmp_path)
    return env


def _flask(tmp_path, *args, input_text=None):
    return subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=120, input=input_text)


def test_upgrade_demo_tick_and_digests_from_the_shell(tmp_path):
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    demo = _flask(tmp_path, "demo", "load")
    assert demo.returncode == 0 and "ceo@example.com" in demo.stdout
    assert (tmp_path / "demo-logins.txt").exists()
    again = _flask(tmp_path, "demo", "load", "--if-empty")
    assert again.returncode == 0 and "not loaded again" in again.stdout
    tick = _flask(tmp_path, "scheduler", "tick")
    assert tick.returncode == 0, tick.stderr
    assert "open_checkins: ok" in tick.stdout
    sent = _flask(tmp_path, "digests", "send")
    assert sent.returncode == 0 and "Digests for" in sent.stdout
    listed = _flask(tmp_path, "users", "list")
    assert "admin@example.com" in listed.stdout


def test_gunicorn_serves_the_app(tmp_path):
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
                               "app:app"], cwd=ROOT, env=_env(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200 and b"ok" in r.read()
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
            assert b"Sign in" in r.read()
    finally:
        server.terminate()
        server.wait(timeout=20)


def _make_run_public_url(tmp_path, *make_args: str, env_url: str | None = None) -> str:
    """What TRACKER_PUBLIC_URL the web server gets from `make run ...`: the
    repository's Makefile run in a scratch folder whose `flask` only notes it."""
    (tmp_path / "Makefile").write_text((ROOT / "Makefile").read_text())
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "instance").mkdir()
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (tmp_path / ".venv" / ".installed").touch()  # newer than pyproject.toml: nothing to install
    flask = bin_dir / "flask"
    flask.write_text('#!/bin/sh\n'
                     'case "$*" in *" run --host"*) echo "$TRACKER_PUBLIC_URL" > served-url;; esac\n')
    flask.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "MAKE"))}
    if env_url:
        env["TRACKER_PUBLIC_URL"] = env_url
    done = subprocess.run(["make", "run", *make_args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return (tmp_path / "served-url").read_text().strip()


def test_make_run_links_emails_to_the_port_it_serves(tmp_path):
    assert _make_run_public_url(tmp_path, "PORT=5065") == "http://127.0.0.1:5065"


def test_make_run_keeps_a_public_url_set_in_the_environment(tmp_path):
    url = _make_run_public_url(tmp_path, "PORT=5065", env_url="https://tracker.example.com")
    assert url == "https://tracker.example.com"
