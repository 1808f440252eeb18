"""Every moment a page or message shows is on the organisation's wall clock
with its zone's abbreviation, through the one `local_time` filter."""

import importlib
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Mapper

from tracker.db import UTCDateTime
from tracker.extensions import db
from tracker.organisation.models import JobRecord, OrgSettings
from tracker.organisation.services import time_label

ROOT = Path(__file__).resolve().parent.parent
# Moments that are not columns: the scheduler's heartbeat, a one-time
# password's expiry, the sign-in throttle's last failure and release.
NON_COLUMN_MOMENTS = {"last_seen", "expires_at", "last_failure", "free_by"}
EXPRESSION = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)


def _moment_names() -> set[str]:
    for models in sorted((ROOT / "tracker").glob("*/models.py")):
        importlib.import_module(f"tracker.{models.parent.name}.models")
    names = set(NON_COLUMN_MOMENTS)
    for mapper in db.Model.registry.mappers:
        assert isinstance(mapper, Mapper)
        for column in mapper.columns:
            if isinstance(column.type, UTCDateTime):
                names.add(mapper.get_property_by_column(column).key)
    return names


def unfiltered_moments(source: str, names: set[str]) -> list[str]:
    """The places in a template that show a moment without `local_time`, or
    claim a zone of their own."""
    problems = []
    for match in EXPRESSION.finditer(source):
        output, statement = match.group(1), match.group(2)
        text = output if output is not None else ""
        if re.search(r"strftime\([^)]*%[HIMSpZz]", output or statement):
            problems.append(f"a time formatted by hand: {match.group(0)}")
        if re.search(rf"\b(?:{'|'.join(names)})\b\s*\.\s*(?:isoformat|strftime)", output or statement):
            problems.append(f"a moment formatted by hand: {match.group(0)}")
        # What is shown is the part before a conditional expression's 'if'.
        shown = re.split(r"\bif\b", text, maxsplit=1)[0]
        for name in names:
            for use in re.finditer(rf"\b{name}\b(?!\s*\()", shown):
                if not re.match(r"\s*\|\s*local_time\b", shown[use.end():]):
                    problems.append(f"{name} shown without local_time: {match.group(0).strip()}")
    if re.search(r"\bUTC\b", EXPRESSION.sub("", source)):
        problems.append("the text names UTC")
    return problems


def test_the_scan_catches_a_moment_shown_without_the_filter():
    names = {"created_at", "last_seen"}
    assert unfiltered_moments("{{ m.created_at }}", names)
    assert unfiltered_moments("{{ m.created_at.strftime('%Y-%m-%d') }}", names)
    assert unfiltered_moments("{{ last_seen.strftime('%d %b %H:%M') }} UTC", names)
    assert unfiltered_moments("<th>Queued (UTC)</th>", names)
    assert not unfiltered_moments("{{ m.created_at|local_time if m.created_at else '—' }}", names)
    assert not unfiltered_moments("{% if m.created_at <= now %}x{% endif %}", names)


def test_no_template_shows_a_moment_without_the_local_time_filter():
    names = _moment_names()
    assert {"created_at", "submitted_at", "at", "sent_at", "last_started_at"} <= names
    problems = {}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt"):
            found = unfiltered_moments(path.read_text(), names)
            if found:
                problems[str(path.relative_to(ROOT))] = found
    assert problems == {}


def test_a_moment_reads_on_the_organisations_wall_clock_with_its_abbreviation():
    moment = datetime(2026, 11, 29, 3, 5, tzinfo=UTC)
    assert time_label(moment, ZoneInfo("Australia/Sydney")) == "29 Nov 2026 14:05 AEDT"
    assert time_label(datetime(2026, 7, 1, 3, 5, tzinfo=UTC), ZoneInfo("Australia/Sydney")) == (
        "01 Jul 2026 13:05 AEST")
    assert time_label(moment, ZoneInfo("UTC")) == "29 Nov 2026 03:05 UTC"
    assert time_label(moment, ZoneInfo("America/Sao_Paulo")) == "29 Nov 2026 00:05 UTC-03"


def test_the_scheduler_page_shows_sydney_time(app, login_as, client):
    login_as("admin")
    with app.app_context():
        db.session.add(OrgSettings(id=1, timezone="Australia/Sydney", default_cadence="weekly",
                                   default_weekday=4, grace_days=2, reminder_hour=9, digest_weekday=0,
                                   digest_hour=8))
        moment = datetime(2026, 11, 29, 3, 5, tzinfo=UTC)
        db.session.add(JobRecord(name="open_checkins", last_started_at=moment, last_finished_at=moment,
                                 outcome="ok", summary="opened 0", runs=1, failures=0))
        db.session.commit()
    page = client.get("/admin/scheduler").get_data(as_text=True)
    assert '<time datetime="2026-11-29T03:05:00+00:00">29 Nov 2026 14:05 AEDT</time>' in page
    assert "UTC" not in page.replace("+00:00", "")
