"""What a browser would post from a rendered form: every named input, textarea
and select of the form holding a given field, with the values it shows."""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self._form = []
            self.forms.append(self._form)
        if self._form is None or (tag not in ("input", "textarea", "select", "option")):
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = (name, "multiple" in attrs), []
        elif tag == "option" and self._select:
            self._option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self._options.append(self._option)

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)
        if self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # Browsers read CR LF as LF and drop one newline right after <textarea>.
            text = "".join(self._text).replace("\r\n", "\n")
            self._form.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select:
            name, multiple = self._select
            values = [o["value"] if o["value"] is not None else o["text"] for o in self._options
                      if o["selected"]]
            if not values and not multiple and self._options:
                first = self._options[0]
                values = [first["value"] if first["value"] is not None else first["text"]]
            self._form.extend((name, value) for value in values)
            self._select = None


def form_values(html: str, field: str) -> dict[str, str | list[str]]:
    """The values of the form that has an input named `field`, as the browser
    posts them (a name given several times maps to a list)."""
    parser = _Forms()
    parser.feed(html)
    for pairs in parser.forms:
        if any(name == field for name, _ in pairs):
            values: dict[str, str | list[str]] = {}
            for name, value in pairs:
                if name in values:
                    existing = values[name]
                    values[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
                else:
                    values[name] = value
            return values
    raise AssertionError(f"no form with a field named {field!r}")
