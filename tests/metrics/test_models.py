"""Which way a metric moved: the one rule every page, digest and flag uses."""

import pytest

from tracker.metrics.models import Metric


@pytest.mark.parametrize(("direction", "before", "after", "movement"), [
    ("higher", 60, 65, "toward"), ("higher", 60, 55, "away"),
    ("lower", 10, 8, "toward"), ("lower", 10, 12, "away"),
    ("higher", 60, 60, ""), ("lower", None, 5, ""), ("higher", 5, None, ""),
])
def test_movement_follows_which_way_is_better(direction, before, after, movement):
    metric = Metric(direction=direction, baseline=0, target=100 if direction == "higher" else -100)
    assert metric.movement(before, after) == movement
    if movement:
        assert metric.is_better(after, before) == (movement == "toward")
        assert metric.is_better(before, after) == (movement == "away")


def test_an_equal_value_is_not_better_either_way():
    for direction in ("higher", "lower"):
        assert not Metric(direction=direction).is_better(7.0, 7.0)


def test_progress_runs_from_baseline_to_target_and_goes_negative_the_wrong_way():
    metric = Metric(direction="lower", baseline=40, target=20)
    assert (metric.progress(40), metric.progress(30), metric.progress(20)) == (0, 0.5, 1)
    assert metric.progress(50) == -0.5
    assert metric.progress(None) is None
    assert Metric(direction="higher", baseline=5, target=5).progress(6) is None
