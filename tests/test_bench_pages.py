"""The benchmark measures every page a signed-in person can open: a GET route
that `bench.run` neither measures nor excuses (with a reason) fails here, so
a new page cannot be left out of it. No organisation is generated: the pages
are listed for made-up record ids and matched against the app's routes."""

import pytest

from bench.generate import LOGINS
from bench.run import NOT_MEASURED, endpoint_of, not_measured_reason, pages_for
from tracker import create_app


class _AnyRecord(dict):
    """Every record `pages_for` asks for exists, with id 7."""

    def __missing__(self, key):
        return 7

    def get(self, key, default=None):
        return 7


@pytest.fixture(scope="module")
def app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench-pages-test"})


@pytest.fixture(scope="module")
def pages():
    return pages_for(_AnyRecord(), "2026-W48")


def _get_routes(app) -> dict[str, str]:
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def test_every_measured_page_is_a_get_route_opened_by_a_bench_login(app, pages):
    roles = {role for role, _, _, _ in LOGINS}
    for page in pages:
        endpoint_of(app, page.path)  # raises NotFound or MethodNotAllowed otherwise
        assert page.login in roles, page
    names = [page.name for page in pages]
    assert len(names) == len(set(names)), "two pages measured under one name"


def test_every_get_route_is_measured_or_excused_with_a_reason(app, pages):
    measured = {endpoint_of(app, page.path) for page in pages}
    missing = sorted(f"{endpoint} ({rule})" for endpoint, rule in _get_routes(app).items()
                     if endpoint not in measured and not not_measured_reason(endpoint, rule))
    assert not missing, ("GET pages bench.run does not measure: add each to bench/run.py's pages_for "
                         f"on the busiest record, or to NOT_MEASURED with the reason: {missing}")


def test_every_excused_endpoint_is_a_route_that_is_not_measured(app, pages):
    measured = {endpoint_of(app, page.path) for page in pages}
    routes = _get_routes(app)
    assert not sorted(set(NOT_MEASURED) - set(routes)), "NOT_MEASURED names an endpoint that is gone"
    assert not sorted(set(NOT_MEASURED) & measured), "NOT_MEASURED names a page that is measured"


def test_the_new_feature_pages_are_measured(app, pages):
    measured = {endpoint_of(app, page.path) for page in pages}
    assert {"incentives.index", "incentives.detail", "tokens.token_list", "tokens.admin_tokens",
            "webhooks.index", "webhooks.detail", "api_docs.reference"} <= measured
