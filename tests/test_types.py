"""The type checker passes over tracker/: mypy with the settings in
pyproject.toml (strict for services, models, jobs and the other modules that
hold the rules; normal elsewhere). Part of `make test`, so code that breaks a
signature, passes None where a value is needed or forgets `now` fails here."""

from pathlib import Path

from mypy import api  # in the dev extras, which `make test` installs

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_finds_no_errors_in_tracker():
    report, errors, status = api.run([
        "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(ROOT / ".mypy_cache"),
        "--no-error-summary", "--hide-error-context", str(ROOT / "tracker"),
    ])
    assert status == 0, report + errors
