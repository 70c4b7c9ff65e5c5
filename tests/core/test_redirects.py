"""safe_next(): every `next` and return address stays a path on this site."""
import pytest

from expertise.core.redirects import is_safe_next, safe_next

# Each of these takes a browser to another host (or runs script) once it is
# put in a Location header or an href, directly or after one more decoding.
HOSTILE = [
    "/\t/127.0.0.2:5999/x",  # the probe's form: browsers drop the tab, leaving //host
    "/%09/127.0.0.2:5999/x",  # the same, escaped once more
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/%0d%0a/evil.example",
    "//evil.example/x",
    "/%2F/evil.example",
    "/%252F/evil.example",  # escaped twice
    "/\\evil.example",
    "\\\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "evil.example/x",
    "/x\x00y",
    "/x\u2028y",
    "",
    None,
    "/" + "a" * 600,
]
LOCAL = ["/", "/account", "/vragen?zoek=a%20b&pagina=2", "/beheer/herstel/7", "/vragen/12#advies-3"]


@pytest.mark.parametrize("target", HOSTILE, ids=repr)
def test_hostile_targets_fall_back_to_the_home_page(app, target):
    assert not is_safe_next(target)
    with app.test_request_context():
        assert safe_next(target) == "/"


@pytest.mark.parametrize("target", LOCAL)
def test_paths_on_this_site_are_kept(app, target):
    with app.test_request_context():
        assert safe_next(target) == target


def test_non_ascii_paths_come_back_percent_encoded_for_the_location_header(app):
    with app.test_request_context():
        assert safe_next("/vragen?zoek=über") == "/vragen?zoek=%C3%BCber"
