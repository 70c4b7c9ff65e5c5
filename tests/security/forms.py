"""Read the forms of a page: where they go, how, and which fields they send."""
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, password, email, search, checkbox, radio, select, textarea, submit…
    value: str = ""
    options: list = field(default_factory=list)  # for select, checkbox and radio groups
    multiple: bool = False


@dataclass
class Form:
    action: str
    method: str
    fields: dict = field(default_factory=dict)

    @property
    def csrf_token(self):
        token = self.fields.get("csrf_token")
        return token.value if token else None


class _FormParser(HTMLParser):
    def __init__(self, page_path):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def _add(self, name, kind, value="", option=None, multiple=False):
        existing = self._form.fields.get(name)
        if existing is None:
            existing = self._form.fields[name] = Field(name, kind, value, multiple=multiple)
        if option is not None:
            existing.options.append(option)
            if kind == "checkbox":
                existing.multiple = True

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            action = urljoin(self.page_path, a.get("action") or self.page_path)
            parts = urlsplit(action)
            self._form = Form(parts.path + (f"?{parts.query}" if parts.query else ""),
                              (a.get("method") or "get").upper())
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self._add(name, kind, option=a.get("value", "on"))
            else:
                self._add(name, kind, a.get("value", ""))
        elif tag == "button":
            self._add(name, "submit", option=a.get("value", ""))
        elif tag == "select":
            self._add(name, "select", multiple="multiple" in a)
            self._select = self._form.fields[name]
        elif tag == "textarea":
            self._add(name, "textarea")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse_forms(html, page_path):
    """Return the forms of a page, with absolute-path actions."""
    parser = _FormParser(page_path)
    parser.feed(html)
    parser.close()
    return parser.forms
