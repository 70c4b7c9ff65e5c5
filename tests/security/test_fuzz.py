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
from expertise.core.time import utcnow
from expertise.extensions import db

from ..access_matrix import RULES
from .forms import parse_forms
from .targets import FUZZ_SKIP_ACTIONS, QUERY_PARAMETERS
from .xss_corpus import PAYLOADS

pytestmark = [pytest.mark.security, pytest.mark.slow]

HOSTILE = [
    "", " ", "0", "-1", "1e309", "99999999999999999999999", "NaN", "None", "null", "true",
    "' OR '1'='1", "'; DROP TABLE \"user\"; --", "\" OR 1=1 --", "%", "_", "%%", "\\", "\\x00",
    "\x00", "a\x00b", "\r\nSet-Cookie: x=y", "../../../../etc/passwd", "%2e%2e%2f", "☃", "\U0001f600",
    "\u202eevil", "\ufeff", "a" * 5000, "<" * 300, "admin", "family_worker", "1,2,3", "[]", "{}",
    *PAYLOADS[:6],
]
text_values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200))
GET_PAGES = [rule for rule in RULES if rule.method == "GET"]


def row_counts():
    db.session.rollback()
    return {
        table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def _value_for(field, data):
    """Draw a value for one field: a valid option, the form's own value, or something hostile."""
    if field.name == "csrf_token":
        return field.value
    choices = [st.just(None), text_values]
    if field.options:
        choices.append(st.sampled_from(field.options))
        if field.multiple:
            choices.append(st.lists(st.sampled_from(field.options + HOSTILE[:8]), max_size=6))
    elif field.value:
        choices.append(st.just(field.value))
    return data.draw(st.one_of(*choices), label=field.name)


def _fuzz_page(client, path, data):
    page = client.get(path)
    assert page.status_code < 500
    forms = [f for f in parse_forms(page.get_data(as_text=True), path)
             if f.action.split("?")[0] not in FUZZ_SKIP_ACTIONS]
    query_names = QUERY_PARAMETERS.get(path.split("?")[0], [])
    targets = forms + ["query"]
    target = data.draw(st.sampled_from(targets), label="target")
    before = row_counts()
    if target == "query":
        names = query_names + [data.draw(st.text(min_size=1, max_size=12), label="random name")]
        query = {n: data.draw(text_values, label=n) for n in names}
        response = client.get(path, query_string=query)
    else:
        values = {name: _value_for(field, data) for name, field in target.fields.items()}
        values = {k: v for k, v in values.items() if v is not None}
        if target.method == "GET":
            response = client.get(target.action, query_string=values)
        else:
            response = client.client.post(target.action, data=values)
    assert response.status_code < 500, f"{response.status_code} from {target!r}"
    if not 300 <= response.status_code < 400:
        assert row_counts() == before, f"{response.status_code} but rows changed ({target!r})"


FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("rule", GET_PAGES, ids=lambda r: r.endpoint)
@FUZZ
@given(data=st.data())
def test_forms_and_parameters_never_give_500_or_half_writes(rule, data, cast, login):
    client = login(None if rule.public else cast.ada)
    _fuzz_page(client, rule.path(cast), data)


_invited = itertools.count()


@FUZZ
@given(data=st.data())
def test_invitation_form_never_gives_500_or_half_writes(data, cast, login):
    user, token = service.invite_user(
        cast.ada, email=f"fuzz{next(_invited)}@example.test", name="Fuzz",
        roles=["moderator"], team=None, organisation=None, areas=[], now=utcnow(),
    )
    db.session.commit()
    _fuzz_page(login(None), f"/uitnodiging/{token}", data)


# Values a random search may take long to hit; each goes into every field once.
KNOWN_TROUBLE = ["a\x00b", "Á" + "É" * 3, "a" * 5000, "' OR '1'='1", "\U0001f600", "99999999999999999999999"]


@pytest.mark.parametrize("rule", GET_PAGES, ids=lambda r: r.endpoint)
def test_known_trouble_values_in_every_field_give_no_500(rule, cast, login):
    client = login(None if rule.public else cast.ada)
    path = rule.path(cast)
    for value in KNOWN_TROUBLE:
        for name in QUERY_PARAMETERS.get(path.split("?")[0], []):
            assert client.get(path, query_string={name: value}).status_code < 500, (name, value)
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
                        response = client.get(form.action, query_string=values)
                    else:
                        response = client.client.post(form.action, data=values)
                    assert response.status_code < 500, (form.action, name, value)
                    if not 300 <= response.status_code < 400:
                        assert row_counts() == before, (form.action, name, value)
