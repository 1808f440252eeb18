"""Only the entry points read the clock: views, CLI commands and the
scheduler call `tracker.clock.now()` and hand the moment on. Services,
models and jobs take `now` as a required argument, with no default and no
fallback to the clock, so a test passes a fixed moment instead of patching."""

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
# Where a moment may come from: the clock itself, the column default in
# db.py (a stamp for rows no service stamps), and the entry points.
ENTRY_POINTS = {"clock.py", "db.py", "scheduler.py", "views.py", "cli.py"}
MODULES = sorted(p for p in TRACKER.glob("**/*.py") if p.name not in ENTRY_POINTS)
TIME_NAMES = {"now", "today"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def offences(source: str) -> list[str]:
    """Each way `source` reads the clock or lets a missing moment fall back to it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name in {"datetime.now", "datetime.utcnow", "datetime.today", "date.today",
                        "datetime.datetime.now", "datetime.date.today", "time.time",
                        "utcnow", "db.utcnow", "clock.now"}:
                found.append(f"line {node.lineno}: calls {name}()")
        elif isinstance(node, ast.ImportFrom) and node.module in {"tracker", "tracker.clock"}:
            if node.module == "tracker.clock" or any(a.name == "clock" for a in node.names):
                found.append(f"line {node.lineno}: imports the clock")
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            first = node.values[0]
            if isinstance(first, ast.Name) and first.id in TIME_NAMES:
                found.append(f"line {node.lineno}: falls back when {first.id} is missing")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            positional = args.posonlyargs + args.args
            defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]],
                                args.defaults, strict=True))
            defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                             if d is not None})
            found += [f"line {node.lineno}: {node.name}({name}=...) has a default"
                      for name in TIME_NAMES & defaults.keys()]
    return found


def test_the_check_catches_each_way_of_reading_the_clock():
    assert offences("def f(*, now):\n    return now.date()\n") == []
    for source in ("x = datetime.now(UTC)\n", "x = date.today()\n", "x = utcnow()\n",
                   "x = datetime.utcnow()\n", "from tracker import clock\n", "x = clock.now()\n",
                   "at = now or default\n", "def f(*, now=None): pass\n",
                   "def f(today=None): pass\n", "x = time.time()\n"):
        assert offences(source), source


def test_modules_were_found():
    assert any(p.name == "services.py" for p in MODULES) and any(p.name == "jobs.py" for p in MODULES)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(TRACKER)))
def test_only_entry_points_read_the_clock(path: Path):
    assert offences(path.read_text(encoding="utf-8")) == []
