"""A failing write in the production shape: the Dutch page, and no post text in the server log.

Two gunicorn gevent workers serve the app with the test hook that makes every INSERT into
`post` fail in the driver as SQLite does under concurrent writers ("database is locked").
Experts post advice concurrently; every answer must be the platform's Dutch error page saying
the text was not saved, and the server's whole output (gunicorn, gevent, the app) must hold
no word of any post.
"""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from ..support.realtime import DEMO_EMAILS, csrf_token, login_over_http
from ..support.servers import GunicornServer

pytestmark = pytest.mark.slow

QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question


def _marker(n):
    return f"Kraanvogel{n:03d}Zeldzaam"


@pytest.fixture(scope="module")
def failing_server(tmp_path_factory):
    server = GunicornServer(
        tmp_path_factory.mktemp("failing-writes"),
        {"RATELIMIT_ENABLED": "false", "EXPERTISE_TEST_FAIL_POST_INSERTS": "1"},
        workers=2,
    ).start()
    yield server
    server.stop()


def test_failed_writes_under_gevent_show_the_dutch_page_and_log_no_text(failing_server):
    server = failing_server
    http = login_over_http(server.url, DEMO_EMAILS["eva"])
    listing = http.get(server.url + "/vragen?status=alle", timeout=10).text
    question_id = int(re.search(r'href="/vragen/(\d+)"[^>]*>\s*' + re.escape(QUESTION), listing).group(1))
    token = csrf_token(http, server.url, f"/vragen/{question_id}")

    def post(n):
        body = f"Begin van het advies {_marker(n)}: een vast ritme helpt. Einde {_marker(n)}."
        return http.post(f"{server.url}/vragen/{question_id}/reageren",
                         data={"body": body, "actie": "plaatsen", "csrf_token": token},
                         allow_redirects=False, timeout=30)

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(post, range(8)))

    for response in responses:
        assert response.status_code == 500
        assert '<html lang="nl"' in response.text and "site-header" in response.text
        assert "Internal Server Error" not in response.text
        assert "Je tekst is niet opgeslagen." in response.text
    # The author gets their text back on the page (and nowhere else).
    assert sum(_marker(n) in r.text for n, r in enumerate(responses)) == 8
    # The server still serves.
    assert http.get(f"{server.url}/vragen/{question_id}", timeout=10).status_code == 200

    server.stop()
    log = server.log_text()
    assert log.count("unhandled OperationalError in POST questions.new_post") == 8, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert "Kraanvogel" not in log and "vast ritme" not in log
