"""The closing form names each advice so the owner can tell them apart."""
import re
from datetime import datetime, timedelta, timezone

from expertise.consultations import service as consultations
from expertise.extensions import db

from .. import factories

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc)  # Monday 10:00 in Amsterdam
_LABEL = re.compile(r'<label class="utrecht-form-label" for="rating_(\d+)">([^<]*)</label>')
_HINT = re.compile(r'id="rating_(\d+)-hint">([^<]*)</p>')


def _unescape(text):
    return text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def test_closing_form_names_each_advice_by_author_time_and_its_first_words(cast, login):
    question = factories.make_question(cast.anna, now=NOW)
    first = factories.make_post(cast.eva, question, body="Houd **elke avond** hetzelfde ritueel aan.",
                                now=NOW + timedelta(hours=1))
    second = factories.make_post(
        cast.eva, question, now=NOW + timedelta(hours=2, minutes=5),
        body="Nog een aanvulling: laat het kind zelf kiezen welk verhaal er wordt voorgelezen, "
             "en houd de lamp zacht, zodat slapen <vanzelf> gaat.",
    )
    # The weekly consultation's conclusion: an advice by the coordinator, who has no organisation.
    series = factories.make_series(cast.cas, teams=[cast.anna.team], experts=[cast.eva], now=NOW)
    item = factories.make_nomination(cast.anna, question, series, now=NOW)
    during = item.meeting.starts_at + timedelta(minutes=30)
    consultations.record_attendance(cast.cas, item.meeting, [(cast.eva, True, 60)], now=during)
    conclusion = consultations.record_conclusion(cast.cas, item, conclusion="Schakel de huisarts in.", now=during)
    db.session.commit()

    page = login(cast.anna).get(f"/vragen/{question.id}/afsluiten").get_data(as_text=True)
    labels = {int(pid): _unescape(text) for pid, text in _LABEL.findall(page)}
    hints = {int(pid): _unescape(text) for pid, text in _HINT.findall(page)}

    assert labels[first.id] == ("Bruikbaarheid van het advies van Eva Deskundige (Altrecht) "
                                "van 4 mei 2026 11:00, 1 tot en met 5")
    assert labels[second.id] == ("Bruikbaarheid van het advies van Eva Deskundige (Altrecht) "
                                 "van 4 mei 2026 12:05, 1 tot en met 5")
    # No empty parentheses for someone without an organisation.
    assert labels[conclusion.id].startswith("Bruikbaarheid van het advies van Cas Coordinator van 7 mei 2026")
    assert "()" not in page
    # Each row starts with the advice's own words, as plain text, the long one cut at a word.
    assert hints[first.id] == "“Houd elke avond hetzelfde ritueel aan.”"
    assert hints[second.id] == "“Nog een aanvulling: laat het kind zelf kiezen welk verhaal er wordt voorgelezen…”"
    assert hints[conclusion.id].startswith("“Advies uit het wekelijks overleg van 7 mei Schakel de huisarts in.")
    # The hint belongs to its field for a screen reader.
    for post_id in (first.id, second.id, conclusion.id):
        assert re.search(rf'id="rating_{post_id}"[^>]*aria-describedby="rating_{post_id}-hint"', page) or \
            re.search(rf'aria-describedby="rating_{post_id}-hint"[^>]*id="rating_{post_id}"', page)
