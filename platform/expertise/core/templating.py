"""Template globals shared by every page: menu, home cards, date filter.

Domain areas add their own menu entries and home-page cards with
`menu_item()` and `home_card()` when their views module is imported, so the
base template needs no knowledge of which areas exist.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from babel.dates import format_skeleton
from flask import request
from flask_babel import format_date, format_datetime, get_locale, get_timezone, get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from .forms import ActionForm
from .time import local


@dataclass(frozen=True)
class _Entry:
    order: int
    endpoint: str | None
    title: object
    roles: frozenset
    text: object = ""
    badge: str | None = None


_MENU: list[_Entry] = []
_CARDS: list[_Entry] = []
# Live counters shown next to a menu entry: name -> callable(user) -> int (0 hides the badge).
_BADGES: dict = {}


def menu_item(endpoint, title, roles=(), order=50, badge=None):
    """Show a link in the main menu to users with one of `roles` (all if empty).

    `badge` names a counter registered with `menu_badge`; pages update it live from
    the Socket.IO event of the same name (static/js/notifications.js).
    """
    _MENU.append(_Entry(order, endpoint, title, frozenset(roles), badge=badge))
    _MENU.sort(key=lambda e: e.order)


def menu_badge(name, count):
    """Register the counter `count(user) -> int` of the menu entries with badge `name`."""
    _BADGES[name] = count


def _badge(entry):
    """Return (name, count) of an entry's badge for the current user, or None when it has none."""
    if entry.badge is None or entry.badge not in _BADGES or not _visible(entry):
        return None
    return entry.badge, _BADGES[entry.badge](current_user)


def home_card(endpoint, title, text, roles=(), order=50):
    """Show a 'what you can do next' card on the home page of these roles."""
    _CARDS.append(_Entry(order, endpoint, title, frozenset(roles), text))
    _CARDS.sort(key=lambda e: e.order)


def _visible(entry):
    return not entry.roles or current_user.has_role(*entry.roles)


def init_app(app):
    _install_gettext(app)

    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(format_day, "format_day")
    app.add_template_filter(local_day, "local_day")
    app.add_template_filter(local_month, "local_month")
    app.add_template_global(child_age, "child_age")
    app.add_template_global(nl_lang, "nl_lang")
    app.add_template_filter(in_dutch, "nl")
    app.add_template_global(csrf_field, "csrf_field")

    @app.context_processor
    def _globals():
        return {
            "get_locale": get_locale,
            "current_path": request.full_path.rstrip("?") if request else "/",
            "main_menu": lambda: [(e.endpoint, e.title, _visible(e), _badge(e)) for e in _MENU],
            "home_cards": lambda: [e for e in _CARDS if _visible(e)],
        }


def csrf_field(form):
    """Render the form's hidden CSRF token and submission key without an id (no token when CSRF is off).

    WTForms gives them id="csrf_token" and id="submission_key", and a page with several forms would
    repeat those ids. The submission key is there on forms that create something (`core.submissions`).
    """
    hidden = [getattr(form, name, None) for name in ("csrf_token", "submission_key")]
    return Markup("").join(field(id=False) for field in hidden if field is not None)


def format_day(value, fmt="EEEE d MMMM yyyy"):
    """Format a calendar date (no time zone) in the request's language ("donderdag 3 december 2026")."""
    from flask_babel import format_date

    return format_date(value, fmt) if value else ""


def local_datetime(value, fmt="d MMM yyyy HH:mm"):
    """Format a UTC moment in the request's language and time zone ("3 dec 2026 14:05")."""
    return _formatted(value, fmt, str(get_locale()), str(get_timezone())) if value else ""


def nl_lang():
    """Return ` lang="nl"` on a page in another language, for Dutch data and user content (WCAG 3.1.2).

    Questions, posts and the names of areas and teams are written in Dutch whatever the reader's
    language; a screen reader reading an English page then switches to Dutch for them.
    """
    return Markup("") if str(get_locale()).startswith("nl") else Markup(' lang="nl"')


def in_dutch(text):
    """Wrap a piece of Dutch text in <span lang="nl"> on a page in another language (`{{ name|nl }}`)."""
    if text is None or text == "" or str(get_locale()).startswith("nl"):
        return text
    return Markup('<span lang="nl">%s</span>') % text


def local_day(value):
    """Format a day (or the day of a UTC moment) in words: "24 december 2026", "24 December 2026".

    The one way the platform prints a date; never "2026-12-24" or "24-12-2026" on a page.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return format_date(value, "long")


def local_month(value):
    """Format the month of a day in words: "december 2026" ("December 2026" in English)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return format_skeleton("yMMMM", value, locale=get_locale())


def child_age(years, months=None):
    """Say a child's age: "4 maanden" under one year (when the months are known), else "3 jaar"."""
    if years is None:
        return ""
    if years == 0 and months is not None:
        return ngettext("%(num)d maand", "%(num)d maanden", months)
    if years == 0:
        return str(_l("jonger dan 1 jaar"))
    return ngettext("%(num)d jaar", "%(num)d jaar", years)


@lru_cache(maxsize=4096)
def _formatted(value, fmt, locale, timezone):
    """Format a moment for people in this locale and time zone (the key of the cache).

    A thread page shows a time on every post, and each Babel formatting costs
    about 40 µs; the same moments come back on every view of the thread.
    """
    return format_datetime(local(value), fmt)


def _install_gettext(app):
    """Replace Flask-Babel's template gettext with one that keeps the catalogue per locale.

    Flask-Babel's callables find the context, the domain and the locale anew
    for each of the 200-odd strings of a thread page (a quarter of its time
    in a profile). These ask only the locale on every call, so `force_locale`
    (e-mails and live fragments are rendered in Dutch) keeps working.
    """
    by_locale = {}

    def translations():
        key = str(get_locale())
        found = by_locale.get(key)
        if found is None:
            found = by_locale[key] = get_translations()
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
