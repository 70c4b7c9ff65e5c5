"""Every text the platform shows back is escaped: stored fields and reflected parameters.

The corpus goes through each field in targets.ECHOED_FIELDS (saved through
its form, read back on its list page) and each parameter in
targets.REFLECTED_PARAMETERS. The page must show the text, escaped, and
contain none of the elements or attributes the payload tried to create.
"""
from html import unescape
from urllib.parse import quote

import pytest
from markupsafe import escape

from ..factories import PASSWORD
from .targets import ECHOED_FIELDS, REFLECTED_PARAMETERS
from .html_check import injection_problems
from .xss_corpus import PAYLOADS

pytestmark = pytest.mark.security


def assert_escaped(body, payload):
    problems = injection_problems(body)
    assert problems == [], f"payload {payload!r} got into the page: {problems}"


@pytest.mark.parametrize("field", ECHOED_FIELDS, ids=lambda f: f.name)
def test_stored_text_is_escaped_where_it_is_shown(field, cast, login):
    client = login(cast.ada)
    post_url, data, name, page = field.build(cast)
    for payload in PAYLOADS:
        value = payload[:120]
        response = client.post(post_url, {**data, name: value})
        assert response.status_code == 302, (payload, response.status_code)
        body = client.get(page).get_data(as_text=True)
        assert_escaped(body, value)
        assert str(escape(value)) in body or value.strip() in unescape(body), (
            f"the saved text is not on {page}: {value!r}"
        )
        # The edit form shows it again, inside an attribute or a textarea.
        assert_escaped(client.get(post_url).get_data(as_text=True), value)


@pytest.mark.parametrize("template", REFLECTED_PARAMETERS)
def test_reflected_parameters_are_escaped(template, cast, login):
    client = login(cast.ada) if template.startswith("/beheer") else login(None)
    for payload in PAYLOADS:
        response = client.get(template.format(payload=quote(payload, safe="")))
        assert response.status_code in (200, 302)
        assert_escaped(response.get_data(as_text=True), payload)
        assert "javascript:" not in response.headers.get("Location", "")


OFF_SITE = ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "\\\\evil.example"]


def test_next_parameters_never_redirect_off_site(browser, cast):
    for target in OFF_SITE:
        response = browser.post("/taal", {"lang": "en", "next": target})
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
        assert "evil.example" not in location and "javascript" not in location
    for target in OFF_SITE:
        response = browser.post(
            f"/inloggen?next={quote(target, safe='')}",
            {"email": cast.ada.email, "password": PASSWORD},
        )
        assert response.status_code in (200, 302)
        location = response.headers.get("Location", "/")
        assert location.startswith("/") and not location.startswith("//"), location
        assert "evil.example" not in location and "javascript" not in location
        browser.logout()
