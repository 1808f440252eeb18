"""How passwords are hashed and which ones are accepted (no HTTP)."""

import pytest
from argon2 import PasswordHasher

from tests import factories
from tests.conftest import BASE_TEST_CONFIG
from tracker import create_app
from tracker.accounts import passwords, services


def test_default_hash_is_argon2id_with_owasp_parameters(tmp_path):
    config = {k: v for k, v in BASE_TEST_CONFIG.items() if k != "PASSWORD_HASH_METHOD"}
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    with app.app_context():
        stored = passwords.hash_password(factories.DEFAULT_PASSWORD)
        # m=19 MiB, two passes, one lane: OWASP's first Argon2id configuration.
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
        assert passwords.verify_password(stored, factories.DEFAULT_PASSWORD)
        assert not passwords.verify_password(stored, factories.DEFAULT_PASSWORD + "!")
        assert not passwords.needs_rehash(stored)


@pytest.mark.parametrize(
    "method", ["scrypt:32768:8:1", "argon2i:19456:2:1", "argon2id:19456:2", "argon2id:a:2:1"]
)
def test_a_mistyped_hash_method_stops_the_app_at_start(tmp_path, method):
    with pytest.raises(ValueError, match="PASSWORD_HASH_METHOD must look like"):
        create_app({**BASE_TEST_CONFIG, "PASSWORD_HASH_METHOD": method,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def test_hashes_from_other_parameters_or_a_broken_hash_need_replacing(ctx):
    other = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash("x")
    assert passwords.needs_rehash(other)
    assert passwords.verify_password(other, "x")
    assert passwords.needs_rehash("$argon2id$garbage")
    assert not passwords.verify_password("$argon2id$garbage", "x")
    assert not passwords.verify_password("not a hash at all", "x")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
        ("password1234", "This is a very common password."),
        ("qwertyuiop123", "This is a very common password."),
        ("abcdefghijklmnop", 'Sequences like "abc" or "6543" are easy to guess.'),
        ("Margaret Hamilton", "made from your name, your email or the organisation's name"),
        ("margarethamilton1", "made from your name, your email or the organisation's name"),
        ("BurningPlatformTracker", "made from your name, your email or the organisation's name"),
    ],
)
def test_guessable_passwords_are_refused_with_the_reason(ctx, password, reason):
    with pytest.raises(services.AccountError, match="too easy to guess") as refused:
        services.create_user(email="margaret.hamilton@example.com", display_name="Margaret Hamilton",
                             role="member", password=password)
    assert reason in str(refused.value)


def test_a_long_random_or_passphrase_password_is_accepted(ctx):
    for n, password in enumerate(["correct horse battery staple", "zYx_3kJ9aQ1w", "my dog is called rex"]):
        user = services.create_user(email=f"p{n}@example.com", display_name="P", role="member",
                                    password=password)
        assert passwords.verify_password(user.password_hash, password)


def test_generated_one_time_passwords_pass_the_rules(ctx):
    for _ in range(20):
        services.check_password_rules(services.generate_one_time_password(),
                                      email="a@example.com", display_name="A")


def test_changing_a_password_applies_the_same_rules(ctx):
    user = factories.make_user("member")
    with pytest.raises(services.AccountError, match="very common password"):
        services.change_own_password(user, current_password=factories.DEFAULT_PASSWORD,
                                     new_password="password1234")
    assert passwords.verify_password(user.password_hash, factories.DEFAULT_PASSWORD)
