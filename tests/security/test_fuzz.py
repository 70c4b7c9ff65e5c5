"""Hypothesis fuzzing of every form and query parameter: no 500, nothing half-written.

For every GET route (from the access matrix, which a test keeps in step with
app.url_map) the page is opened as a role that may use it, its <form>s are
read, and Hypothesis posts valid choices mixed with hostile values, with the
form's own CSRF token. Query parameters come from GET forms, from
targets.QUERY_PARAMETERS and from random names. The platform must never
answer 500, and an answer that is not a redirect (an error page or the form
again with its errors) must leave every table's row count unchanged.
"""
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expertise.accounts import service
from expertise.accounts.models import Role
from expertise.core.time import utcnow
from expertise.extensions import db

from ..access_matrix import RULES
from .forms import parse_forms
from .targets import FUZZ_SKIP_ACTIONS, QUERY_PARAMETERS, WRITES_WITH_200
from .xss_corpus import PAYLOADS

pytestmark = [pytest.mark.security, pytest.mark.slow]

HOSTILE = [
    "", " ", "0", "-1", "1e309", "99999999999999999999999", "NaN", "None", "null", "true",
    "' OR '1'='1", "'; DROP TABLE \"user\"; --", "\" OR 1=1 --", "%", "_", "%%", "\\", "\\x00",
    "\x00", "a\x00b", "\r\nSet-Cookie: x=y", "../../../../etc/passwd", "%2e%2e%2f", "☃", "\U0001f600",
    "\u202eevil", "\ufeff", "a" * 5000, "<" * 300, "admin", "family_worker", "1,2,3", "[]", "{}",
    *PAYLOADS[:6],
]
GET_PAGES = [rule for rule in RULES if rule.method == "GET"]
# Who opens a page: the first of these the rule allows (anna owns the objects).
PERSON_FOR_ROLE = [
    (Role.FAMILY_WORKER, "anna"), (Role.EXPERT, "eva"), (Role.COORDINATOR, "cas"),
    (Role.MODERATOR, "mila"), (Role.ADMIN, "ada"),
]


def _person(rule, cast):
    """The cast member that may use this route, or None for public pages."""
    if rule.public:
        return None
    if not rule.roles:
        return cast.anna
    return next(getattr(cast, name) for role, name in PERSON_FOR_ROLE if role in rule.roles)


# Failed logins and refused requests are audited on purpose; a new audit
# row is not a half-written change.
NOT_COUNTED = {"audit_event", "audit_chain_head"}


def row_counts():
    db.session.rollback()
    return {
        table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name not in NOT_COUNTED
    }


def _text(rnd):
    """A hostile value, or random text mixing ASCII, control characters and far Unicode."""
    if rnd.random() < 0.5:
        return rnd.choice(HOSTILE)
    ranges = [(32, 126), (0, 31), (0x80, 0x2FFF), (0x1F300, 0x1F6FF)]
    return "".join(chr(rnd.randint(*rnd.choice(ranges))) for _ in range(rnd.randint(0, 200)))


def _value_for(field, rnd):
    """A value for one field: none, a valid option, the form's own value, or something hostile."""
    if field.name == "csrf_token":
        return field.value
    choices = [lambda: None, lambda: _text(rnd)]
    if field.options:
        choices.append(lambda: rnd.choice(field.options))
        if field.multiple:
            pool = field.options + HOSTILE[:8]
            choices.append(lambda: [rnd.choice(pool) for _ in range(rnd.randint(0, 6))])
    elif field.value:
        choices.append(lambda: field.value)
    return rnd.choice(choices)()


def _fuzz_page(client, path, rnd):
    """Send one random form or query to the page.

    Values come from a seeded `random.Random` that Hypothesis draws (and
    prints when an example fails), not from Hypothesis strategies: earlier
    examples change the page (a closed question shows "heropenen"), and
    Hypothesis refuses strategies whose shape depends on such state.
    """
    page = client.get(path)
    assert page.status_code < 500
    forms = [f for f in parse_forms(page.get_data(as_text=True), path)
             if f.action.split("?")[0] not in FUZZ_SKIP_ACTIONS]
    query_names = QUERY_PARAMETERS.get(path.split("?")[0], [])
    target = rnd.choice(forms + ["query"])
    before = row_counts()
    if target == "query":
        names = query_names + [_text(rnd)[:12] or "x"]
        values = {n: _text(rnd) for n in names}
        response = client.get(path.split("?")[0], query_string=values)
    else:
        values = {name: _value_for(field, rnd) for name, field in target.fields.items()}
        values = {k: v for k, v in values.items() if v is not None}
        if target.method == "GET":
            # A browser replaces the query string of a GET form's action with the form's fields.
            response = client.get(target.action.split("?")[0], query_string=values)
        else:
            response = client.client.post(target.action, data=values)
    assert response.status_code < 500, f"{response.status_code} from {target!r}"
    if not 300 <= response.status_code < 400 and getattr(target, "action", "") not in WRITES_WITH_200:
        assert row_counts() == before, f"{response.status_code} but rows changed ({target!r}, {values!r})"


FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("rule", GET_PAGES, ids=lambda r: r.endpoint)
@FUZZ
@given(rnd=st.randoms(use_true_random=True))
def test_forms_and_parameters_never_give_500_or_half_writes(rule, rnd, cast, login):
    person = _person(rule, cast)
    _fuzz_page(login(person), rule.url(cast, person), rnd)


_invited = itertools.count()


@FUZZ
@given(rnd=st.randoms(use_true_random=True))
def test_invitation_form_never_gives_500_or_half_writes(rnd, cast, login):
    user, token = service.invite_user(
        cast.ada, email=f"fuzz{next(_invited)}@example.test", name="Fuzz",
        roles=["moderator"], team=None, organisation=None, areas=[], now=utcnow(),
    )
    db.session.commit()
    _fuzz_page(login(None), f"/uitnodiging/{token}", rnd)


# Values a random search may take long to hit; each goes into every field once.
KNOWN_TROUBLE = ["a\x00b", "Á" + "É" * 3, "a" * 5000, "' OR '1'='1", "\U0001f600", "99999999999999999999999"]


@pytest.mark.parametrize("rule", GET_PAGES, ids=lambda r: r.endpoint)
def test_known_trouble_values_in_every_field_give_no_500(rule, cast, login):
    person = _person(rule, cast)
    client = login(person)
    path = rule.url(cast, person)
    for value in KNOWN_TROUBLE:
        for name in QUERY_PARAMETERS.get(path.split("?")[0], []):
            assert client.get(path.split("?")[0], query_string={name: value}).status_code < 500, (name, value)
        for form in parse_forms(client.get(path).get_data(as_text=True), path):
            if form.action.split("?")[0] in FUZZ_SKIP_ACTIONS:
                continue
            for name, field in form.fields.items():
                if name == "csrf_token":
                    continue
                values = {n: (f.options[0] if f.options else f.value) for n, f in form.fields.items()}
                # Twice: the second time the value may already be stored (duplicate names).
                for _ in range(2):
                    before = row_counts()
                    values[name] = value
                    if form.method == "GET":
                        response = client.get(form.action.split("?")[0], query_string=values)  # as a browser does
                    else:
                        response = client.client.post(form.action, data=values)
                    assert response.status_code < 500, (form.action, name, value)
                    if not 300 <= response.status_code < 400 and form.action not in WRITES_WITH_200:
                        assert row_counts() == before, (form.action, name, value)
