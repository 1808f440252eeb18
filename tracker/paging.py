"""The page a list is asked for, read the same way by every paged list."""

from collections.abc import Mapping


def page_from_args(args: Mapping[str, str]) -> int:
    """The 1-based `page` of a query string; anything else (or absurdly far) is page 1."""
    value = (args.get("page") or "").strip()
    if value.isdecimal() and len(value) < 7:
        return max(int(value), 1)
    return 1
