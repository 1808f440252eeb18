"""The choices of a long select, rendered once and kept until the data changes.

Some selects offer every metric (the incentive and initiative forms), every
incentive in effect or proposed (the incentive change form) or every
customer metric (each evidence row of a people decision). Built by WTForms
per request, such a select cost an object, an attribute dict and an escape
for every option, and grew with the organisation: most of those pages'
time. `kept_options` renders the options once per data version
(`tracker.cache.per_data_version`: every service that writes a metric or an
incentive records a history event, which moves the version, so a metric
renamed or added shows at the next request of every process) into one
escaped string, and `Options.html` marks the chosen option, or leaves some
out, by cutting that string at the places noted for each value: a few
slices, whatever the number of options. `tracker.forms.LongSelectField`
draws it. The values stay the records' ids and the labels their names:
what a browser shows and posts is the same as WTForms' own select.

`kept_markup` keeps any other markup the same way (the readings import
page's table of the metrics one may import into).
"""

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import ClassVar

from markupsafe import Markup, escape

from tracker import cache

SELECTED = " selected"


@dataclass(frozen=True)
class Options:
    """Options in order: `choices` as (value, label) text, `markup` every
    `<option>` escaped and joined, and for each value where its option
    starts, where " selected" goes and where it ends."""

    choices: tuple[tuple[str, str], ...]
    markup: str
    places: dict[str, tuple[int, int, int]] = field(repr=False)

    @classmethod
    def of(cls, choices: Iterable[tuple[object, object]]) -> "Options":
        """From (value, label) pairs (ids and names, as read from the
        database); every value and label is escaped here."""
        pairs = tuple((str(value), str(label)) for value, label in choices)
        parts: list[str] = []
        places: dict[str, tuple[int, int, int]] = {}
        at = 0
        for value, label in pairs:
            opening = f'<option value="{escape(value)}"'
            part = f"{opening}>{escape(label)}</option>"
            places.setdefault(value, (at, at + len(opening), at + len(part)))
            parts.append(part)
            at += len(part)
        return cls(pairs, "".join(parts), places)

    NONE: ClassVar["Options"]

    def __len__(self) -> int:
        return len(self.choices)

    def count(self, values: Collection[object]) -> int:
        """How many of `values` are among the options."""
        return len({str(v) for v in values} & self.places.keys())

    def html(self, selected: object = None, leave_out: Collection[object] = ()) -> Markup:
        """Every option, `selected`'s marked selected (none when it is not
        among them), those of `leave_out` left out: slices of the kept markup."""
        cuts: list[tuple[int, int, str]] = []  # (from, to, put instead)
        for value in leave_out:
            place = self.places.get(str(value))
            if place is not None:
                cuts.append((place[0], place[2], ""))
        chosen = self.places.get(str(selected)) if selected is not None else None
        if chosen is not None and str(selected) not in {str(v) for v in leave_out}:
            cuts.append((chosen[1], chosen[1], SELECTED))
        if not cuts:
            return Markup(self.markup)  # noqa: S704 - escaped in `of`
        pieces, at = [], 0
        for start, end, text in sorted(cuts):
            pieces += [self.markup[at:start], text]
            at = end
        pieces.append(self.markup[at:])
        return Markup("".join(pieces))  # noqa: S704 - escaped in `of`

    def iter_choices(self, leave_out: Collection[object] = ()) -> Iterator[tuple[str, str]]:
        """(value, label) of every option shown, in order."""
        left_out = {str(v) for v in leave_out}
        return ((v, label) for v, label in self.choices if v not in left_out)


Options.NONE = Options.of(())


def kept_options(name: str, choices: Callable[[], Iterable[tuple[object, object]]],
                 key: Hashable = None) -> Options:
    """`Options.of(choices())`, computed once per data version and `key`."""
    return cache.per_data_version(f"options:{name}", key, lambda: Options.of(choices()))


def kept_markup(name: str, render: Callable[[], str], key: Hashable = None) -> Markup:
    """`render()` (markup, already escaped), once per data version and `key`."""
    return cache.per_data_version(f"markup:{name}", key, lambda: Markup(render()))  # noqa: S704
