"""Every free-text field of every form passes the personal-data guard (issue 24, items 1–3).

The fields are enumerated from the WTForms classes in `platform/expertise/*/forms.py`
(every StringField subclass: text, textarea, password, e-mail, search); each is in
`guard.GUARDED_FIELDS` or, with its reason, in `guard.UNGUARDED_FIELDS`. A new field in
neither fails here, and a guarded field without a way to drive it through HTTP
(`guarded.DRIVERS`) fails too. Each driver is then run with a harmless text (accepted:
the driver works) and with a BSN and, where the writer is the question's owner, the
resident's name (refused, with the error next to the field and the text as typed).
"""
import importlib
import inspect
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import StringField
from wtforms.fields.core import UnboundField

from expertise.questions import guard

from .guarded import DRIVERS, World

FORMS = Path(__file__).resolve().parents[2] / "platform" / "expertise"
HARMLESS = "Graag bespreken welke aanpak past bij slapen en school."
BSN = "Het BSN is 111222333."
NAME = "Het gaat om Janneke, die slecht slaapt."


def _form_classes():
    for path in sorted(FORMS.glob("*/forms.py")):
        module = importlib.import_module(f"expertise.{path.parent.name}.forms")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__:
                yield cls


def free_text_fields():
    """Return {"FormClass.field"} of every StringField (or subclass) declared on a form class."""
    found = set()
    for cls in _form_classes():
        for name in dir(cls):
            value = getattr(cls, name, None)
            if isinstance(value, UnboundField) and issubclass(value.field_class, StringField):
                found.add(f"{cls.__name__}.{name}")
    return found


def test_every_free_text_field_of_every_form_is_guarded_or_allowed_with_a_reason():
    fields = free_text_fields()
    assert "CloseForm.explanation" in fields and "FlagForm.note" in fields  # the enumeration works
    assert set(guard.GUARDED_FIELDS) & set(guard.UNGUARDED_FIELDS) == set()
    assert fields - set(guard.GUARDED_FIELDS) - set(guard.UNGUARDED_FIELDS) == set(), "add it to GUARDED_FIELDS"
    assert (set(guard.GUARDED_FIELDS) | set(guard.UNGUARDED_FIELDS)) - fields == set(), "stale entries"
    assert all(reason.strip() for reason in guard.UNGUARDED_FIELDS.values())


def test_every_guarded_field_has_a_driver_and_the_owners_fields_a_driver_as_owner():
    driven = {d.field for d in DRIVERS}
    assert set(guard.GUARDED_FIELDS) - driven == set()
    assert driven - set(guard.GUARDED_FIELDS) == set()
    owners = {d.field for d in DRIVERS if d.owner}
    assert {"CloseForm.explanation", "NominateForm.note", "FlagForm.note", "PostForm.body"} <= owners


def _refused(world, driver, text, extra=None):
    response = driver.submit(world, text, extra)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400), (driver, response.status_code, response.headers.get("Location"))
    assert f'id="{driver.field_id}-error"' in page, driver
    assert str(escape(text)) in page, driver  # the text comes back as typed
    assert not any(text in stored for stored in driver.stored()), driver
    return page


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
def test_a_bsn_is_refused_in_every_guarded_field_whoever_writes_it(driver, cast, login):
    world = World(cast, login)
    page = _refused(world, driver, BSN)
    assert "een burgerservicenummer (BSN)" in page
    response = driver.submit(world, HARMLESS)  # the positive control: the same way in takes a harmless text
    assert response.status_code == 302, (driver, response.get_data(as_text=True)[:3000])
    assert any(HARMLESS in stored for stored in driver.stored()), driver


@pytest.mark.parametrize("driver", [d for d in DRIVERS if d.owner], ids=str)
def test_the_residents_name_is_refused_in_every_field_the_owner_writes(driver, cast, login):
    world = World(cast, login)
    page = _refused(world, driver, NAME)
    assert "de naam van de bewoner" in page
    assert world.client(cast.anna).get(f"/vragen/{world.question.id}").status_code == 200


@pytest.mark.parametrize("driver", [d for d in DRIVERS if d.policy == guard.WARN], ids=str)
def test_other_personal_data_warns_and_passes_once_confirmed(driver, cast, login):
    world = World(cast, login)
    text = "Bel de moeder op 06-12345678."
    page = _refused(world, driver, text)
    assert "Dit zijn geen herleidbare gegevens" in page and f'name="{driver.confirm}"' in page
    assert "Deze tekst bevat misschien herleidbare gegevens: “06-12345678” (telefoonnummer)." in page
    response = driver.submit(world, text, {driver.confirm: "y"})
    assert response.status_code == 302, (driver, response.get_data(as_text=True)[:3000])
    assert any(text in stored for stored in driver.stored()), driver


@pytest.mark.parametrize("driver", [d for d in DRIVERS if d.policy == guard.HOLD], ids=str)
def test_other_personal_data_by_someone_else_holds_the_post_for_a_moderator(driver, cast, login):
    from expertise.questions.models import Post, PostStatus
    from expertise.extensions import db

    world = World(cast, login)
    response = driver.submit(world, "Bel de moeder op 06-12345678.")
    assert response.status_code == 302
    db.session.expire_all()
    held = db.session.scalars(db.select(Post).where(Post.body.contains("06-12345678"))).one()
    assert held.status == PostStatus.HELD


def test_the_identity_hook_answers_none_for_everyone_but_the_owner_without_asking_the_vault(cast, monkeypatch):
    """Moderation and consultation views ask `known_identity_for`; only the owner's request decrypts."""
    from ..factories import make_question

    question = make_question(cast.anna)
    asked = []
    monkeypatch.setattr(guard, "_identity_lookup", lambda user, q, now: asked.append(user) or "identity")
    for person in (cast.bram, cast.eva, cast.olaf, cast.mila, cast.cas, cast.ada):
        assert guard.known_identity_for(person, question, now=None) is None
    assert asked == []
    assert guard.known_identity_for(cast.anna, question, now=None) == "identity" and asked == [cast.anna]
