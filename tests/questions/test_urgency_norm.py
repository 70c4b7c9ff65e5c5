"""The advice norm (README: advice within 2 working days, 1 when urgent) reads the same everywhere."""
import re
from pathlib import Path

from expertise.questions.models import Urgency

ROOT = Path(__file__).resolve().parents[2]
NORM = "geen advies binnen 2 werkdagen, 1 bij urgent"


def test_the_norm_is_two_working_days_and_one_when_urgent():
    assert Urgency.NORMAL.advice_working_days == 2
    assert Urgency.URGENT.advice_working_days == 1


def test_urgency_options_and_their_hint_agree_with_the_norm(cast, login):
    page = login(cast.anna).get("/vragen/nieuw").get_data(as_text=True)
    field = page[page.index('for="urgency"'):page.index("</select>", page.index('for="urgency"'))]
    options = dict(re.findall(r'<option[^>]*value="(normal|urgent)"[^>]*>([^<]*)</option>', field))
    assert options == {"normal": "Normaal (binnen 2 werkdagen)", "urgent": "Urgent (binnen 1 werkdag)"}
    # The hint names no number of its own that could contradict the options.
    hint = re.search(r'id="urgency-hint">([^<]*)<', field).group(1)
    assert not re.search(r"\d", hint), hint


def test_question_list_and_coordinator_home_name_the_same_norm(cast, login):
    assert f"over de norm ({NORM})" in login(cast.eva).get("/vragen").get_data(as_text=True)
    home = login(cast.cas).get("/").get_data(as_text=True)
    assert f"welke over de norm heen zijn ({NORM})." in home


def test_the_question_page_shows_the_urgency_with_its_norm(cast, login):
    from .. import factories
    from expertise.extensions import db

    question = factories.make_question(cast.anna, urgency="urgent")
    db.session.commit()
    assert "Urgent (binnen 1 werkdag)" in login(cast.eva).get(f"/vragen/{question.id}").get_data(as_text=True)


def test_no_text_but_the_model_writes_a_number_of_working_days():
    """A number before "werkdag" anywhere else would be a second norm that can drift from the first."""
    sources = [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("platform", "expertise").rglob("*.py")]
    skip = {
        ROOT / "platform" / "expertise" / "questions" / "models.py",  # Urgency: the norm itself
        ROOT / "platform" / "expertise" / "moderation" / "marketing.py",  # "binnen 3 werkdagen een intake"
    }
    written = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sources
        if path not in skip
        for match in re.finditer(r"\d+\s*werkdag\w*", path.read_text())
    ]
    assert written == []
