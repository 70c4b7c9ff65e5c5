"""Two people, two browsers: advice appears on the family worker's open page without a reload."""
import uuid

import pytest

from .helpers import QUESTION_PAGE, log_in

pytestmark = pytest.mark.browser

QUESTION = "Schoolverzuim bij een jongere met somberheid"  # anna's demo question, no advice yet


@pytest.fixture
def second_page(chromium, live_server):
    """Another person's browser (its own context), failing the test on a CSP violation too."""
    context = chromium.new_context(base_url=live_server.url, locale="nl-NL")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert problems == [], problems


def _unread(page):
    return int(page.locator("[data-unread-count]").inner_text())


def test_advice_appears_live_and_the_counter_goes_up(page, second_page, axe):
    anna, eva = page, second_page
    advice = f"Bel eerst de huisarts en de mentor samen {uuid.uuid4().hex[:6]}."

    log_in(anna, "gezinswerker@demo.test")
    anna.goto("/vragen?status=alle")
    anna.get_by_role("link", name=QUESTION).click()
    anna.wait_for_url(QUESTION_PAGE)
    question_url = anna.url
    anna.wait_for_selector("[data-live-thread][data-live-joined='true']")
    before = _unread(anna)
    anna.evaluate("window.__stillTheSamePage = true")

    log_in(eva, "deskundige@demo.test")
    eva.goto(question_url)
    eva.get_by_label("Je bericht").fill(advice)
    eva.get_by_role("button", name="Advies plaatsen").click()
    eva.wait_for_url("**/vragen/*#bericht-*")

    anna.get_by_text(advice).wait_for(timeout=10_000)
    assert anna.locator("article.post--advice", has_text=advice).count() == 1
    anna.wait_for_function(f"document.querySelector('[data-unread-count]').textContent === '{before + 1}'")
    assert anna.locator("[data-unread-badge]").is_visible()
    assert anna.get_by_role("status").filter(has_text="Ververs de pagina").is_visible()
    assert anna.evaluate("window.__stillTheSamePage") is True  # no reload happened
    axe(anna)

    # A reload shows the same advice, now with the owner's own controls.
    anna.goto(question_url)
    assert anna.locator("article.post--advice", has_text=advice).get_by_role(
        "button", name="Markeer als nuttig").count() == 1


_COUNT_CATCH_UPS = """() => {
  window.__catchUps = [];
  const original = window.fetch;
  window.fetch = function (url, options) {
    return original(url, options).then(function (response) {
      if (String(url).indexOf('/berichten?') !== -1) {
        response.clone().json().then(function (data) { window.__catchUps.push(data.posts.length); });
      }
      return response;
    });
  };
}"""

_SHOWN = """() => Array.from(document.querySelectorAll("article.post[id^='bericht-']")).map(a => a.id)"""


def test_repeated_socket_drops_while_posts_continue_miss_nothing_and_show_nothing_twice(page, live_server):
    """The page joins, then catches up from its cursor; drops mid-stream lose no post, show none twice."""
    import re
    import threading
    import time

    from ..support.realtime import DEMO_EMAILS, login_over_http, post_form

    anna = page
    log_in(anna, "gezinswerker@demo.test")
    anna.goto("/vragen?status=alle")
    anna.get_by_role("link", name=QUESTION).click()
    anna.wait_for_url(QUESTION_PAGE)
    question_id = int(re.search(r"/vragen/(\d+)", anna.url).group(1))
    anna.wait_for_selector("[data-live-thread][data-live-joined='true']")
    anna.evaluate(_COUNT_CATCH_UPS)
    already = set(anna.evaluate(_SHOWN))

    eva = login_over_http(live_server.url, DEMO_EMAILS["eva"])
    posted, failures = [], []
    marker = uuid.uuid4().hex[:6]

    def keep_posting():
        for n in range(40):
            response = post_form(eva, live_server.url, f"/vragen/{question_id}/reageren",
                                 {"body": f"Live advies {marker} nummer {n}.", "actie": "plaatsen"})
            if response.status_code != 302:
                failures.append(response.status_code)
                continue
            posted.append("bericht-" + re.search(r"#bericht-(\d+)", response.headers["Location"]).group(1))
            time.sleep(0.05)

    poster = threading.Thread(target=keep_posting)
    poster.start()
    drops = 0
    while poster.is_alive() and drops < 8:
        time.sleep(0.7)
        # Drop the connection as a flaky network would; the client reconnects by itself.
        anna.evaluate("window.expertiseRealtime.socket.io.engine.close()")
        drops += 1
    poster.join(120)
    assert failures == [] and len(posted) == 40 and drops >= 4

    anna.wait_for_function(
        "(ids) => ids.every(id => document.getElementById(id))", arg=posted, timeout=30_000)
    time.sleep(1.5)  # a late catch-up or event would show a duplicate now
    shown = anna.evaluate(_SHOWN)
    new = [i for i in shown if i not in already]
    missed = [i for i in posted if i not in shown]
    duplicates = sorted({i for i in shown if shown.count(i) > 1})
    assert (missed, duplicates) == ([], [])
    assert sorted(new) == sorted(posted)
    # Catch-ups send only what changed since the page's cursor: together no more than was posted.
    catch_ups = anna.evaluate("window.__catchUps")
    assert len(catch_ups) >= 1
    # (a post committed while a catch-up reads may come with the next one too: at most one each)
    assert sum(catch_ups) <= len(posted) + len(catch_ups), catch_ups


def test_a_failed_login_focuses_its_errors_and_a_dropped_connection_is_announced(page, axe):
    # A wrong password: the page comes back with the error summary focused, its link to the field.
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill("gezinswerker@demo.test")
    page.get_by_label("Wachtwoord").fill("niet het wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_selector(".error-summary")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.locator(".error-summary a").click()
    assert page.evaluate("document.activeElement.id") == "password"
    axe(page)

    log_in(page, "gezinswerker@demo.test")
    page.goto("/vragen?status=alle")
    page.get_by_role("link", name=QUESTION).click()
    page.wait_for_selector("[data-live-thread][data-live-joined='true']")
    status = page.get_by_role("status").filter(has_text="live verbinding")
    # The network goes away: after a moment a notice says so; when it is back, another says that.
    page.context.set_offline(True)
    page.evaluate("window.expertiseRealtime.socket.io.engine.close()")
    status.filter(has_text="weggevallen").wait_for(timeout=10_000)
    axe(page)
    page.context.set_offline(False)
    status.filter(has_text="hersteld").wait_for(timeout=40_000)
    page.locator(".connection-notice").wait_for(state="detached", timeout=10_000)
