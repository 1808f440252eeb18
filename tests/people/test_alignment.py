"""The alignment rule, as a plain function: no database, no app."""

from datetime import date

import pytest

from tracker.csvfile import safe_cell
from tracker.people.alignment import Alignment, EvidenceFact, alignment

BEND = EvidenceFact("Frontline bends the rules for the customer", "target",
                    what="Refunded $180 on the spot", observed_on=date(2026, 1, 5),
                    where="Case CS-48812")
HEROES = EvidenceFact("Service heroes recognised", "target", what="Thanked 12 agents by name",
                      observed_on=date(2026, 2, 1), where="Awards log HR-AW-03")
PUNISH = EvidenceFact("Punishing rule-bending", "no_no", what="Wrote up an agent for a $45 refund",
                      observed_on=date(2025, 11, 3), where="HR case HR-331")
STRANGERS = EvidenceFact("Deals for strangers that loyal customers can't get", "no_no",
                         what="Sign-up-only discount", observed_on=date(2025, 10, 1),
                         where="Deal desk log DL-2291")


@pytest.mark.parametrize("kind", ["hire", "promotion", "lateral_move", "recognition"])
def test_rewarding_a_target_behaviour_with_evidence_is_aligned(kind):
    assert alignment(kind, [BEND], []) == Alignment(aligned=True, reasons=[])


@pytest.mark.parametrize("kind, reason", [
    ("hire", "hire with no behaviour evidence"),
    ("promotion", "promotion with no behaviour evidence"),
    ("lateral_move", "lateral move with no behaviour evidence"),
    ("recognition", "recognition with no behaviour evidence"),
])
def test_a_reward_without_behaviour_evidence_is_not_aligned_and_says_so(kind, reason):
    result = alignment(kind, [], [])
    assert not result.aligned
    assert result.reasons == [reason]


@pytest.mark.parametrize("kind", ["demotion", "exit"])
def test_a_demotion_or_exit_that_removes_a_no_no_with_evidence_is_aligned(kind):
    assert alignment(kind, [PUNISH], []).aligned


@pytest.mark.parametrize("kind", ["demotion", "exit"])
def test_a_demotion_or_exit_without_no_no_evidence_is_not_aligned(kind):
    result = alignment(kind, [BEND], [])
    assert not result.aligned
    assert result.reasons == [f"{kind} with no no-no evidence"]


def test_promotion_despite_a_recorded_no_no_is_not_aligned_even_with_target_evidence():
    result = alignment("promotion", [BEND], [PUNISH])
    assert not result.aligned
    assert result.reasons == ["promoted despite recorded no-no: punishing rule-bending"]


def test_recognition_despite_a_recorded_no_no_is_not_aligned():
    result = alignment("recognition", [HEROES], [STRANGERS])
    assert result.reasons == [
        "recognised despite recorded no-no: deals for strangers that loyal customers can't get"]


def test_every_reason_is_given_each_no_no_once():
    result = alignment("promotion", [], [PUNISH, STRANGERS, PUNISH])
    assert result.reasons == [
        "promotion with no behaviour evidence",
        "promoted despite recorded no-no: punishing rule-bending",
        "promoted despite recorded no-no: deals for strangers that loyal customers can't get",
    ]


@pytest.mark.parametrize("kind", ["hire", "lateral_move"])
def test_a_recorded_no_no_only_bars_promotions_and_recognition(kind):
    assert alignment(kind, [BEND], [PUNISH]).aligned


def test_a_no_no_among_the_promotions_own_evidence_counts_against_it_not_for_it():
    result = alignment("promotion", [PUNISH], [])
    assert result.reasons == ["promotion with no behaviour evidence",
                              "promoted despite recorded no-no: punishing rule-bending"]


def test_prior_evidence_that_is_a_target_behaviour_is_not_held_against_anyone():
    assert alignment("promotion", [BEND], [HEROES]).aligned


@pytest.mark.parametrize("missing", ["what", "observed_on", "where"])
def test_evidence_missing_what_when_or_where_is_not_evidence(missing):
    vague = EvidenceFact(BEND.behaviour, "target", what=BEND.what, observed_on=BEND.observed_on,
                         where=BEND.where)
    vague = EvidenceFact(**{**vague.__dict__, missing: None if missing == "observed_on" else "  "})
    assert alignment("promotion", [vague], []).reasons == ["promotion with no behaviour evidence"]


def test_an_acronym_keeps_its_capitals_in_the_reason():
    nps = EvidenceFact("NPS gaming", "no_no", what="x", observed_on=date(2026, 1, 1), where="y")
    assert alignment("recognition", [BEND], [nps]).reasons == [
        "recognised despite recorded no-no: NPS gaming"]


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown kind"):
        alignment("sabbatical", [BEND], [])


# CSV cells: a plain helper the exports rely on

@pytest.mark.parametrize("value, expected", [
    ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTAB", "'\tTAB"), ("\rCR", "'\rCR"),
    ("Aisha Rahman", "Aisha Rahman"), ("E-2031", "E-2031"), (12, "12"), (None, ""),
])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(value, expected):
    assert safe_cell(value) == expected
