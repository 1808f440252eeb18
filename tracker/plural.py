"""Counts in words: "1 act", "2 acts", "1 missed check-in"; the one rule
pages, digests and mails use (the `counted` template filter)."""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, the noun plural unless the number is exactly one:
    "1 action", "0 actions", "3 entries" (`plural` for nouns that do not take
    an s: ``counted(3, "entry", "entries")``). Numbers get thousands commas."""
    word = noun if number == 1 else (plural or noun + "s")
    return f"{number:,} {word}"
