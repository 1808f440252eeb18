"""A real gunicorn on a free loopback port against a test database, and a
small cookie-keeping HTTP client for it (CSRF on, as in production)."""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url: str, instance: Path, *, secret_key: str, workers: int = 2,
                   access_log: Path | None = None,
                   settings: dict | None = None) -> tuple[subprocess.Popen, int]:
    """gunicorn with `workers` workers serving app:app on a free port, once it
    answers /healthz; `settings` are extra TRACKER_ variables (without the prefix)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k != "DATABASE_URL"}
    env.update({
        "TRACKER_SQLALCHEMY_DATABASE_URI": database_url,
        "TRACKER_INSTANCE_PATH": str(instance),
        "TRACKER_SECRET_KEY": secret_key,
        "TRACKER_PASSWORD_HASH_METHOD": "argon2id:8:1:1",
        **{f"TRACKER_{k}": str(v) for k, v in (settings or {}).items()},
    })
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    if access_log is not None:
        command += ["--access-logfile", str(access_log), "--access-logformat", "%(p)s %(s)s %(m)s %(U)s"]
    server = subprocess.Popen(command + ["app:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return server, port
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            server.wait()
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.2)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


class Browser:
    """Keeps cookies like a browser, one fresh connection per request (as page loads are)."""

    def __init__(self, port: int):
        self.port = port
        self.jar = SimpleCookie()

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.jar.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            page = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.jar.load(header)
        return response.status, dict(response.headers), page

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request("GET", path)

    def submit(self, path: str, form: dict, *, page_path: str | None = None) -> tuple[int, dict, str]:
        """GET the page holding the form (`page_path`, else `path`) for its CSRF token, then POST."""
        _, _, page = self.get(page_path or path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
        return self.request("POST", path, {"csrf_token": token, **form})

    def sign_in(self, email: str, password: str) -> tuple[int, dict]:
        """The real sign-in form: (status, headers) of its POST."""
        status, headers, _ = self.submit("/login", {"email": email, "password": password, "next": ""})
        return status, headers
