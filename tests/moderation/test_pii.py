"""Behaviour of the personal-data guard on hand-written questions."""

from datetime import date

import pytest
from hypothesis import given, strategies as st

from expertise.moderation.pii import (
    KnownIdentity,
    Span,
    elfproef,
    find_bsn,
    find_personal_data,
    match_known_identity,
    pseudonymise,
)


def types(text):
    return {(s.type, s.text) for s in find_personal_data(text)}


# --- BSN

def test_valid_bsn_spaced_is_found_and_invalid_is_not():
    assert [s.text for s in find_bsn("Zijn BSN is 123 456 782.")] == ["123 456 782"]
    assert [s.text for s in find_bsn("bsn 1234.56.782")] == ["1234.56.782"]
    assert find_bsn("Bestelnummer 123456789 is nog niet geleverd.") == []


def test_bsn_without_the_word_bsn_is_found():
    assert [s.type for s in find_personal_data("Moeder gaf mij 111222333 door.")] == ["bsn"]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_find_bsn_agrees_with_elfproef(digits):
    assert bool(find_bsn(f"nummer {digits} hier")) == elfproef(digits)


# --- known identity

IDENTITY = KnownIdentity(name="Sanne Jasmijn van der Berg-Özdemir", date_of_birth=date(2012, 3, 7), file_number="BT-2024-00123")


def test_known_identity_matches_lowercase_without_diacritics():
    hits = match_known_identity("ik sprak sanne en haar moeder, mw. van der berg-ozdemir", IDENTITY)
    assert [h.type for h in hits] == ["person_name", "person_name"]
    assert hits[0].text == "sanne"


def test_known_identity_matches_surname_without_particles_and_initials():
    text = "S. van der Berg komt vaak te laat. Ozdemir is de naam van haar vader."
    found = [h.text for h in match_known_identity(text, IDENTITY)]
    assert "S. van der Berg" in found
    assert "Ozdemir" in found


def test_known_identity_fuzzy_and_diminutive():
    assert match_known_identity("Sane heeft een zusje.", IDENTITY)
    assert match_known_identity("Sannetje is blij.", IDENTITY)


@pytest.mark.parametrize(
    "written",
    ["07-03-2012", "7-3-2012", "7/3/12", "2012-03-07", "7 maart 2012", "7 maart", "07032012", "7 mrt. 2012", "07.03.2012", "March 7, 2012"],
)
def test_date_of_birth_in_every_format(written):
    hits = match_known_identity(f"Zij is geboren op {written} in Utrecht.", IDENTITY)
    assert [h.type for h in hits] == ["date"]


def test_file_number_ignores_separators_and_case():
    for written in ("BT-2024-00123", "bt 2024 00123", "BT202400123", "bt/2024/00123"):
        assert [h.type for h in match_known_identity(f"dossier {written}.", IDENTITY)] == ["case_number"]


def test_common_word_name_does_not_fire_on_the_word():
    roos = KnownIdentity(name="Roos Bakker")
    assert match_known_identity("Ze heeft last van roos op haar hoofdhuid en werkt bij de bakker.", roos) == []
    assert match_known_identity("Gisteren zei Roos dat ze niet wil.", roos)
    assert match_known_identity("roos bakker komt niet meer.", roos)


def test_short_name_only_exact_token():
    bo = KnownIdentity(name="Bo de Wit")
    assert match_known_identity("Het gaat om bo.", bo)
    assert not match_known_identity("Ze boos weg.", bo)


# --- detectors

def test_public_helplines_are_not_phone_numbers():
    assert types("Ik heb Veilig Thuis gebeld (0800-2000) en 113 gemaild; bij gevaar 112.") == set()


def test_phone_email_postcode_and_address():
    found = types("Vader woont op de Kanaalstraat 14bis, 3531 CJ Utrecht, tel 06-12345678, mail vader.j@gmail.com.")
    assert ("address", "Kanaalstraat 14bis") in found
    assert ("postcode", "3531 CJ") in found
    assert ("phone", "06-12345678") in found
    assert ("email", "vader.j@gmail.com") in found


def test_foreign_phone_number_is_found():
    assert ("phone", "+212 612 345 678") in types("Oom is bereikbaar op +212 612 345 678.")


def test_dates_need_day_and_month():
    found = types("Sinds maart 2023 gaat het slechter; op 4 april en op 12-06 was het mis. In 2021 niet.")
    assert {t for t, _ in found} == {"date"}
    assert {x for _, x in found} == {"4 april", "12-06"}


def test_names_after_titles_roles_and_ages():
    found = types("Mw. de Graaf belde over haar zoon Daan (9). Juf Ilse van OBS De Linde maakt zich zorgen.")
    assert ("person_name", "de Graaf") in found
    assert ("person_name", "Daan") in found
    assert ("person_name", "Ilse") in found
    assert ("institution", "OBS De Linde") in found


def test_roles_and_eponymous_conditions_are_not_names():
    text = "De moeder heeft het syndroom van Down en de vader werkt bij Albert Heijn. Oma helpt."
    assert types(text) == set()


def test_case_numbers_and_handles():
    found = types("Zaaknummer gemeente Z/23/88120; ze post als @lotje_030 op tiktok.com/@lotje_030.")
    assert ("case_number", "Z/23/88120") in found
    assert ("url", "@lotje_030") in found


def test_pseudonymised_text_contains_no_name():
    text = "Moeder Fatma Arslan (34) en haar zoon Kerem (8) wonen aan de Kanaalweg 12. Kerem slaapt slecht."
    spans = find_personal_data(text)
    out = pseudonymise(text, spans)
    for leak in ("Fatma", "Arslan", "Kerem", "Kanaalweg"):
        assert leak not in out
    assert out.startswith("Moeder [naam] (34) en haar zoon [naam] (8)")
    assert "[adres]" in out


def test_pseudonymise_with_explicit_spans_keeps_roles():
    text = "broertje (8) heet Sem"
    assert pseudonymise(text, [Span(18, 21, "person_name", "Sem")]) == "broertje (8) heet [naam]"


def test_module_never_logs(caplog):
    with caplog.at_level("DEBUG"):
        find_personal_data("Moeder Fatma Arslan belde op 06-12345678.")
        match_known_identity("Fatma", KnownIdentity(name="Fatma Arslan"))
    assert caplog.records == []
