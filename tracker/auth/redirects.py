"""Where a `next` parameter may send the browser: only inside this app."""

from urllib.parse import urlsplit


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a path on this site, otherwise None.

    Refuses absolute URLs, scheme-relative `//host`, the `/\\host` trick that
    browsers read as `//host`, control characters and any scheme such as
    `javascript:`.
    """
    if not target or len(target) > 2048:
        return None
    if any(ord(ch) < 32 or ch == "\x7f" for ch in target):
        return None
    if "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
