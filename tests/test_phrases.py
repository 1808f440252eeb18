"""The shared phrase engine: look-up by first word, longest phrase first,
only across the words the caller lets join."""

import re
from pathlib import Path

from tracker import phrases
from tracker.checkins import classifier
from tracker.metrics import standards


def _words(text: str) -> list[str]:
    return text.lower().split()


def test_the_longest_phrase_at_a_word_wins():
    index = phrases.build_index([("soon", "short"), ("as soon as possible", "long")])

    assert phrases.match_at(_words("reply as soon as possible"), 0, index) is None
    assert phrases.match_at(_words("as soon as possible"), 0, index) == (4, "long")
    assert phrases.match_at(_words("soon"), 0, index) == (1, "short")


def test_hyphens_case_and_plurals_are_read_as_words():
    index = phrases.build_index([("Call-Centre", "place"), ("supply", "thing")], plurals=True)

    assert phrases.match_at(_words("call centres"), 0, index) == (2, "place")
    assert phrases.match_at(_words("supplies"), 0, index) == (1, "thing")


def test_a_phrase_joins_only_where_the_caller_allows_and_stops_at_stop():
    index = phrases.build_index([("town hall", "event")])
    words = _words("town hall")

    assert phrases.match_at(words, 0, index, joins=lambda k: False) is None
    assert phrases.match_at(words, 0, index, stop=1) is None
    assert phrases.match_at(words, 0, index, joins=lambda k: True) == (2, "event")


def test_blank_phrases_are_skipped():
    assert phrases.build_index([("  ", "nothing"), ("", "nothing")]) == {}


def test_month_pattern_prefers_the_longest_spelling():
    pattern = re.compile(rf"\b{phrases.MONTH_PATTERN}\b")

    assert pattern.match("september").group() == "september"
    assert pattern.match("sept").group() == "sept"


def test_numeric_dates_are_ascii_digits_only():
    pattern = re.compile(phrases.NUMERIC_DATE_PATTERN)

    assert pattern.fullmatch("2026-03-04") and pattern.fullmatch("4/3/26")
    assert not pattern.search("٢٠٢٦-٠٣-٠٤")


def test_both_text_checks_use_the_shared_engine_and_tables():
    # One copy of the month, weekday and number tables, and of phrase look-up.
    for module in (classifier, standards):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert "from tracker.phrases import" in source
        assert '"january"' not in source and '"monday"' not in source and '"twelve"' not in source
        assert "def _build_index" not in source and "def _plurals" not in source
