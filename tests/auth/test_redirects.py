import pytest

from tracker.auth.redirects import safe_next_url


@pytest.mark.parametrize(
    "target",
    ["//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)", "", None,
     "evil.com", "/ok\r\nSet-Cookie: x", "http:/evil.com", "\\\\evil.com"],
)
def test_unsafe_targets_are_refused(target):
    assert safe_next_url(target) is None


@pytest.mark.parametrize("target", ["/", "/initiatives/3", "/account?x=1#top"])
def test_local_paths_are_allowed(target):
    assert safe_next_url(target) == target
