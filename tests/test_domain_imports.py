"""Cross-domain wiring goes one way: history and the calendar know no domain,
behaviours know nothing of people decisions, and no domain's forms borrow
another's (shared validators live in `tracker.validators`)."""

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
DOMAINS = sorted(p.name for p in TRACKER.iterdir() if (p / "__init__.py").exists())


def _imported(nodes: list[ast.AST]) -> set[str]:
    """Modules imported at run time (not under `if TYPE_CHECKING:`) in `nodes`."""
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= _imported(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        found |= _imported(list(ast.iter_child_nodes(node)))
    return found


def _domains_imported_by(path: Path) -> set[str]:
    modules = _imported([ast.parse(path.read_text(encoding="utf-8"))])
    return {m.split(".")[1] for m in modules if m.startswith("tracker.") and m.split(".")[1] in DOMAINS}


def test_history_services_import_no_domain():
    assert _domains_imported_by(TRACKER / "history" / "services.py") <= {"history"}


def test_the_calendar_imports_no_domain():
    assert _domains_imported_by(TRACKER / "calendar.py") == set()


@pytest.mark.parametrize("path", sorted((TRACKER / "behaviours").glob("*.py")), ids=lambda p: p.name)
def test_behaviours_never_reach_up_into_people(path):
    assert "people" not in _domains_imported_by(path)


@pytest.mark.parametrize("path", sorted(TRACKER.glob("*/forms.py")), ids=lambda p: p.parent.name)
def test_no_form_borrows_another_domains_forms(path):
    modules = _imported([ast.parse(path.read_text(encoding="utf-8"))])
    borrowed = {m for m in modules if m.startswith("tracker.") and m.split(".")[2:3] == ["forms"]
                and m.split(".")[1] != path.parent.name}
    assert borrowed == set()
