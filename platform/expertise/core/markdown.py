"""Render user Markdown to safe HTML: the platform's one sanitiser.

Every text a user writes (questions, advice, replies) goes through
`render_markdown()` before it is stored in a column ending in `_html`, and
templates mark only those columns `|safe`. markdown-it-py runs with raw HTML
off, then `bleach.clean` keeps an allowlist of tags, attributes and link
protocols — the only `bleach.clean` call in the project, so a later swap to
`nh3` changes this one file. Images are not allowed at all: an image from
elsewhere tells its host who read the page and when.
"""
import bleach
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"a", "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"

# Raw HTML is escaped as text; the image rule is off, so `![x](url)` stays a
# plain link; single newlines become line breaks, as people type them.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")


def _set_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


def render_markdown(text):
    """Return sanitised HTML for a Markdown text; links get rel="nofollow noopener"."""
    if not text:
        return ""
    html = _MARKDOWN.render(text)
    clean = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    # linkify also marks bare URLs as links; the callback sets rel on every link.
    return bleach.linkify(clean, callbacks=[_set_rel], skip_tags=["pre", "code"], parse_email=False)


def plain_excerpt(html, length=80):
    """Return the start of sanitised HTML as plain text: tags dropped, at most `length` characters.

    For a short reminder of which text is meant (the closing form's advice rows); the result is
    text, escaped like any other where it is shown. A longer text is cut at a word and ends in "…".
    """
    from markupsafe import Markup

    text = Markup(html or "").striptags()
    if len(text) <= length:
        return text
    cut = text[: length + 1].rsplit(" ", 1)[0] if " " in text[:length] else text[:length]
    return cut.rstrip(" ,.;:-–—") + "…"
