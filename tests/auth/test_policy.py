"""Who may do what, as one table, and no role name outside the policy."""

import ast
import re
from pathlib import Path

import pytest
from flask_login import AnonymousUserMixin

from tracker.accounts.models import User
from tracker.auth import policy
from tracker.auth.policy import may, permission_required
from tracker.checkins.models import CheckIn
from tracker.initiatives.models import Initiative
from tracker.metrics.models import Metric, Reading

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("admin", "executive", "hr", "member")
OWN, OTHERS, NONE = "own", "someone else's", "no object"
Y, N = True, False
ME, SOMEONE = 1, 2

# (action, ownership):               admin executive hr  member
TABLE = {
    ("manage_users", NONE):             (Y, N, N, N),
    ("manage_departments", NONE):       (Y, N, N, N),
    ("manage_settings", NONE):          (Y, N, N, N),
    ("read_job_status", NONE):          (Y, N, N, N),
    ("read_outbox", NONE):              (Y, N, N, N),
    ("resend_mail", NONE):              (Y, N, N, N),
    ("manage_api_tokens", NONE):        (Y, N, N, N),
    ("manage_webhooks", NONE):          (Y, N, N, N),
    ("manage_classifier", NONE):        (Y, N, N, N),
    ("read_organisation_digest", NONE): (Y, Y, N, N),
    ("review_checkins", NONE):          (Y, Y, N, N),
    ("assign_owners", NONE):            (Y, Y, N, N),
    ("sponsor_initiatives", NONE):      (Y, Y, N, N),
    ("manage_behaviours", NONE):        (Y, Y, Y, N),
    ("read_people", NONE):              (Y, Y, Y, N),
    ("edit_people", NONE):              (Y, N, Y, N),
    ("manage_incentives", NONE):        (Y, Y, Y, N),
    ("read_incentive_details", NONE):   (Y, Y, Y, N),
    ("edit_initiative", OWN):           (Y, Y, Y, Y),
    ("edit_initiative", OTHERS):        (Y, Y, N, N),
    ("edit_initiative", NONE):          (Y, Y, N, N),
    ("edit_metric", OWN):               (Y, Y, Y, Y),
    ("edit_metric", OTHERS):            (Y, Y, N, N),
    ("edit_metric", NONE):              (Y, Y, N, N),
    ("record_reading", OWN):            (Y, Y, Y, Y),
    ("record_reading", OTHERS):         (Y, Y, N, N),
    ("record_reading", NONE):           (Y, Y, N, N),
    # A reading's metric owner (and its recorder, below) correct it; leaders any.
    ("correct_reading", OWN):           (Y, Y, Y, Y),
    ("correct_reading", OTHERS):        (Y, Y, N, N),
    ("correct_reading", NONE):          (Y, Y, N, N),
    # Leaders review check-ins; only the initiative's owner reports on one.
    ("report_checkin", OWN):            (Y, Y, Y, Y),
    ("report_checkin", OTHERS):         (N, N, N, N),
    ("report_checkin", NONE):           (N, N, N, N),
    # Everyone sees their own digest; admins anyone's (what the outbox sent them).
    ("preview_digest", OWN):            (Y, Y, Y, Y),
    ("preview_digest", OTHERS):         (Y, N, N, N),
    ("preview_digest", NONE):           (Y, N, N, N),
}

# The object an owned action is about, owned by `owner_id`.
OBJECTS = {
    "edit_initiative": lambda owner_id: Initiative(owner_id=owner_id),
    "edit_metric": lambda owner_id: Metric(owner_id=owner_id),
    "record_reading": lambda owner_id: Metric(owner_id=owner_id),
    "correct_reading": lambda owner_id: Reading(metric=Metric(owner_id=owner_id), recorded_by_id=3),
    "report_checkin": lambda owner_id: CheckIn(initiative=Initiative(owner_id=owner_id)),
    "preview_digest": lambda owner_id: User(id=owner_id),
}


