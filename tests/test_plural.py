"""Counts in words read as a person would write them."""

import pytest

from tracker.plural import counted


@pytest.mark.parametrize(("number", "noun", "plural", "words"), [
    (1, "act", None, "1 act"),
    (0, "act", None, "0 acts"),
    (2, "missed check-in", None, "2 missed check-ins"),
    (1, "entry", "entries", "1 entry"),
    (3, "entry", "entries", "3 entries"),
    (1200, "reading", None, "1,200 readings"),
])
def test_a_noun_is_plural_unless_there_is_exactly_one(number, noun, plural, words):
    assert counted(number, noun, plural) == words
