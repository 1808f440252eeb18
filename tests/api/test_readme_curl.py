"""The README's curl commands for the API, run as they are written against a
real gunicorn: create a token through the account page, push a survey tool's
export, read the metrics."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests import factories, gunicorn
from tracker.extensions import db
from tracker.metrics.models import Reading

ROOT = Path(__file__).resolve().parents[2]


def _api_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## JSON API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def test_the_readme_has_the_token_and_push_commands():
    blocks = _api_blocks()
    assert len(blocks) == 2
    assert "/account/tokens" in blocks[0] and "/api/v1/readings/bulk" in blocks[1]


@pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)
def test_the_readme_curl_commands_work(app, tmp_path):
    with app.app_context():
        owner = factories.make_user("member", email="nps-owner@example.com")
        factories.make_metric("Net Promoter Score", owner=owner, baseline=-5, target=30)
        db.session.commit()
    (tmp_path / "nps-export.csv").write_text("date,nps\n2026-09-30,12\n2026-10-31,14.5\n2026-11-01,3\n")
    server, port = gunicorn.start_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance",
                                           secret_key="readme-curl-test")
    try:
        script = "set -e\n" + "\n".join(_api_blocks()) + '\necho "TOKEN=$TOKEN"\n'
        run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             env={"PATH": "/usr/bin:/bin", "BASE": f"http://127.0.0.1:{port}",
                                  "EMAIL": "nps-owner@example.com", "PASSWORD": factories.DEFAULT_PASSWORD})
    finally:
        gunicorn.stop(server)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1].startswith("TOKEN=bpt_")
    assert json.loads(lines[0]) == {"created": 3}
    assert [m["name"] for m in json.loads(lines[1])["items"]] == ["Net Promoter Score"]
    with app.app_context():
        assert sorted(db.session.scalars(db.select(Reading.value))) == [3, 12, 14.5]
