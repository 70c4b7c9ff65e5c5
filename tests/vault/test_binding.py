"""Ciphertexts moved or swapped inside the database no longer open (T-7, database level)."""
import pytest

from expertise.core.time import utcnow
from expertise.extensions import db
from expertise.vault import service
from expertise.vault.models import HOLDER_USER, ResidentKeyGrant

from ..factories import make_resident, private_key_of
from .helpers import make_colleague


def _reveal(user, resident):
    db.session.expire_all()
    return service.reveal_identity(user, resident, private_key=private_key_of(user), now=utcnow())


def _user_grant(resident):
    return db.session.scalar(db.select(ResidentKeyGrant).filter_by(resident_id=resident.id, holder_type=HOLDER_USER))


def test_identity_moved_to_another_resident_row_fails(cast):
    first = make_resident(cast.anna)
    second = make_resident(cast.anna, {"name": "Piet Pietersen", "date_of_birth": "2012-01-01"})
    second.identity_ct = first.identity_ct
    db.session.commit()
    assert _reveal(cast.anna, first).name.startswith("Janneke")
    with pytest.raises(service.VaultLocked):
        _reveal(cast.anna, second)


def test_grants_swapped_between_residents_fail(cast):
    first = make_resident(cast.anna)
    second = make_resident(cast.anna, {"name": "Piet Pietersen", "date_of_birth": "2012-01-01"})
    a, b = _user_grant(first), _user_grant(second)
    a.wrapped_dek, b.wrapped_dek = b.wrapped_dek, a.wrapped_dek
    db.session.commit()
    for resident in (first, second):
        with pytest.raises(service.VaultLocked):
            _reveal(cast.anna, resident)


def test_a_grant_copied_to_another_user_fails(cast):
    colleague = make_colleague(cast.anna)
    private_key_of(colleague)
    resident = make_resident(cast.anna)
    grant = _user_grant(resident)
    grant.holder_id = colleague.id  # the DBA re-labels anna's grant as carla's
    resident.owner_id = colleague.id
    db.session.commit()
    with pytest.raises(service.VaultLocked):
        _reveal(colleague, resident)


def test_a_flipped_bit_in_the_stored_identity_fails(cast):
    resident = make_resident(cast.anna)
    data = bytearray(resident.identity_ct)
    data[20] ^= 1
    resident.identity_ct = bytes(data)
    db.session.commit()
    with pytest.raises(service.VaultLocked):
        _reveal(cast.anna, resident)
