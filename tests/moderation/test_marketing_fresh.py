"""Hand-written replies (none from the development set): advice passes, marketing is held."""
import pytest

from expertise.moderation.marketing import score_marketing

ADVICE = [
    "Het Juridisch Loket geeft kosteloos advies over de omgangsregeling; verwijs moeder daarnaar.",
    "Food prices have gone up a lot; check whether the family gets the toeslagen they are entitled to.",
    "Overweeg een verwijzing naar de specialistische GGZ; de huisarts kan dat regelen.",
    "Bij Altrecht zien we vaak dat jongeren met deze klachten baat hebben bij structuur. Bespreek met school een vast dagritme.",
    "Het tarief van de eigen bijdrage wordt door het CAK bepaald, daar kan het gezin navragen wat het wordt.",
    "Ask the school to book an interpreter for the next meeting, and don't let the boy translate.",
    "Neem contact op met Veilig Thuis (0800-2000) voor advies, ook anoniem.",
    "Kunnen we dit samen in het wekelijks overleg bespreken? Dan kijken meerdere disciplines mee.",
    "Kijk ook eens op thuisarts.nl, daar staat goede uitleg over slaapproblemen bij kinderen.",
]
MARKETING = [
    "Wij kunnen dit gezin binnen een week zien in onze nieuwe praktijk. Bel 030-1234567.",
    "Tip: onze oudertraining Sterk Samen start in maart, aanmelden via sterksamen.nl",
    "Tarief op aanvraag, de eerste kennismaking is gratis.",
    "Waar andere aanbieders een wachtlijst hebben, kunnen wij direct starten.",
    "DM me for more info about our programme!",
    "Ik ben zelf systeemtherapeut en help gezinnen in deze situatie; reageer op dit bericht als je interesse hebt.",
]


@pytest.mark.parametrize("text", ADVICE)
def test_advice_is_not_held(text):
    result = score_marketing(text)
    assert not result.held, [r.code for r in result.reasons]


@pytest.mark.parametrize("text", MARKETING)
def test_marketing_is_held_with_a_reason(text):
    result = score_marketing(text)
    assert result.held
    assert all(r.label for r in result.reasons)
