"""Every route × every role: works for the right roles, 403 for the others,
a login redirect for anonymous visitors, 405 for the wrong method, 400 without CSRF."""
import pytest

from expertise.accounts.models import Role

from .access_matrix import RULES


def _rule_id(rule):
    return f"{rule.method} {rule.endpoint}"


def test_every_route_is_in_the_access_matrix(app):
    listed = {(r.endpoint, r.method) for r in RULES}
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint == "static":
            continue
        methods = url_rule.methods - {"HEAD", "OPTIONS"}
        assert any((url_rule.endpoint, m) in listed for m in methods), url_rule.endpoint


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_route_answers_each_role_as_the_matrix_says(rule, role, cast, login):
    person = cast.by_role()[role]
    client = login(person)
    data = rule.data(cast) if rule.data else {}
    url = rule.url(cast, person)
    if rule.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data)
    allowed = rule.public or not rule.roles or role in rule.roles
    if allowed:
        ok = rule.ok + ((404,) if "uitnodiging" in url else ())
        assert response.status_code in ok, response.status_code
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("rule", [r for r in RULES if not r.public], ids=_rule_id)
def test_anonymous_visitor_is_sent_to_login(rule, cast, browser):
    if rule.method == "GET":
        response = browser.get(rule.url(cast))
    else:
        response = browser.post(rule.url(cast))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_wrong_method_gives_405(rule, cast, login, app):
    client = login(cast.ada)
    url = rule.url(cast).split("?")[0]
    adapter = app.url_map.bind("localhost")
    allowed = adapter.allowed_methods(url)
    wrong = next(m for m in ["DELETE", "PUT", "POST", "GET"] if m not in allowed)
    assert client.request(wrong, url).status_code == 405


@pytest.mark.parametrize("rule", [r for r in RULES if r.method == "POST"], ids=_rule_id)
def test_post_without_csrf_token_gives_400(rule, cast, login):
    client = login(cast.ada)
    assert client.post(rule.url(cast), {}, csrf=False).status_code == 400


def _first_allowed_person(rule, cast):
    roles = rule.roles or (Role.FAMILY_WORKER,)
    return cast.by_role()[roles[0]]


@pytest.mark.parametrize("rule", RULES, ids=_rule_id)
def test_every_response_to_a_logged_in_person_says_no_store(rule, cast, login):
    """No browser or proxy keeps a copy of what a logged-in person was sent (ASVS 14.3.2).

    HTML, JSON, CSV, calendar files and redirects alike: one after_request
    sets it, so a new route cannot forget it (issue 24 item 10 found the
    hours CSV and the notifications JSON without it).
    """
    person = _first_allowed_person(rule, cast)
    client = login(person)
    data = rule.data(cast) if rule.data else {}
    url = rule.url(cast, person)
    response = client.get(url) if rule.method == "GET" else client.post(url, data)
    assert "no-store" in response.headers.get("Cache-Control", ""), (response.status_code, response.mimetype)
