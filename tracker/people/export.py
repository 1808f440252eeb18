"""CSV downloads of people decisions and of the alignment report, written
by the shared `tracker.csvfile.write_csv` (every cell quoted, formulas
neutralised)."""

from collections.abc import Iterable
from typing import Any

from tracker.charts import percent
from tracker.csvfile import write_csv
from tracker.people.decisions import evidence_lines
from tracker.people.models import PeopleDecision
from tracker.people.report import PeopleReport


def _percent(share: float | None) -> str:
    return "" if share is None else f"{percent(share)}%"


DECISIONS_HEADER = ("ID", "Person", "Employee ref", "User account", "Kind", "Effective date",
                    "Role from", "Role to", "Department", "Decided by", "Rationale", "Initiative",
                    "Aligned", "Reasons", "Evidence")


def decisions_csv(decisions: Iterable[PeopleDecision]) -> str:
    """One row per decision, its evidence in one cell."""
    return write_csv(DECISIONS_HEADER, (
        (d.id, d.person_name, d.employee_ref, d.user.email if d.user else "", d.kind_label,
         d.effective_date.isoformat(), d.role_from, d.role_to, d.department.name, d.decided_by,
         d.rationale, d.initiative.title if d.initiative else "",
         "yes" if d.aligned else "no", "; ".join(d.alignment_reasons or []),
         " | ".join(evidence_lines(d)))
        for d in decisions
    ))


REPORT_HEADER = ("Section", "Quarter", "Department", "Item", "Decisions", "Aligned", "Share aligned",
                 "Detail")


def report_csv(report: PeopleReport) -> str:
    """The report as one table; the Section column tells its parts apart."""
    department = report.department.name if report.department else "All departments"
    quarter = report.quarter.label
    rows: list[tuple[Any, ...]] = [
        ("By kind", quarter, department, t.label, t.total, t.aligned, _percent(t.share), "")
        for t in report.by_kind]
    rows.append(("Total", quarter, department, "All kinds", report.total, report.aligned,
                 _percent(report.share), ""))
    rows += [("Trend", t.label, department, "All kinds", t.total, t.aligned, _percent(t.share), "")
             for t in report.trend]
    rows += [("By behaviour", quarter, department, c.behaviour.name, c.decisions, "", "",
              "no-no removed" if c.behaviour.is_no_no else "target rewarded")
             for c in report.behaviours]
    rows += [("By department", quarter, t.label, "All kinds", t.total, t.aligned,
              _percent(t.share), "") for t in report.departments]
    rows += [("Not aligned", quarter, d.department_name,
              f"{d.person_name} ({d.employee_ref}), {d.kind_label.lower()} "
              f"{d.effective_date.isoformat()}", 1, 0, "", "; ".join(d.alignment_reasons or []))
             for d in report.not_aligned]
    return write_csv(REPORT_HEADER, rows)
