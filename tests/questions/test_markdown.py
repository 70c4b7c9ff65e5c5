"""The one sanitiser: no scripts, no javascript: links, no images, no raw HTML; rel on links."""
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from expertise.core.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, LINK_REL, render_markdown

ROOT = Path(__file__).resolve().parents[2]


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html):
    parser = _Collect()
    parser.feed(html)
    return parser.tags


def _assert_safe(html):
    for tag, attrs in _tags(html):
        assert tag in ALLOWED_TAGS, tag
        assert set(attrs) <= set(ALLOWED_ATTRIBUTES.get(tag, [])) | ({"rel"} if tag == "a" else set()), attrs
        if tag == "a":
            assert attrs.get("rel") == LINK_REL
            href = (attrs.get("href") or "").strip().lower()
            assert not href.startswith(("javascript:", "data:", "vbscript:"))


def test_script_tags_and_raw_html_become_text():
    html = render_markdown('<script>alert("x")</script> <b onclick="x()">vet</b> <iframe src="https://e.nl"></iframe>')
    assert "<script" not in html and "<b" not in html and "<iframe" not in html
    assert "&lt;script&gt;" in html
    _assert_safe(html)


def test_javascript_links_are_not_links():
    for text in ["[klik](javascript:alert(1))", "[klik](JaVaScRiPt:alert(1))", "<javascript:alert(1)>",
                 "[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](vbscript:msgbox)"]:
        html = render_markdown(text)
        assert "href=\"javascript" not in html.lower() and "href=\"data" not in html.lower()
        _assert_safe(html)


def test_images_are_never_rendered():
    html = render_markdown("![foto](https://tracker.example/pixel.png) <img src=x onerror=alert(1)>")
    assert "<img" not in html
    _assert_safe(html)


def test_links_get_nofollow_noopener_and_markdown_still_works():
    html = render_markdown("**Vet**, *schuin* en [de richtlijn](https://www.nji.nl/richtlijnen)\n\n- een\n- twee")
    assert "<strong>Vet</strong>" in html and "<em>schuin</em>" in html and "<li>een</li>" in html
    assert '<a href="https://www.nji.nl/richtlijnen" rel="nofollow noopener">de richtlijn</a>' in html


def test_bare_urls_become_safe_links():
    html = render_markdown("Zie https://www.nji.nl voor meer.")
    assert 'rel="nofollow noopener"' in html


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>\"'=/:;()[]!*_`#-&abcjsvrpt scriptimgahrefjavascriptonerror\n")), max_size=200))
def test_any_markup_like_text_renders_to_allowlisted_html(text):
    _assert_safe(render_markdown(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_renders_to_allowlisted_html(text):
    _assert_safe(render_markdown(text))


def test_bleach_clean_is_called_in_one_module_only():
    callers = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "platform").rglob("*.py")
        if "bleach.clean(" in p.read_text()
    ]
    assert callers == ["platform/expertise/core/markdown.py"]


def test_templates_use_safe_only_on_html_columns():
    import re

    for path in (ROOT / "templates").rglob("*.html"):
        for match in re.finditer(r"\{\{\s*([^}|]+?)\s*\|\s*safe", path.read_text()):
            assert match.group(1).endswith("_html"), f"{path.name}: {match.group(0)}"
