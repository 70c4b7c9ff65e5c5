"""Log in through Chromium as a person does: password, then the code of the authenticator app."""
import re

from expertise.demo import DEMO_PASSWORD

from ..support.totp import AUTHENTICATORS


# A question's own page. Not the glob "**/vragen/*": /vragen/nieuw matches it too, so after
# "Vraag plaatsen" the wait returned at once and the test read the form page (a CI flake).
QUESTION_PAGE = re.compile(r".*/vragen/\d+$")


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


# --- layout checks, run in the page -------------------------------------------------------------

_DUPLICATE_IDS = """() => {
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `id="${id}" ${n}x`);
}"""

# A word (between spaces, hyphens and slashes) whose letters land on more than one line.
_BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^\\s\\-\\/–—]+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 60)}": ${match[0]}`);
      }
    }
  }
  return broken;
}"""

# Every visible checkbox and radio button with the rendered width of each of its visible labels.
_CHOICE_LABELS = """() => [...document.querySelectorAll('input[type=checkbox], input[type=radio]')]
  .filter(input => input.getClientRects().length > 0)
  .map(input => ({
    id: input.id,
    labels: [...input.labels]
      .filter(label => label.getClientRects().length > 0 && !label.classList.contains('visually-hidden'))
      .map(label => {
        const range = document.createRange();
        range.selectNodeContents(label);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
        return {text: label.textContent.trim().slice(0, 60), width: label.getBoundingClientRect().width, lines};
      }),
  }))"""

HEADERS = "th, h1, h2, h3, h4, h5, h6, legend, label"


def narrow_cells(page, selector, minimum):
    """Return the visible cells matching `selector` narrower than `minimum` px (text squeezed into a column)."""
    return page.evaluate("""([selector, minimum]) => [...document.querySelectorAll(selector)]
      .filter(cell => cell.getClientRects().length > 0 && cell.getBoundingClientRect().width < minimum)
      .map(cell => `${cell.textContent.trim().slice(0, 40)}: ${Math.round(cell.getBoundingClientRect().width)} px`)""",
                         [selector, minimum])


def duplicate_ids(page):
    """Return the ids that more than one element of the page carries."""
    return page.evaluate(_DUPLICATE_IDS)


def broken_words(page, selector=HEADERS):
    """Return the words of table headers, headings, legends and labels that break across lines."""
    return page.evaluate(_BROKEN_WORDS, selector)


def narrow_choice_labels(page, minimum=200):
    """Return the visible checkboxes and radio buttons whose label is squeezed.

    Squeezed: narrower than `minimum` px and wrapped onto more than one line (a short label such
    as "Cas Coördinator aanwezig" may be narrower on one line; a label in a 24 px column is not).
    """
    problems = []
    for choice in page.evaluate(_CHOICE_LABELS):
        if not choice["labels"]:
            problems.append(f"#{choice['id']}: no visible label")
        problems += [f"#{choice['id']} \"{label['text']}\": {label['width']:.0f} px on {label['lines']} lines"
                     for label in choice["labels"] if label["width"] < minimum and label["lines"] > 1]
    return problems


# True when the control looks different from an untouched copy of it without `required`: the look
# of an invalid field (a copy is compared, so no transition of the original is caught half-way).
_STYLED_INVALID = """(el) => {
  const props = ['background-color', 'color', 'border-top-color', 'border-bottom-color',
                 'border-inline-start-color', 'border-top-width', 'border-bottom-width'];
  const copy = el.cloneNode(false);
  copy.required = false;
  copy.removeAttribute('id');
  copy.removeAttribute('name');
  el.after(copy);
  const a = getComputedStyle(el), b = getComputedStyle(copy);
  const differs = props.filter(p => a.getPropertyValue(p) !== b.getPropertyValue(p));
  copy.remove();
  return differs;
}"""


def styled_invalid(locator):
    """Return the style properties in which a required control looks invalid (empty: it looks normal)."""
    return locator.evaluate(_STYLED_INVALID)


def required_controls_styled_invalid(page):
    """Return the visible required controls that look invalid although the server reported no error."""
    problems = []
    controls = page.locator("textarea[required]:not([aria-invalid=true]), input[required]:not([aria-invalid=true]),"
                            " select[required]:not([aria-invalid=true])")
    for index in range(controls.count()):
        control = controls.nth(index)
        if control.is_visible() and (differs := styled_invalid(control)):
            problems.append(f"#{control.get_attribute('id')}: {', '.join(differs)}")
    return problems


# Visible text blocks of the page's main part narrower than `minimum` px whose text wraps onto
# several lines, and form fields narrower than that: a text column squeezed by its neighbours.
_NARROW_TEXT = """(minimum) => {
  const blocks = 'p, li, dd, dt, td, th, label, h1, h2, h3, legend, blockquote';
  const fields = 'textarea, select, input[type=text], input[type=email], input[type=search], input[type=password], input[type=date], input:not([type])';
  const problems = [];
  for (const el of document.querySelectorAll(`main :is(${blocks}, ${fields})`)) {
    const box = el.getBoundingClientRect();
    if (!el.getClientRects().length || box.width <= 1 || box.width >= minimum) continue;  // 1 px: visually hidden
    if (!el.matches(fields)) {
      const tops = new Set();
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.data.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
      }
      if (tops.size < 2) continue;
    }
    problems.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 40)}": ${Math.round(box.width)} px`);
  }
  return problems;
}"""


def narrow_text_columns(page, minimum=120):
    """Return the text blocks (wrapping onto several lines) and form fields of <main> narrower than `minimum` px."""
    return page.evaluate(_NARROW_TEXT, minimum)