def _object(action: str, ownership: str):
    if ownership == NONE:
        return None
    return OBJECTS[action](ME if ownership == OWN else SOMEONE)


CASES = [pytest.param(role, action, ownership, allowed, id=f"{role}-{action}-{ownership}")
         for (action, ownership), row in TABLE.items()
         for role, allowed in zip(ROLES, row, strict=True)]


@pytest.mark.parametrize(("role", "action", "ownership", "allowed"), CASES)
def test_who_may_do_what(role, action, ownership, allowed):
    user = User(id=ME, role=role)
    assert may(user, action, _object(action, ownership)) is allowed


@pytest.mark.parametrize("role", ROLES)
def test_whoever_recorded_a_reading_may_correct_it(role):
    reading = Reading(metric=Metric(owner_id=SOMEONE), recorded_by_id=ME)
    assert may(User(id=ME, role=role), "correct_reading", reading)


def test_the_table_covers_every_action_and_every_ownership_of_owned_actions():
    assert {action for action, _ in TABLE} == policy.ACTIONS
    owned = {action for action, ownership in TABLE if ownership != NONE}
    assert owned == set(OBJECTS)
    assert {(a, o) for a in owned for o in (OWN, OTHERS, NONE)} <= set(TABLE)


@pytest.mark.parametrize("action", sorted(policy.ACTIONS))
def test_nobody_signed_in_may_do_anything(action):
    assert not may(None, action)
    assert not may(AnonymousUserMixin(), action)


def test_an_unknown_action_is_an_error_not_a_refusal():
    with pytest.raises(ValueError, match="unknown action"):
        may(User(id=ME, role="admin"), "edit_initiatives")
    with pytest.raises(ValueError, match="unknown action"):
        permission_required("manage_user")


# No role name outside the policy and the account model

ALLOWED_FILES = {ROOT / "tracker/auth/policy.py", ROOT / "tracker/accounts/models.py"}
# Word lists that hold these words as English, not as roles: the classifier's
# nouns ("an executive", "a member", "HR said") and the standards' time units
# ("hr" for hour). Allowed by file and word, so a role check there still fails.
LANGUAGE_WORDS = {
    ROOT / "tracker/checkins/classifier.py": {"executive", "member", "hr"},
    ROOT / "tracker/metrics/standards.py": {"hr"},
    ROOT / "tracker/inbound_mail.py": {"hr"},  # the HTML tag <hr>
}
TEMPLATE_ROLE = re.compile(r"""(['"])(admin|executive|hr|member)\1""")


def role_literals_in_python(source: str) -> list[tuple[int, str]]:
    """(line, word) for each string constant that is exactly a role's value."""
    return sorted((node.lineno, node.value) for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Constant) and node.value in ROLES)


def test_the_scan_finds_role_literals_in_checks_decorators_and_templates():
    source = 'if user.role in ("admin", "hr"):\n    pass\n@role_required("member")\ndef f(): pass\n'
    assert role_literals_in_python(source) == [(1, "admin"), (1, "hr"), (3, "member")]
    assert role_literals_in_python('x = "admin@example.com"; y = "HR"; z = "/admin"') == []
    assert TEMPLATE_ROLE.search("{% if has_role('admin', 'executive') %}")
    assert not TEMPLATE_ROLE.search("{% if can('review_checkins') %} HR admin")


def test_no_role_name_outside_the_policy_and_the_account_model():
    found = []
    for path in sorted((ROOT / "tracker").rglob("*.py")):
        if path in ALLOWED_FILES:
            continue
        allowed_words = LANGUAGE_WORDS.get(path, set())
        found += [f"{path.relative_to(ROOT)}:{line}: {word!r}"
                  for line, word in role_literals_in_python(path.read_text(encoding="utf-8"))
                  if word not in allowed_words]
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if TEMPLATE_ROLE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "role names belong in tracker/auth/policy.py:\n" + "\n".join(found)
