"""The page a list is asked for, read the same way by every paged list, and
one page of a list already in memory."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


def page_from_args(args: Mapping[str, str]) -> int:
    """The 1-based `page` of a query string; anything else (or absurdly far) is page 1."""
    value = (args.get("page") or "").strip()
    if value.isdecimal() and len(value) < 7:
        return max(int(value), 1)
    return 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of `per_page` items, with the paging attributes `_pager.html`
    reads; a page past the end has no items rather than being an error."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @classmethod
    def of(cls, everything: Sequence[T], page: int, per_page: int) -> "Page[T]":
        """Page `page` (from 1) of a list already computed."""
        start = (page - 1) * per_page
        return cls(list(everything[start:start + per_page]), len(everything), page, per_page)

    @property
    def first(self) -> int:
        """The 1-based position of this page's first item in the whole list."""
        return (self.page - 1) * self.per_page + 1

    @property
    def pages(self) -> int:
        return max(-(-self.total // self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The page before; from past the end, the last page."""
        return min(self.page - 1, self.pages) if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None
