"""How passwords are kept and which ones are accepted: the one home for both.

New hashes are Argon2id (argon2-cffi) with the parameters named by
`PASSWORD_HASH_METHOD`, written `argon2id:<memory KiB>:<time cost>:<parallelism>`.
Hashes written by older versions (werkzeug's `scrypt:` and `pbkdf2:`) still
verify, and `needs_rehash` says when a stored hash should be replaced at the
next successful sign-in.

Strength is judged by zxcvbn, an estimator built on real password leaks,
common names, keyboard patterns and repeats, so that `password1234` and
`aaaaaaaaaaaa` are refused whatever their length.
"""

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash

ARGON2_PREFIX = "$argon2id$"
# zxcvbn refuses longer input; a password whose first 72 characters are weak
# is weak enough to refuse.
STRENGTH_CHECKED_LENGTH = 72
MINIMUM_SCORE = 3  # zxcvbn: "safely unguessable", about 10^8 guesses or more
MAXIMUM_LENGTH = 1024


class WeakPassword(ValueError):
    """The password breaks a rule; the message says which, fit to show the user."""


@cache
def hasher_for(method: str) -> PasswordHasher:
    """The Argon2id hasher for a `PASSWORD_HASH_METHOD` value; ValueError for any other."""
    name, *parameters = method.split(":")
    if name != "argon2id" or len(parameters) != 3 or not all(p.isdigit() for p in parameters):
        raise ValueError(
            f"PASSWORD_HASH_METHOD must look like 'argon2id:19456:2:1' "
            f"(memory KiB, time cost, parallelism), not {method!r}"
        )
    memory_kib, time_cost, parallelism = (int(p) for p in parameters)
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
        hash_len=32, salt_len=16, type=Type.ID,
    )


def _hasher() -> PasswordHasher:
    return hasher_for(current_app.config["PASSWORD_HASH_METHOD"])


def hash_password(password: str) -> str:
    """An Argon2id hash of `password` with the configured parameters."""
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches `stored_hash` (Argon2id, or werkzeug's older formats)."""
    if stored_hash.startswith("$argon2"):
        try:
            return _hasher().verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
    return check_password_hash(stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    """True for a hash in an older format or with other parameters than configured."""
    if not stored_hash.startswith(ARGON2_PREFIX):
        return True
    try:
        return _hasher().check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def spend_a_verification(password: str) -> None:
    """Take as long as a real check, so that the answer's timing does not say
    whether an account exists."""
    verify_password(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)


@cache
def _dummy_hash(method: str) -> str:
    return hasher_for(method).hash("not anybody's password")


def check_password_rules(password: str, *, about: Iterable[str] = ()) -> None:
    """Raise WeakPassword unless `password` is long enough and hard to guess.

    `about` holds what an attacker would try first for this account (email,
    name, the organisation): a password built from them is refused too.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    password = password or ""
    if len(password) < minimum:
        raise WeakPassword(f"Passwords must be at least {minimum} characters long.")
    if len(password) > MAXIMUM_LENGTH:
        raise WeakPassword(f"Passwords must be at most {MAXIMUM_LENGTH} characters long.")
    # Imported here: its word lists take a fifth of a second to load, which
    # every CLI call and worker start would pay otherwise.
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:STRENGTH_CHECKED_LENGTH], user_inputs=_hints(about))
    if result["score"] >= MINIMUM_SCORE:
        return
    feedback = result["feedback"]
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        reason = "It is made from your name, your email or the organisation's name."
    else:
        reason = feedback.get("warning") or _guess_time(result)
    advice = " ".join(feedback.get("suggestions") or ["Add another word or two. Uncommon words are better."])
    raise WeakPassword(f"This password is too easy to guess. {reason} {advice}")


def _hints(about: Iterable[str]) -> list[str]:
    """Each hint as given, run together, and word by word: zxcvbn matches whole tokens."""
    hints: set[str] = set()
    for text in about:
        words = [w for w in re.split(r"[\W_]+", (text or "").lower()) if len(w) >= 3]
        hints.update(words)
        if words:
            hints.update({(text or "").lower().strip(), "".join(words), " ".join(words)})
    return sorted(hints)


def _guess_time(result: dict[str, Any]) -> str:
    took = result["crack_times_display"]["offline_slow_hashing_1e4_per_second"]
    return f"An attacker with a stolen copy of the database would guess it in {took}."
