"""Behaviour of the marketing filter on hand-written replies."""

import pytest

from expertise.moderation.marketing import THRESHOLD, score_marketing


def codes(text, **kw):
    return {r.code for r in score_marketing(text, **kw).reasons}


def test_public_helpline_number_is_not_marketing():
    result = score_marketing(
        "Twijfel je over de veiligheid? Bel Veilig Thuis via 0800-2000, ook anoniem. "
        "Bij direct gevaar bel je 112."
    )
    assert not result.held
    assert "contact_details" not in {r.code for r in result.reasons}


def test_public_website_and_call_to_gp_is_advice():
    text = (
        "Neem contact op met de huisarts van het gezin. Op thuisarts.nl staat uitleg in "
        "eenvoudige taal, en jongeren kunnen chatten via 113.nl."
    )
    assert not score_marketing(text).held


def test_neutral_mention_of_a_kind_of_help_is_advice():
    assert not score_marketing(
        "Bij matige klachten zou ik een verwijzing naar de specialistische GGZ overwegen."
    ).held


def test_author_mentioning_employer_as_experience_is_advice():
    assert not score_marketing(
        "Vanuit mijn werk bij Reinaerde zie ik vaak dat visuele planners ouders met een LVB helpen."
    ).held


def test_obfuscated_phone_number_is_contact_details():
    result = score_marketing("Wil je sparren? Mijn nummer: nul zes, een vier, twee twee, acht negen, drie een.")
    assert result.held
    assert "contact_details" in {r.code for r in result.reasons}


def test_obfuscated_email_is_contact_details():
    assert "contact_details" in codes("Mail me op hallo [at] gezinskompas [punt] nl.")


def test_spaced_digits_are_contact_details():
    assert "contact_details" in codes("Bereikbaar op 0 6 1 2 3 4 5 6 7 8 op werkdagen.")


def test_one_promotional_sentence_makes_the_whole_reply_marketing():
    text = (
        "Een vaste ochtendroutine met pictogrammen geeft veel kinderen met autisme rust. "
        "Bespreek met school of ze dezelfde pictogrammen willen gebruiken. "
        "Meer weten over onze oudertraining? Neem contact met ons op."
    )
    result = score_marketing(text)
    assert result.held
    assert result.score >= THRESHOLD
    assert {"call_to_action", "own_programme"} <= {r.code for r in result.reasons}


@pytest.mark.parametrize(
    "text, code",
    [
        ("Op dit moment hebben wij geen wachtlijst voor diagnostiek.", "waiting_list"),
        ("Het werkboek kost €19,95 en met code GEZIN10 krijg je korting.", "price"),
        ("We zoeken nog pleegouders in de regio; kijk op pleegzorgdichtbij.nl.", "recruitment"),
        ("Volg ons op Instagram voor dagelijkse opvoedtips!", "social_follow"),
        ("Schrijf je in voor ons webinar over schoolverzuim op 4 maart.", "event_or_newsletter"),
        ("Kijk voor handige timers op www.prikkelarm-shop.nl.", "commercial_link"),
        ("Our clinic offers assessments within two weeks, contact us to book.", "own_programme"),
    ],
)
def test_each_kind_of_promotion_is_held_with_its_reason(text, code):
    result = score_marketing(text)
    assert result.held
    assert code in {r.code for r in result.reasons}


def test_reasons_have_dutch_label_and_span_into_text():
    text = "Bel ons gerust voor een kennismaking."
    reason = score_marketing(text).reasons[0]
    assert reason.code == "call_to_action"
    assert reason.label.startswith("Oproep")
    assert text[reason.span[0]:reason.span[1]].lower().startswith("bel ons")


def test_own_organisation_name_is_a_call_to_action():
    text = "Meld het gezin gerust aan bij De Vuurtoren, dan plannen we een kennismaking."
    assert score_marketing(text, author_org_names=["De Vuurtoren"]).held
    assert "call_to_action" in codes(text, author_org_names=["De Vuurtoren"])


def test_call_to_action_towards_third_party_is_advice():
    assert not score_marketing("Bel de leerplichtambtenaar en vraag om een gesprek met school erbij.").held


def test_result_is_immutable():
    result = score_marketing("Gewoon advies.")
    with pytest.raises(AttributeError):
        result.held = True
