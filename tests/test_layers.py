"""Views parse the request, call services and render: no view queries the
database or ends a transaction itself (services query; `tracker.transaction`
commits)."""

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
VIEWS = sorted(TRACKER.glob("**/views.py"))
FORBIDDEN_TEXT = ("select(", "db.session", ".query(")


def offences(source: str) -> list[str]:
    """What in a view's source reaches past the services into the database."""
    found = [f"contains {text!r}" for text in FORBIDDEN_TEXT if text in source]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            continue
        found += [f"imports {m}" for m in modules if m == "sqlalchemy" or m.startswith("sqlalchemy.")]
    return found


def test_the_check_catches_each_way_of_reaching_the_database():
    assert offences("from tracker.metrics import services\nservices.metrics_page()\n") == []
    for source in ("rows = db.session.scalars(q)\n", "q = select(User)\n", "User.query(1)\n",
                   "from sqlalchemy import func\n", "import sqlalchemy.orm\n"):
        assert offences(source), source


def test_views_were_found():
    assert len(VIEWS) >= 10


@pytest.mark.parametrize("path", VIEWS, ids=lambda path: str(path.relative_to(TRACKER)))
def test_views_do_not_query_the_database(path: Path):
    assert offences(path.read_text(encoding="utf-8")) == []


def test_every_form_derives_from_tracker_form():
    """TrackerForm refuses control characters in every field; a form built on
    FlaskForm directly would let them through to the services."""
    from flask_wtf import FlaskForm

    from tracker import create_app
    from tracker.forms import TrackerForm

    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})  # imports every form
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    assert len(found) >= 15
    assert [f"{cls.__module__}.{cls.__name__}" for cls in found
            if cls is not TrackerForm and not issubclass(cls, TrackerForm)] == []
