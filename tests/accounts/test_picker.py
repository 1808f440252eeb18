"""Naming a person or an initiative by typing (tracker.accounts.picker,
tracker.initiatives.picker) and the suggestions endpoints behind the picker
fields: what each kind of text resolves to, what a person is told when it
names nobody or several, and what a search returns to whom."""

import pytest

from tests import factories
from tracker.accounts.picker import (
    MAX_SUGGESTIONS,
    account_shown,
    resolve_account,
    search_accounts,
)
from tracker.accounts.services import AccountError
from tracker.extensions import db
from tracker.initiatives.picker import initiative_shown, resolve_initiative, search_initiatives
from tracker.initiatives.services import InitiativeError


@pytest.fixture
def people(ctx):
    sam = factories.make_user("member", name="Sam Lee", email="sam.lee@example.com")
    twins = [factories.make_user("member", name="Alex Kim", email=f"alex{n}@example.com")
             for n in range(3)]
    gone = factories.make_user("member", name="Pat Gone", email="pat@example.com", active=False)
    db.session.commit()
    return {"sam": sam, "twins": twins, "gone": gone}


def test_a_number_an_email_in_any_case_and_name_with_email_each_name_the_account(people):
    sam = people["sam"]
    assert resolve_account(str(sam.id)) == sam.id
    assert resolve_account(" SAM.Lee@Example.COM ") == sam.id
    assert resolve_account("Sam Lee <sam.lee@example.com>") == sam.id
    # The suggestion's own text, as the field shows it, comes back to the same account.
    assert resolve_account(account_shown(sam.id)) == sam.id
    # The address decides, whatever name is typed before it.
    assert resolve_account("Samuel <SAM.LEE@example.com>") == sam.id


def test_a_name_only_one_account_has_names_it_in_any_case(people):
    assert resolve_account("Sam Lee") == people["sam"].id
    assert resolve_account("  sam   lee ") == people["sam"].id


def test_nothing_typed_or_the_old_none_choice_is_no_account(people):
    assert resolve_account("") is None
    assert resolve_account("   ") is None
    assert resolve_account("0") is None


def test_a_name_several_people_share_asks_for_the_email(people):
    with pytest.raises(AccountError, match=r"^3 people are called Alex Kim: type their email\.$"):
        resolve_account("Alex Kim")


def test_text_that_names_nobody_says_so(people):
    with pytest.raises(AccountError, match=r"^No account called 'Nobody Here': type their email\.$"):
        resolve_account("Nobody Here")
    with pytest.raises(AccountError, match="No account has the email 'who@example.com'"):
        resolve_account("who@example.com")
    with pytest.raises(AccountError, match="No account has the email 'who@example.com'"):
        resolve_account("Sam Lee <who@example.com>")
    with pytest.raises(AccountError, match="No account has the number 99999999999"):
        resolve_account("99999999999")


def test_hostile_text_is_refused_in_words(people):
    with pytest.raises(AccountError, match="single line"):
        resolve_account("Sam\x00Lee")
    with pytest.raises(AccountError, match="at most"):
        resolve_account("x" * 1000)
    with pytest.raises(AccountError, match="No account called '%'"):
        resolve_account("%")


def test_an_inactive_account_resolves_and_the_service_decides(people):
    # Resolving names the account; the owner rules (active) stay with the services.
    assert resolve_account("pat@example.com") == people["gone"].id


def test_search_matches_name_or_email_any_case_active_first(people):
    values = [s["value"] for s in search_accounts("PAT", include_inactive=True)]
    assert values == ["Pat Gone <pat@example.com>"]
    assert search_accounts("pat", include_inactive=False) == []
    found = search_accounts("example.com", include_inactive=True)
    assert [s["label"] for s in found][-1] == "no longer active"
    assert all(s["label"] == "" for s in found[:-1])
    assert [s["value"] for s in search_accounts("sam.l", include_inactive=False)] == [
        "Sam Lee <sam.lee@example.com>"]


def test_search_puts_names_starting_with_the_text_first(ctx):
    factories.make_user("member", name="Ann Marsh", email="a1@example.com")
    factories.make_user("member", name="Marsha Ives", email="a2@example.com")
    db.session.commit()
    assert [s["value"].split(" <")[0] for s in search_accounts("mars", include_inactive=False)] == [
        "Marsha Ives", "Ann Marsh"]


def test_search_returns_at_most_twenty_and_nothing_for_one_letter(ctx):
    for n in range(MAX_SUGGESTIONS + 5):
        factories.make_user("member", name=f"Robin {n:02}", email=f"robin{n}@example.com")
    db.session.commit()
    assert len(search_accounts("robin", include_inactive=False)) == MAX_SUGGESTIONS
    assert search_accounts("r", include_inactive=False) == []
    assert search_accounts("", include_inactive=False) == []


