"""Log in through Chromium as a person does: password, then the code of the authenticator app."""
from expertise.demo import DEMO_PASSWORD

from ..support.totp import AUTHENTICATORS


def authenticator_for(page):
    """Return the demo authenticator of the live server this page talks to."""
    url = page.url
    for base, authenticator in AUTHENTICATORS.items():
        if url.startswith(base):
            return authenticator
    raise AssertionError(f"no live server for {url}")


def log_in(page, email, password=DEMO_PASSWORD):
    page.goto("/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/inloggen/code")
    page.get_by_label("Code").fill(authenticator_for(page).code(email))
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/")


def log_out(page):
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/inloggen")
