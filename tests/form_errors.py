"""Reading a rendered form's errors the way a user meets them: beside a field
(`#<id>-error`, which the input names in aria-describedby) or in the banner
above the form (`.form-errors`)."""

from html.parser import HTMLParser

VOID = {"input", "br", "img", "meta", "link", "hr", "col", "area", "base", "source", "wbr"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attrs_by_id: dict[str, dict[str, str]] = {}
        self.text_by_id: dict[str, list[str]] = {}
        self.banner: list[str] = []
        self._open: list[tuple[str, str | None, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if "id" in attrs:
            self.attrs_by_id[attrs["id"]] = {"tag": tag, **attrs}
        if tag in VOID:
            return
        in_banner = "form-errors" in attrs.get("class", "").split()
        self._open.append((tag, attrs.get("id"), in_banner))
        if "id" in attrs:
            self.text_by_id.setdefault(attrs["id"], [])

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, element_id, in_banner in self._open:
            if element_id is not None:
                self.text_by_id[element_id].append(data)
            if in_banner:
                self.banner.append(data)


def _page(response_or_html) -> _Page:
    html = response_or_html if isinstance(response_or_html, str) else (
        response_or_html.get_data(as_text=True))
    page = _Page()
    page.feed(html)
    return page


def field_error(response_or_html, field_id: str) -> str:
    """The error text shown beside the field with this id ("" when none), after
    checking that the field itself points at it for assistive technology."""
    page = _page(response_or_html)
    error_id = f"{field_id}-error"
    if error_id not in page.text_by_id:
        return ""
    field = page.attrs_by_id.get(field_id, {})
    assert error_id in field.get("aria-describedby", "").split(), (
        f"#{field_id} does not name #{error_id} in aria-describedby")
    assert field.get("aria-invalid") == "true"
    return " ".join("".join(page.text_by_id[error_id]).split())


def banner(response_or_html) -> str:
    """The text of the error banner above the form ("" when there is none)."""
    return " ".join("".join(_page(response_or_html).banner).split())