def test_search_wildcards_match_only_themselves(ctx):
    factories.make_user("member", name="Under_Score", email="u1@example.com")
    factories.make_user("member", name="Under Xcore", email="u2@example.com")
    factories.make_user("member", name="Fifty% Off", email="u3@example.com")
    db.session.commit()
    assert [s["value"] for s in search_accounts("r_s", include_inactive=False)] == [
        "Under_Score <u1@example.com>"]
    assert [s["value"] for s in search_accounts("y%", include_inactive=False)] == [
        "Fifty% Off <u3@example.com>"]
    assert search_accounts("%%", include_inactive=False) == []
    assert search_accounts("\\_", include_inactive=False) == []


@pytest.fixture
def initiatives(ctx):
    owner = factories.make_user("member")
    made = {title: factories.make_initiative(title, owner=owner)
            for title in ("Close the Leeds office", "Bring support in-house", "Twice")}
    made["Twice again"] = factories.make_initiative("Twice", owner=owner)
    db.session.commit()
    return made


def test_an_initiative_is_named_by_number_hash_number_title_or_unique_title(initiatives):
    leeds = initiatives["Close the Leeds office"]
    for typed in (str(leeds.id), f"#{leeds.id}", f"#{leeds.id} Close the Leeds office",
                  initiative_shown(leeds.id), "close the leeds office"):
        assert resolve_initiative(typed) == leeds.id
    assert resolve_initiative("") is None
    assert resolve_initiative("0") is None


def test_an_initiative_title_shared_or_unknown_asks_for_the_number(initiatives):
    with pytest.raises(InitiativeError, match=r"^2 initiatives are called 'Twice': type its number"):
        resolve_initiative("Twice")
    with pytest.raises(InitiativeError, match=r"^No initiative called 'Open Mars': type its number"):
        resolve_initiative("Open Mars")


def test_initiative_search_by_title_or_number(initiatives):
    leeds = initiatives["Close the Leeds office"]
    assert [s["value"] for s in search_initiatives("leeds")] == [f"#{leeds.id} Close the Leeds office"]
    assert search_initiatives(f"#{leeds.id}")[0]["value"] == f"#{leeds.id} Close the Leeds office"
    assert search_initiatives("leeds")[0]["label"] == "Proposed"
    assert search_initiatives("l") == []
    assert search_initiatives("%") == []


# The endpoints

def test_the_people_search_needs_a_signed_in_person(client):
    response = client.get("/accounts/people.json?q=sam")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.get("/initiatives/search.json?q=leeds")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "sees_inactive"), [("member", False), ("executive", True),
                                                      ("hr", True), ("admin", True)])
def test_whoever_may_open_an_owner_form_may_search_and_hr_sees_former_staff(
        app, client, login_as, role, sees_inactive):
    with app.app_context():
        factories.make_user("member", name="Pat Here", email="pat.here@example.com")
        factories.make_user("member", name="Pat Gone", email="pat.gone@example.com", active=False)
        db.session.commit()
    login_as(role)
    response = client.get("/accounts/people.json?q=pat")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    expected = [{"value": "Pat Here <pat.here@example.com>", "label": ""}]
    if sees_inactive:
        expected.append({"value": "Pat Gone <pat.gone@example.com>", "label": "no longer active"})
    assert response.get_json() == expected


def test_the_endpoints_answer_at_most_twenty_and_hostile_text_with_a_list(app, client, login_as):
    with app.app_context():
        owner = factories.make_user("member")
        for n in range(25):
            factories.make_user("member", name=f"Robin {n:02}", email=f"robin{n}@example.com")
            factories.make_initiative(f"Robin's move {n:02}", owner=owner)
        db.session.commit()
    login_as("hr")
    assert len(client.get("/accounts/people.json?q=robin").get_json()) == 20
    assert len(client.get("/initiatives/search.json?q=robin").get_json()) == 20
    assert client.get("/accounts/people.json?q=r").get_json() == []
    assert client.get("/accounts/people.json").get_json() == []
    for hostile in ("%25", "_", "%00", "a%00b", "x" * 5000, "%E2%80%AE%F0%9F%94%A5", "%5C"):
        for path in ("/accounts/people.json", "/initiatives/search.json"):
            response = client.get(f"{path}?q={hostile}")
            assert response.status_code == 200, (path, hostile)
            assert isinstance(response.get_json(), list)
