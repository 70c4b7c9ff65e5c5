"""Find what an XSS payload would need in a page: elements, event handlers, script URLs."""
from html.parser import HTMLParser

from .xss_corpus import FORBIDDEN_ELEMENTS

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "content"}


def _own_script(tag, attrs):
    """The platform's own scripts: files under /static/, nothing inline."""
    return tag == "script" and dict(attrs).get("src", "").startswith("/static/")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.bodies = 0

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.bodies += 1
        if tag in FORBIDDEN_ELEMENTS and not _own_script(tag, attrs):
            self.problems.append(f"<{tag}> element {attrs}")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self.problems.append(f"<meta http-equiv> {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name in _URL_ATTRIBUTES and value and "".join(value.split()).lower().startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.problems.append(f"script URL in {name} of <{tag}>: {value}")

    handle_startendtag = handle_starttag


def injection_problems(body):
    """Return what in this page could run a script the platform did not write."""
    collector = _Collector()
    collector.feed(body)
    collector.close()
    if collector.bodies > 1:
        collector.problems.append("a second <body>")
    return collector.problems
