"""Helpers for the picker fields (tracker.forms.PickerField): the ways a
person may name an account, and what a picker input shows."""

from tests.conftest import count_queries
from tests.form_errors import _page


def ways_to_name(user) -> dict[str, str]:
    """Each kind of text a picker field takes for `user`, by what it is."""
    return {"number": str(user.id), "email in another case": user.email.upper(),
            "name and email": f"{user.display_name} <{user.email}>",
            "name": user.display_name.lower()}


WAYS = ("number", "email in another case", "name and email", "name")


def picker(response_or_html, field_id: str) -> dict[str, str]:
    """The picker input's attributes (its `value` is what it shows), after
    checking it is a text input with a datalist for its suggestions."""
    page = _page(response_or_html)
    attrs = page.attrs_by_id[field_id]
    assert attrs["tag"] == "input" and attrs["type"] == "text"
    assert page.attrs_by_id[attrs["list"]]["tag"] == "datalist"
    assert attrs["data-picker"]
    return attrs


def statements_and_sizes(app, client, urls) -> list[tuple[int, int]]:
    """(SQL statements, bytes) of each page in `urls`, each answered 200:
    measured before and after adding many people, a form with a picker
    shows the same page. Each page is opened once first: the first view
    after a write builds the long selects' kept options (tracker.options),
    one statement more, whatever the number of people."""
    found = []
    for url in urls:
        assert client.get(url).status_code == 200, url
        with count_queries(app) as n:
            response = client.get(url)
        assert response.status_code == 200, url
        found.append((n(), len(response.data)))
    return found
