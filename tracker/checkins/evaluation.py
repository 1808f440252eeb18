"""How well talk/action suggestions match the kinds people chose.

One home for the figures the `classify --evaluate` command and the admin
agreement page both show: accuracy, precision and recall per kind, the
confusion matrix and the share of talk called action (the expensive
mistake, since it inflates the say/do record). Plain arithmetic on
(actual, suggested) pairs: no database, no clock.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from tracker.checkins.classifier import ACTION, TALK

KINDS = (TALK, ACTION)


class LabelledSetError(ValueError):
    """A labelled CSV is not `label,text` with talk or action labels."""


@dataclass
class Agreement:
    """Counts of (actual kind, suggested kind); the figures follow from them."""

    counts: dict[tuple[str, str], int] = field(
        default_factory=lambda: {(actual, suggested): 0 for actual in KINDS for suggested in KINDS}
    )

    def add(self, actual: str, suggested: str, times: int = 1) -> None:
        """Count ``times`` statements of kind ``actual`` suggested as ``suggested``."""
        self.counts[(actual, suggested)] += times

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def correct(self) -> int:
        return sum(self.counts[(kind, kind)] for kind in KINDS)

    @property
    def accuracy(self) -> float | None:
        """Share suggested right, or None when nothing was counted."""
        return self.correct / self.total if self.total else None

    def precision(self, kind: str) -> float | None:
        """Of the statements suggested as ``kind``, the share that were."""
        suggested = sum(self.counts[(actual, kind)] for actual in KINDS)
        return self.counts[(kind, kind)] / suggested if suggested else None

    def recall(self, kind: str) -> float | None:
        """Of the statements that were ``kind``, the share suggested so."""
        actual = sum(self.counts[(kind, suggested)] for suggested in KINDS)
        return self.counts[(kind, kind)] / actual if actual else None

    @property
    def talk_called_action(self) -> float | None:
        """Of the talk, the share suggested as action."""
        talk = self.counts[(TALK, TALK)] + self.counts[(TALK, ACTION)]
        return self.counts[(TALK, ACTION)] / talk if talk else None


def percent(value: float | None) -> str:
    """A share as "97.5%", or "n/a" when there was nothing to divide."""
    return "n/a" if value is None else f"{value:.1%}"


def read_labelled(stream: TextIO) -> Iterator[tuple[str, str]]:
    """Yield (label, text) from a CSV whose header has `label` and `text`.

    Labels are matched without regard to case or surrounding space; blank
    rows are skipped. Raises LabelledSetError naming the line of the first
    bad row, or when a column is missing.
    """
    reader = csv.DictReader(stream)
    if reader.fieldnames is None or not {"label", "text"} <= {name.strip() for name in reader.fieldnames}:
        raise LabelledSetError("the CSV needs a header with the columns label and text")
    for row in reader:
        row = {(key or "").strip(): value for key, value in row.items()}
        label = (row.get("label") or "").strip().lower()
        text = row.get("text") or ""
        if not label and not text.strip():
            continue
        if label not in KINDS:
            raise LabelledSetError(f"line {reader.line_num}: label must be talk or action, not {label!r}")
        yield label, text


def agreement_of(pairs: Iterable[tuple[str, str]]) -> Agreement:
    """Count (actual, suggested) pairs."""
    agreement = Agreement()
    for actual, suggested in pairs:
        agreement.add(actual, suggested)
    return agreement


def report_lines(agreement: Agreement) -> list[str]:
    """The figures as lines of plain text, as `classify --evaluate` prints them."""
    lines = [
        f"statements: {agreement.total}",
        f"accuracy: {percent(agreement.accuracy)} ({agreement.correct}/{agreement.total})",
        f"talk called action: {percent(agreement.talk_called_action)}",
    ]
    for kind in KINDS:
        precision, recall = percent(agreement.precision(kind)), percent(agreement.recall(kind))
        lines.append(f"{kind}: precision {precision}, recall {recall}")
    width = max(len(kind) for kind in KINDS) + 2
    lines.append("confusion (rows: labelled, columns: suggested)")
    lines.append(" " * (width + 9) + "".join(f"{kind:>{width}}" for kind in KINDS))
    for actual in KINDS:
        cells = "".join(f"{agreement.counts[(actual, suggested)]:>{width}}" for suggested in KINDS)
        lines.append(f"labelled {actual:<{width}}{cells}")
    return lines
