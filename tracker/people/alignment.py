"""The alignment rule, a plain function over plain values: no database.

A decision is *aligned* when it rewards a target behaviour with concrete
evidence (or, for a demotion or exit, removes a no-no with evidence) and,
for a promotion or recognition, the person has no recorded no-no. The
result is stored on each decision by `decisions.refresh_alignment`, so
lists, reports and exports count it in SQL.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from tracker.people.models import DECISION_KINDS, REMOVING_KINDS

# Kinds for which a recorded no-no makes the decision not aligned, and how to say so.
BARRED_BY_NO_NO = {"promotion": "promoted", "recognition": "recognised"}


@dataclass(frozen=True)
class EvidenceFact:
    """One piece of evidence as the rule sees it."""

    behaviour: str
    behaviour_kind: str  # "target" or "no_no"
    what: str = ""
    observed_on: date | None = None
    where: str = ""

    @property
    def is_concrete(self) -> bool:
        """What the person did, when, and where it is recorded: all three."""
        return bool(self.what.strip() and self.observed_on and self.where.strip())


@dataclass(frozen=True)
class Alignment:
    aligned: bool
    reasons: list[str] = field(default_factory=list)


def _lower_first(name: str) -> str:
    # "Punishing rule-bending" reads as "…: punishing rule-bending"; "NPS gaming" stays.
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


def alignment(decision_kind: str, evidences: Iterable[EvidenceFact],
              prior_no_no_evidence: Iterable[EvidenceFact]) -> Alignment:
    """Whether a decision of `decision_kind` with `evidences` is aligned.

    Hires, promotions, lateral moves and recognition need concrete evidence
    of at least one target behaviour; demotions and exits need concrete
    evidence of a no-no they remove. A promotion or recognition is never
    aligned when the person has a recorded no-no (`prior_no_no_evidence`, or
    a no-no among its own evidence): one reason per no-no, in words.
    Raises ValueError for an unknown kind.
    """
    if decision_kind not in DECISION_KINDS:
        raise ValueError(f"unknown kind of decision: {decision_kind!r}")
    label = DECISION_KINDS[decision_kind].lower()
    evidences = list(evidences)
    concrete = [e for e in evidences if e.is_concrete]
    reasons = []
    if decision_kind in REMOVING_KINDS:
        if not any(e.behaviour_kind == "no_no" for e in concrete):
            reasons.append(f"{label} with no no-no evidence")
    elif not any(e.behaviour_kind == "target" for e in concrete):
        reasons.append(f"{label} with no behaviour evidence")
    if decision_kind in BARRED_BY_NO_NO:
        against = [e.behaviour for e in [*prior_no_no_evidence, *evidences]
                   if e.behaviour_kind == "no_no"]
        for name in dict.fromkeys(against):  # each no-no once, in the order met
            reasons.append(f"{BARRED_BY_NO_NO[decision_kind]} despite recorded no-no: "
                           f"{_lower_first(name)}")
    return Alignment(aligned=not reasons, reasons=reasons)
