"""What the scanners attack: one place to add the routes of new domains.

When a domain adds a search or list page, add its GET URL (with example
values for every parameter) to `SQLMAP_TARGETS`; sqlmap then attacks each of
those parameters in a run of its own. Routes that would end the scanner's
session or damage the world it scans go into `WAPITI_EXCLUDES`. Text fields
that are shown back to the user go into `ECHOED_FIELDS` for the XSS corpus.
"""
from dataclasses import dataclass

ADMIN_EMAIL = "beheerder@demo.test"
EXPERT_EMAIL = "deskundige@demo.test"

# GET list and search pages, with an example value for each parameter and the
# demo account that may open the page. Each (url, parameter) pair is one
# sqlmap run in a session of that account.
SQLMAP_TARGETS = [
    ("/beheer/gebruikers?zoek=anna&rol=expert&page=1", ["zoek", "rol", "page"], ADMIN_EMAIL),
    (
        "/vragen?zoek=slaap&gebied=1&urgentie=normal&status=alle&sorteer=nieuw&pagina=1",
        ["zoek", "gebied", "urgentie", "status", "sorteer", "pagina"],
        EXPERT_EMAIL,
    ),
]

# Query parameters each page reads, for the Hypothesis fuzzer (GET forms on
# the page are found by themselves; list the ones only links or code use).
QUERY_PARAMETERS = {
    "/beheer/gebruikers": ["zoek", "rol", "page"],
    "/inloggen": ["next"],
    "/vragen": ["zoek", "gebied", "urgentie", "status", "sorteer", "pagina"],
    "/meldingen.json": ["since", "limit"],
}

# Form actions the fuzzer leaves alone: logging out ends its own session.
FUZZ_SKIP_ACTIONS = {"/uitloggen"}

# Forms whose success is a write answered with 200, not a redirect: the
# secret they make (a recovery kit, a calendar feed address) is shown once in
# that very response and kept nowhere, so it cannot sit behind a redirect.
WRITES_WITH_200 = {"/beheer/herstelsleutel", "/overleg/agenda-feed/nieuw"}

# Paths (wapiti wildcards allowed) wapiti must neither crawl nor attack:
# logging out ends the scan's session; switching accounts on and off or
# re-inviting sends mail and changes who can log in. The language switch is
# on every page with its own `next` value, so wapiti saw it as 28 different
# forms that took most of its attack time; its `next` is checked in
# test_xss.py::test_next_parameters_never_redirect_off_site instead.
WAPITI_EXCLUDES = [
    "/uitloggen",
    "/taal",
    "/beheer/gebruikers/*/deactiveren",
    "/beheer/gebruikers/*/activeren",
    "/beheer/gebruikers/*/opnieuw-uitnodigen",
]

# Wapiti modules from the reference (§5.1). Never `ssrf` or `xxe`: they make
# the target call an external endpoint. Never `--update`.
WAPITI_MODULES = (
    "xss,permanentxss,sql,blindsql,exec,file,crlf,redirect,csp,http_headers,cookieflags,methods"
)


@dataclass(frozen=True)
class Allowed:
    """A wapiti finding we accept, and why."""

    category: str
    info_contains: str
    reason: str


# Keep this list short; every entry needs a reason a reviewer accepts.
WAPITI_ALLOWLIST = [
    Allowed(
        "Secure Flag cookie",
        "",
        "The scan profile serves plain HTTP on loopback, where a Secure cookie would "
        "never be sent back. Production sets SESSION_COOKIE_SECURE; "
        "tests/security/test_headers.py::test_production_cookie_is_secure_httponly_and_host_prefixed proves it.",
    ),
    Allowed(
        "HTTP Secure Headers",
        "X-XSS-Protection",
        "X-XSS-Protection is obsolete (browsers removed the XSS auditor; OWASP advises "
        "not to set it); the strict nonce CSP is the defence.",
    ),
    Allowed(
        "HTTP Secure Headers",
        "Strict-Transport-Security",
        "HSTS is meaningless over plain HTTP on loopback; production sends it, see "
        "tests/security/test_headers.py::test_production_sends_hsts.",
    ),
]


@dataclass(frozen=True)
class EchoedField:
    """A text field whose value the platform shows back on a page."""

    name: str
    # callable(cast) -> (post_url, form_data_without_the_field, field_name, page_showing_it)
    build: object


def _user_name(c):
    return (
        f"/beheer/gebruikers/{c.bram.id}",
        {"roles": "family_worker", "team": str(c.bram.team_id), "organisation": ""},
        "name",
        "/beheer/gebruikers",
    )


def _team_name(c):
    return (f"/beheer/teams/{c.anna.team_id}", {"active": "y"}, "name", "/beheer/teams")


def _area_description(c):
    area = c.eva.expertise_areas[0]
    return (
        f"/beheer/expertisegebieden/{area.id}",
        {"name": area.name, "active": "y"},
        "description",
        "/beheer/expertisegebieden",
    )


def _organisation_name(c):
    return (f"/beheer/organisaties/{c.eva.organisation_id}", {"active": "y"}, "name", "/beheer/organisaties")


# Stored text fields: saved through the form, then read back on the list page.
ECHOED_FIELDS = [
    EchoedField("user name", _user_name),
    EchoedField("team name", _team_name),
    EchoedField("organisation name", _organisation_name),
    EchoedField("area description", _area_description),
]

# Reflected query parameters: (url_template with {payload}).
REFLECTED_PARAMETERS = [
    "/beheer/gebruikers?zoek={payload}",
    "/beheer/gebruikers?zoek=x&rol={payload}",
    "/inloggen?next={payload}",
    # "/vragen?q={payload}",  # when questions land
]
