"""The suggestion and conflict rules: plain values, no database."""

from datetime import date

from tracker.incentives.conflicts import JudgedSide, Side, find_conflicts
from tracker.incentives.suggestion import MetricFacts, suggest


def monthly(values, year=2026):
    return tuple((date(year, month, 28), v) for month, v in enumerate(values, start=1))


CALL_LENGTH = MetricFacts(1, "Average call length", "lower", monthly([6, 6.5, 7, 7.5, 8, 8.5]))
OWN_STAFF = MetricFacts(2, "Calls answered by our own staff", "higher", monthly([10, 25, 40, 55, 70, 85]))


def test_an_incentive_without_a_metric_is_suggested_neutral():
    s = suggest(paid=None, rewarded_direction=None, behaviour="Call centre in-sourced",
                observed_by=[OWN_STAFF])
    assert s.verdict == "neutral" and "judge it by hand" in s.reason


def test_paying_for_the_behaviours_own_metric_to_improve_supports_it():
    s = suggest(paid=OWN_STAFF, rewarded_direction="increase", behaviour="Call centre in-sourced",
                observed_by=[OWN_STAFF])
    assert s.verdict == "supports"


def test_paying_for_the_behaviours_own_metric_to_get_worse_pulls_against_it():
    s = suggest(paid=OWN_STAFF, rewarded_direction="decrease", behaviour="Call centre in-sourced",
                observed_by=[OWN_STAFF])
    assert s.verdict == "pulls_against" and "Calls answered by our own staff" in s.reason


def test_paying_for_shorter_calls_pulls_against_calls_answered_by_our_own_staff():
    """Calls grew longer month after month as our own staff took them over:
    paying for shorter calls pays for the old way."""
    s = suggest(paid=CALL_LENGTH, rewarded_direction="decrease", behaviour="Call centre in-sourced",
                observed_by=[OWN_STAFF])
    assert s.verdict == "pulls_against"
    assert s.reason.startswith("In 5 of 5 months Calls answered by our own staff improved")
    assert len(s.reason) <= 200 and "\n" not in s.reason


def test_too_few_months_in_common_leave_the_suggestion_neutral():
    short = MetricFacts(1, "Average call length", "lower", monthly([6, 7, 8]))
    s = suggest(paid=short, rewarded_direction="decrease", behaviour="Call centre in-sourced",
                observed_by=[OWN_STAFF])
    assert s.verdict == "neutral"


def test_a_metric_moving_either_way_at_random_leaves_the_suggestion_neutral():
    noisy = MetricFacts(1, "Average call length", "lower", monthly([6, 7, 6, 7, 6, 7]))
    assert suggest(paid=noisy, rewarded_direction="decrease", behaviour="x",
                   observed_by=[OWN_STAFF]).verdict == "neutral"


def side(incentive_id, department_id, start=date(2026, 1, 1), end=None):
    return Side(incentive_id, department_id, f"Dept {department_id}", f"Incentive {incentive_id}",
                start, end)


def test_two_departments_pulling_opposite_ways_on_one_behaviour_are_an_open_conflict():
    found = find_conflicts([JudgedSide(7, "In-sourced", "supports", side(1, 10)),
                            JudgedSide(7, "In-sourced", "pulls_against", side(2, 20))])
    assert len(found) == 1 and found[0].is_open
    assert found[0].name == "Dept 20 against Dept 10 on “In-sourced”"


def test_one_department_pulling_both_ways_is_not_a_conflict_between_departments():
    assert find_conflicts([JudgedSide(7, "x", "supports", side(1, 10)),
                           JudgedSide(7, "x", "pulls_against", side(2, 10))]) == []


def test_different_behaviours_are_different_touchpoints():
    assert find_conflicts([JudgedSide(7, "x", "supports", side(1, 10)),
                           JudgedSide(8, "y", "pulls_against", side(2, 20))]) == []


def test_a_conflict_is_one_per_behaviour_and_pair_of_departments():
    found = find_conflicts([JudgedSide(7, "x", "supports", side(1, 10)),
                            JudgedSide(7, "x", "pulls_against", side(2, 20)),
                            JudgedSide(7, "x", "pulls_against", side(3, 20, end=date(2026, 2, 1)))])
    assert len(found) == 1 and found[0].is_open
    assert [s.incentive_id for s in found[0].pulling] == [2, 3]


def test_a_conflict_is_resolved_from_the_day_the_first_incentive_ended():
    found = find_conflicts([JudgedSide(7, "x", "supports", side(1, 10)),
                            JudgedSide(7, "x", "pulls_against", side(2, 20, end=date(2026, 3, 3)))])
    assert [c.resolved_on for c in found] == [date(2026, 3, 3)]


def test_incentives_never_in_effect_together_are_no_conflict():
    assert find_conflicts([
        JudgedSide(7, "x", "supports", side(1, 10, start=date(2026, 3, 3))),
        JudgedSide(7, "x", "pulls_against", side(2, 20, end=date(2026, 3, 3))),
    ]) == []
