"""Unit tests for the vault crypto core (test plan T-7, adapted)."""

from __future__ import annotations

import base64
import json
import unicodedata

import pytest
from cryptography.exceptions import UnsupportedAlgorithm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expertise.vault import crypto
from expertise.vault.crypto import VaultCryptoError

PEPPER = b"P" * 32
OTHER_PEPPER = b"Q" * 32
PASSWORD = "correct horse battery staple"
IDENTITY = {"naam": "Jan de Vries-Özdemir", "geboortedatum": "2010-05-03", "dossiernummer": "J-2023-0451"}
NEEDLES = ["Jan", "Vries", "Özdemir", "2010-05-03", "J-2023-0451"]

FIXED_DEK = bytes(range(32))
FIXED_SK = bytes(range(100, 132))
FIXED_PK = crypto.public_key_from_private(FIXED_SK)


def cheap_params(pepper_version: int = 1) -> crypto.KdfParams:
    return crypto.KdfParams.new(pepper_version, crypto.TEST_KDF)


def assert_clean(err: VaultCryptoError, *secrets: bytes | str) -> None:
    """Assert an error message leaks none of the given secrets and chains no cause."""
    message = str(err)
    for secret in secrets:
        if isinstance(secret, str):
            assert secret not in message
            continue
        for form in (secret.hex(), base64.b64encode(secret).decode(), repr(secret), secret.decode("latin-1")):
            assert form not in message
    for needle in NEEDLES:
        assert needle not in message
    assert err.__cause__ is None
    assert err.__context__ is None


# --------------------------------------------------------------------------
# KDF parameters
# --------------------------------------------------------------------------


def test_production_params_meet_asvs_minimum():
    assert crypto.meets_kdf_minimum(crypto.PRODUCTION_KDF)
    crypto.assert_kdf_minimum(crypto.KdfParams.new(1))


def test_test_params_are_cheap_and_below_minimum():
    assert crypto.TEST_KDF == crypto.KdfCost(iterations=1, memory_cost=8192, lanes=1)
    assert not crypto.meets_kdf_minimum(crypto.TEST_KDF)
    with pytest.raises(VaultCryptoError, match="below the ASVS minimum"):
        crypto.assert_kdf_minimum(cheap_params())


@pytest.mark.parametrize(
    ("t", "m", "ok"),
    [
        (1, 47104, True),
        (1, 47103, False),
        (2, 19456, True),
        (2, 19455, False),
        (3, 12288, True),
        (3, 12287, False),
        (5, 12288, True),
        (10, 8192, False),
    ],
)
def test_asvs_minimum_boundaries(t, m, ok):
    assert crypto.meets_kdf_minimum(crypto.KdfCost(iterations=t, memory_cost=m, lanes=1)) is ok


def test_kdf_params_survive_json_round_trip():
    params = crypto.KdfParams.new(7, crypto.PRODUCTION_KDF)
    restored = crypto.KdfParams.from_json(params.to_json())
    assert restored == params
    assert json.loads(params.to_json())["t"] == 3


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"alg":"argon2id","t":3,"m":65536,"p":4,"pepper_version":1}',
        '{"alg":"argon2id","t":3,"m":65536,"p":4,"pepper_version":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA==","x":1}',
        '{"alg":"argon2d","t":3,"m":65536,"p":4,"pepper_version":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="}',
        '{"alg":"argon2id","t":0,"m":65536,"p":4,"pepper_version":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="}',
        '{"alg":"argon2id","t":3,"m":65536,"p":4,"pepper_version":1,"salt":"AAAA"}',
        '{"alg":"argon2id","t":3,"m":65536,"p":4,"pepper_version":1,"salt":"!!!"}',
    ],
)
def test_malformed_kdf_json_is_rejected(text):
    with pytest.raises(VaultCryptoError):
        crypto.KdfParams.from_json(text)


def test_stored_params_below_target_or_old_pepper_need_upgrade():
    params = cheap_params(pepper_version=1)
    assert crypto.kdf_needs_upgrade(params, crypto.PRODUCTION_KDF, 1)
    prod = crypto.KdfParams.new(1)
    assert not crypto.kdf_needs_upgrade(prod, crypto.PRODUCTION_KDF, 1)
    assert crypto.kdf_needs_upgrade(prod, crypto.PRODUCTION_KDF, 2)


# --------------------------------------------------------------------------
# Password -> master key -> KEK / verifier
# --------------------------------------------------------------------------


def test_same_password_and_params_derive_same_master_key():
    params = cheap_params()
    assert crypto.derive_master_key(PASSWORD, params, PEPPER) == crypto.derive_master_key(PASSWORD, params, PEPPER)


def test_auth_verifier_accepts_right_password_and_rejects_wrong_one():
    params = cheap_params()
    stored = crypto.auth_verifier(crypto.derive_master_key(PASSWORD, params, PEPPER))
    assert crypto.verify_auth(crypto.derive_master_key(PASSWORD, params, PEPPER), stored)
    assert not crypto.verify_auth(crypto.derive_master_key(PASSWORD + "!", params, PEPPER), stored)


def test_verifier_and_kek_are_independent():
    mk = crypto.derive_master_key(PASSWORD, cheap_params(), PEPPER)
    assert crypto.auth_verifier(mk) != crypto.kek(mk)
    assert mk not in (crypto.auth_verifier(mk), crypto.kek(mk))


def test_composed_and_decomposed_password_derive_same_key():
    params = cheap_params()
    composed = unicodedata.normalize("NFC", "wachtwoord-Özdemir-é")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert crypto.derive_master_key(composed, params, PEPPER) == crypto.derive_master_key(decomposed, params, PEPPER)


def _wrapped_with_password(params: crypto.KdfParams) -> bytes:
    mk = crypto.derive_master_key(PASSWORD, params, PEPPER)
    return crypto.wrap_private_key(crypto.kek(mk), FIXED_SK, 7)


def test_private_key_round_trips_under_password_kek():
    params = cheap_params()
    blob = _wrapped_with_password(params)
    mk = crypto.derive_master_key(PASSWORD, params, PEPPER)
    assert crypto.unwrap_private_key(crypto.kek(mk), blob, 7) == FIXED_SK


def test_wrong_password_fails_to_unwrap_private_key():
    params = cheap_params()
    blob = _wrapped_with_password(params)
    mk = crypto.derive_master_key("wrong password entirely", params, PEPPER)
    with pytest.raises(VaultCryptoError, match="decryption failed") as exc:
        crypto.unwrap_private_key(crypto.kek(mk), blob, 7)
    assert_clean(exc.value, FIXED_SK, PASSWORD)


def test_wrong_pepper_fails_to_unwrap_private_key():
    params = cheap_params()
    blob = _wrapped_with_password(params)
    mk = crypto.derive_master_key(PASSWORD, params, OTHER_PEPPER)
    with pytest.raises(VaultCryptoError, match="decryption failed"):
        crypto.unwrap_private_key(crypto.kek(mk), blob, 7)


def test_wrong_salt_fails_to_unwrap_private_key():
    blob = _wrapped_with_password(cheap_params())
    mk = crypto.derive_master_key(PASSWORD, cheap_params(), PEPPER)
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_private_key(crypto.kek(mk), blob, 7)


def test_wrapped_private_key_moved_to_another_user_fails():
    kek = crypto.new_data_key()
    blob = crypto.wrap_private_key(kek, FIXED_SK, 7)
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_private_key(kek, blob, 8)


def test_password_wrap_cannot_be_opened_as_recovery_code_wrap():
    key = crypto.new_data_key()
    blob = crypto.wrap_private_key(key, FIXED_SK, 7)
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_private_key_rc(key, blob, 7)


@pytest.mark.parametrize("pepper", [b"", b"short", "not-bytes-at-all-but-long-enough"])
def test_short_or_missing_pepper_is_rejected(pepper):
    with pytest.raises(VaultCryptoError, match="pepper"):
        crypto.derive_master_key(PASSWORD, cheap_params(), pepper)


def test_empty_password_is_rejected():
    with pytest.raises(VaultCryptoError, match="password"):
        crypto.derive_master_key("", cheap_params(), PEPPER)


def test_missing_argon2id_in_openssl_is_reported_clearly(monkeypatch):
    def unsupported(**kwargs):
        raise UnsupportedAlgorithm("argon2 not supported")

    monkeypatch.setattr(crypto, "Argon2id", unsupported)
    with pytest.raises(VaultCryptoError, match="Argon2id is not available"):
        crypto.derive_master_key(PASSWORD, cheap_params(), PEPPER)
    with pytest.raises(VaultCryptoError, match="self-test failed"):
        crypto.self_test()


# --------------------------------------------------------------------------
# Personal recovery code
# --------------------------------------------------------------------------


def test_new_recovery_code_has_eight_groups_of_four():
    code = crypto.new_recovery_code()
    groups = code.split("-")
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)
    assert crypto.new_recovery_code() != code


def test_recovery_code_normalises_case_spaces_dashes_and_confusables():
    code = crypto.new_recovery_code()
    plain = code.replace("-", "")
    variants = [
        code.lower(),
        " ".join(code.split("-")),
        plain,
        f"  {plain[:10]} - {plain[10:]}\n",
        code.replace("0", "O").replace("1", "l"),
        code.replace("1", "I").lower(),
    ]
    key = crypto.recovery_code_key(code)
    for variant in variants:
        assert crypto.normalise_recovery_code(variant) == code
        assert crypto.recovery_code_key(variant) == key


def test_recovery_code_typo_is_detected():
    code = crypto.new_recovery_code()
    replacement = "A" if code[0] != "A" else "B"
    with pytest.raises(VaultCryptoError, match="typo") as exc:
        crypto.recovery_code_key(replacement + code[1:])
    assert_clean(exc.value, code, code.replace("-", ""))


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda c: c[:-1], "must have 32 characters"),
        (lambda c: c + "A", "must have 32 characters"),
        (lambda c: "U" + c[1:], "invalid character in group 1"),
        (lambda c: c[:10] + "*" + c[11:], "invalid character in group 3"),
    ],
)
def test_malformed_recovery_code_is_reported(mangle, message):
    with pytest.raises(VaultCryptoError, match=message):
        crypto.normalise_recovery_code(mangle(crypto.new_recovery_code()))


def test_private_key_round_trips_under_recovery_code():
    code = crypto.new_recovery_code()
    blob = crypto.wrap_private_key_rc(crypto.recovery_code_key(code), FIXED_SK, 7)
    assert crypto.unwrap_private_key_rc(crypto.recovery_code_key(code.lower()), blob, 7) == FIXED_SK
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_private_key_rc(crypto.recovery_code_key(crypto.new_recovery_code()), blob, 7)


# --------------------------------------------------------------------------
# Session blob
# --------------------------------------------------------------------------


def test_private_key_round_trips_through_session_blob():
    k_sess = crypto.new_session_key()
    blob = crypto.seal_session_key(k_sess, FIXED_SK, "sid_abc-123")
    assert crypto.open_session_key(k_sess, blob, "sid_abc-123") == FIXED_SK


def test_session_blob_moved_to_another_session_fails():
    k_sess = crypto.new_session_key()
    blob = crypto.seal_session_key(k_sess, FIXED_SK, "sid-1")
    with pytest.raises(VaultCryptoError):
        crypto.open_session_key(k_sess, blob, "sid-2")


def test_session_blob_without_the_cookie_key_fails():
    blob = crypto.seal_session_key(crypto.new_session_key(), FIXED_SK, "sid-1")
    with pytest.raises(VaultCryptoError) as exc:
        crypto.open_session_key(crypto.new_session_key(), blob, "sid-1")
    assert_clean(exc.value, FIXED_SK)


# --------------------------------------------------------------------------
# Identity under the resident data key
# --------------------------------------------------------------------------

identity_values = st.one_of(st.text(max_size=200), st.integers(), st.none(), st.booleans())
identities = st.dictionaries(st.text(max_size=30), identity_values, max_size=8)
resident_ids = st.one_of(st.integers(min_value=0, max_value=2**63), st.from_regex(r"[A-Za-z0-9_.\-]{1,40}", fullmatch=True))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(identity=identities, resident_id=resident_ids, dek_version=st.integers(min_value=1, max_value=10**6))
def test_identity_round_trips_for_random_payloads(identity, resident_id, dek_version):
    dek = crypto.new_data_key()
    blob = crypto.seal_identity(dek, identity, resident_id, dek_version)
    assert crypto.open_identity(dek, blob, resident_id, dek_version) == identity


def test_identity_ciphertext_moved_to_another_resident_fails():
    blob = crypto.seal_identity(FIXED_DEK, IDENTITY, 42, 1)
    with pytest.raises(VaultCryptoError, match="decryption failed") as exc:
        crypto.open_identity(FIXED_DEK, blob, 43, 1)
    assert_clean(exc.value, FIXED_DEK)


def test_identity_ciphertext_moved_to_another_dek_version_fails():
    blob = crypto.seal_identity(FIXED_DEK, IDENTITY, 42, 1)
    with pytest.raises(VaultCryptoError):
        crypto.open_identity(FIXED_DEK, blob, 42, 2)


def test_identity_under_another_data_key_fails():
    blob = crypto.seal_identity(FIXED_DEK, IDENTITY, 42, 1)
    with pytest.raises(VaultCryptoError):
        crypto.open_identity(crypto.new_data_key(), blob, 42, 1)


def test_identity_ciphertext_does_not_reveal_name_length():
    short = crypto.seal_identity(FIXED_DEK, {"naam": "Jan"}, 42, 1)
    long = crypto.seal_identity(FIXED_DEK, {"naam": "Jan de Vries-Özdemir van Oranje-Nassau"}, 42, 1)
    assert len(short) == len(long)
    assert (len(short) - 2 - 12 - 16) % crypto.IDENTITY_PAD == 0


def test_identity_ciphertext_contains_no_plaintext():
    blob = crypto.seal_identity(FIXED_DEK, IDENTITY, 42, 1)
    for needle in NEEDLES:
        assert needle.encode("utf-8") not in blob


def test_identity_that_is_not_json_serialisable_is_rejected_without_echoing_it():
    import datetime

    with pytest.raises(VaultCryptoError, match="JSON-serialisable") as exc:
        crypto.seal_identity(FIXED_DEK, {"naam": "Jan de Vries", "geboortedatum": datetime.date(2010, 5, 3)}, 42, 1)
    assert_clean(exc.value)


@pytest.mark.parametrize("bad_id", ["42|identity|1", "a b", "", "x" * 129, -1, True, 1.5, None])
def test_ids_that_could_forge_associated_data_are_rejected(bad_id):
    with pytest.raises(VaultCryptoError, match="resident_id"):
        crypto.seal_identity(FIXED_DEK, IDENTITY, bad_id, 1)


@pytest.mark.parametrize("bad_version", [0, -1, True, "1"])
def test_non_positive_dek_version_is_rejected(bad_version):
    with pytest.raises(VaultCryptoError, match="dek_version"):
        crypto.seal_identity(FIXED_DEK, IDENTITY, 42, bad_version)


def test_blob_from_database_memoryview_is_accepted():
    blob = crypto.seal_identity(FIXED_DEK, IDENTITY, 42, 1)
    assert crypto.open_identity(FIXED_DEK, memoryview(blob), 42, 1) == IDENTITY


# --------------------------------------------------------------------------
# HPKE wraps of the data key
# --------------------------------------------------------------------------


@settings(max_examples=100)
@given(dek=st.binary(min_size=32, max_size=32), resident_id=resident_ids, holder_id=st.integers(min_value=0))
def test_data_key_round_trips_through_hpke_wrap(dek, resident_id, holder_id):
    holder = crypto.user_holder(holder_id)
    blob = crypto.wrap_data_key(dek, FIXED_PK, resident_id, holder)
    assert len(blob) == crypto.HPKE_WRAP_LEN == 82
    assert crypto.unwrap_data_key(blob, FIXED_SK, resident_id, holder) == dek


def test_wrap_swapped_between_holders_fails():
    # Anna and Bram share a key pair here on purpose: only the info can reject the swap.
    blob = crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, "user:1")
    with pytest.raises(VaultCryptoError, match="decryption failed") as exc:
        crypto.unwrap_data_key(blob, FIXED_SK, 42, "user:2")
    assert_clean(exc.value, FIXED_DEK, FIXED_SK)


def test_wrap_swapped_between_user_and_org_holder_fails():
    blob = crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, crypto.org_holder(1))
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_data_key(blob, FIXED_SK, 42, crypto.user_holder(1))


def test_wrap_swapped_between_residents_fails():
    blob = crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, "user:1")
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_data_key(blob, FIXED_SK, 43, "user:1")


def test_wrap_for_another_holder_key_fails():
    other_sk, _ = crypto.generate_user_keypair()
    blob = crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, "user:1")
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_data_key(blob, other_sk, 42, "user:1")


def test_two_wraps_of_the_same_key_differ():
    a = crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, "user:1")
    b = crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, "user:1")
    assert a != b


@pytest.mark.parametrize("holder", ["user:", "admin:1", "user:1|x", "user 1", "", 1])
def test_malformed_holder_is_rejected(holder):
    with pytest.raises(VaultCryptoError, match="holder"):
        crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, holder)


def test_low_order_public_key_is_rejected():
    with pytest.raises(VaultCryptoError, match="invalid public key"):
        crypto.wrap_data_key(FIXED_DEK, bytes(32), 42, "user:1")


# --------------------------------------------------------------------------
# Tampering, versions and nonces, over every blob kind
# --------------------------------------------------------------------------

_KEK = bytes(range(200, 232))
_K_SESS = bytes(range(50, 82))

# Each case: (name, blob, opener). Blobs are built once so parametrisation is stable.
BLOB_CASES = {
    "private_key_wrap": (
        crypto.wrap_private_key(_KEK, FIXED_SK, 7),
        lambda blob: crypto.unwrap_private_key(_KEK, blob, 7),
    ),
    "session_blob": (
        crypto.seal_session_key(_K_SESS, FIXED_SK, "sid-1"),
        lambda blob: crypto.open_session_key(_K_SESS, blob, "sid-1"),
    ),
    "identity": (
        crypto.seal_identity(FIXED_DEK, {"naam": "Jan"}, 42, 1),
        lambda blob: crypto.open_identity(FIXED_DEK, blob, 42, 1),
    ),
    "hpke_wrap": (
        crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, "user:1"),
        lambda blob: crypto.unwrap_data_key(blob, FIXED_SK, 42, "user:1"),
    ),
}


def _bit_positions(kind: str) -> list[tuple[str, int]]:
    blob, _ = BLOB_CASES[kind]
    return [(kind, bit) for bit in range(len(blob) * 8)]


BIT_CASES = [case for kind in ("private_key_wrap", "session_blob", "hpke_wrap") for case in _bit_positions(kind)]


@pytest.mark.parametrize("kind", sorted(BLOB_CASES))
def test_untampered_blobs_open(kind):
    blob, opener = BLOB_CASES[kind]
    opener(blob)


@pytest.mark.parametrize(("kind", "bit"), BIT_CASES)
def test_flipping_any_single_bit_fails(kind, bit):
    blob, opener = BLOB_CASES[kind]
    tampered = bytearray(blob)
    tampered[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VaultCryptoError):
        opener(bytes(tampered))


@settings(max_examples=300)
@given(data=st.data())
def test_flipping_any_single_bit_of_identity_fails(data):
    blob, opener = BLOB_CASES["identity"]
    bit = data.draw(st.integers(min_value=0, max_value=len(blob) * 8 - 1))
    tampered = bytearray(blob)
    tampered[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(VaultCryptoError):
        opener(bytes(tampered))


@pytest.mark.parametrize("kind", sorted(BLOB_CASES))
@pytest.mark.parametrize("cut", [0, 1, 2, 13, 14, 29])
def test_truncated_blob_fails(kind, cut):
    blob, opener = BLOB_CASES[kind]
    with pytest.raises(VaultCryptoError):
        opener(blob[:cut])


@pytest.mark.parametrize("kind", sorted(BLOB_CASES))
def test_extended_blob_fails(kind):
    blob, opener = BLOB_CASES[kind]
    with pytest.raises(VaultCryptoError):
        opener(blob + b"\x00")


@pytest.mark.parametrize("kind", sorted(BLOB_CASES))
@pytest.mark.parametrize("version", [b"v2", b"v0", b"V1", b"\x00\x00"])
def test_unknown_blob_version_fails_clearly(kind, version):
    blob, opener = BLOB_CASES[kind]
    with pytest.raises(VaultCryptoError, match="^unsupported blob version$"):
        opener(version + blob[2:])


@pytest.mark.parametrize("kind", sorted(BLOB_CASES))
def test_non_bytes_blob_is_rejected(kind):
    _, opener = BLOB_CASES[kind]
    with pytest.raises(VaultCryptoError, match="must be bytes"):
        opener("v1" + "0" * 60)


def test_ten_thousand_seals_never_reuse_a_nonce():
    nonces = {crypto.seal_session_key(_K_SESS, FIXED_SK, "sid-1")[2:14] for _ in range(10_000)}
    assert len(nonces) == 10_000


def test_ten_thousand_hpke_wraps_never_reuse_an_encapsulated_key():
    encs = {crypto.wrap_data_key(FIXED_DEK, FIXED_PK, 42, "user:1")[2:34] for _ in range(10_000)}
    assert len(encs) == 10_000


@pytest.mark.parametrize("bad_key", [b"", b"k" * 16, b"k" * 31, b"k" * 33, "k" * 32])
def test_wrong_length_key_is_rejected_without_echoing_it(bad_key):
    with pytest.raises(VaultCryptoError) as exc:
        crypto.seal_identity(bad_key, IDENTITY, 42, 1)
    assert "k" * 16 not in str(exc.value)


def test_error_messages_never_contain_plaintext_or_keys():
    """Collect every failure path and check its message against all secrets."""
    dek = crypto.new_data_key()
    k_sess = crypto.new_session_key()
    sk, pk = crypto.generate_user_keypair()
    identity_blob = crypto.seal_identity(dek, IDENTITY, 42, 1)
    wrap = crypto.wrap_data_key(dek, pk, 42, "user:1")
    session_blob = crypto.seal_session_key(k_sess, sk, "sid-1")
    attempts = [
        lambda: crypto.open_identity(dek, identity_blob, 43, 1),
        lambda: crypto.open_identity(crypto.new_data_key(), identity_blob, 42, 1),
        lambda: crypto.open_identity(dek, b"v9" + identity_blob[2:], 42, 1),
        lambda: crypto.open_identity(dek, identity_blob[:20], 42, 1),
        lambda: crypto.unwrap_data_key(wrap, sk, 42, "user:2"),
        lambda: crypto.unwrap_data_key(wrap[:-1], sk, 42, "user:1"),
        lambda: crypto.open_session_key(k_sess, session_blob, "sid-2"),
        lambda: crypto.open_session_key(crypto.new_session_key(), session_blob, "sid-1"),
        lambda: crypto.seal_identity(dek, IDENTITY, "42|x", 1),
    ]
    for attempt in attempts:
        with pytest.raises(VaultCryptoError) as exc:
            attempt()
        assert_clean(exc.value, dek, k_sess, sk)


def test_identity_blob_that_decrypts_to_non_object_is_rejected():
    blob = crypto._seal(FIXED_DEK, b'["Jan de Vries"]', crypto._identity_aad(42, 1))
    with pytest.raises(VaultCryptoError, match="not a JSON object") as exc:
        crypto.open_identity(FIXED_DEK, blob, 42, 1)
    assert_clean(exc.value)


# --------------------------------------------------------------------------
# Organisation recovery key (kit)
# --------------------------------------------------------------------------


def _kit_for(private_raw: bytes) -> str:
    return f"{crypto.KIT_PREFIX}-{crypto._group(crypto._b32encode(private_raw + crypto._kit_check(private_raw)))}"


def test_recovery_kit_round_trips_to_the_private_key():
    public_raw, kit = crypto.generate_recovery_keypair()
    assert kit.startswith("EPR1-")
    assert len(kit.split("-")) == 15
    private_raw = crypto.parse_recovery_kit(kit)
    assert crypto.public_key_from_private(private_raw) == public_raw


def test_recovery_kit_parses_from_sloppy_input():
    public_raw, kit = crypto.generate_recovery_keypair()
    groups = kit.split("-")
    sloppy = " ".join(groups[:5]).lower() + "\n" + "".join(groups[5:]).replace("0", "o").replace("1", "l") + "  "
    assert crypto.public_key_from_private(crypto.parse_recovery_kit(sloppy)) == public_raw


def test_recovery_kit_typo_is_detected_at_every_position():
    kit = _kit_for(FIXED_SK)
    body_start = len("EPR1-")
    for index in range(body_start, len(kit)):
        if kit[index] == "-":
            continue
        for replacement in ("A", "Z", "7"):
            if replacement == kit[index]:
                continue
            typo = kit[:index] + replacement + kit[index + 1 :]
            with pytest.raises(VaultCryptoError, match="typo") as exc:
                crypto.parse_recovery_kit(typo)
            assert_clean(exc.value, FIXED_SK, kit)


def test_recovery_kit_with_missing_group_is_reported():
    kit = _kit_for(FIXED_SK)
    with pytest.raises(VaultCryptoError, match="must have 56 characters"):
        crypto.parse_recovery_kit(kit[:-5])


@pytest.mark.parametrize(("text", "message"), [("hello world", "not a recovery kit"), ("EPR2-AAAA", "unsupported recovery kit version")])
def test_text_that_is_not_a_current_kit_is_reported(text, message):
    with pytest.raises(VaultCryptoError, match=message):
        crypto.parse_recovery_kit(text)


def test_recovery_kit_unwraps_organisation_grant():
    public_raw, kit = crypto.generate_recovery_keypair()
    blob = crypto.wrap_data_key(FIXED_DEK, public_raw, 42, crypto.org_holder(3))
    assert crypto.unwrap_data_key(blob, crypto.parse_recovery_kit(kit), 42, "org:3") == FIXED_DEK


def test_fingerprint_is_short_stable_and_key_specific():
    fp = crypto.fingerprint(FIXED_PK)
    assert fp == crypto.fingerprint(FIXED_PK)
    groups = fp.split(" ")
    assert len(groups) == 5 and all(len(g) == 4 and int(g, 16) >= 0 for g in groups)
    assert crypto.fingerprint(crypto.generate_user_keypair()[1]) != fp


# --------------------------------------------------------------------------
# Handover and self-test
# --------------------------------------------------------------------------


def test_handover_rekey_leaves_old_owner_nothing_usable():
    anna_sk, anna_pk = crypto.generate_user_keypair()
    bram_sk, bram_pk = crypto.generate_user_keypair()
    org_pk, org_kit = crypto.generate_recovery_keypair()
    dek = crypto.new_data_key()
    identity_ct = crypto.seal_identity(dek, IDENTITY, 42, 1)
    anna_grant = crypto.wrap_data_key(dek, anna_pk, 42, "user:1")

    old_dek = crypto.unwrap_data_key(anna_grant, anna_sk, 42, "user:1")
    identity = crypto.open_identity(old_dek, identity_ct, 42, 1)
    new_dek = crypto.new_data_key()
    new_ct = crypto.seal_identity(new_dek, identity, 42, 2)
    bram_grant = crypto.wrap_data_key(new_dek, bram_pk, 42, "user:2")
    org_grant = crypto.wrap_data_key(new_dek, org_pk, 42, "org:9")

    assert crypto.open_identity(crypto.unwrap_data_key(bram_grant, bram_sk, 42, "user:2"), new_ct, 42, 2) == IDENTITY
    org_dek = crypto.unwrap_data_key(org_grant, crypto.parse_recovery_kit(org_kit), 42, "org:9")
    assert crypto.open_identity(org_dek, new_ct, 42, 2) == IDENTITY
    with pytest.raises(VaultCryptoError):
        crypto.open_identity(old_dek, new_ct, 42, 2)
    with pytest.raises(VaultCryptoError):
        crypto.unwrap_data_key(bram_grant, anna_sk, 42, "user:2")


def test_self_test_passes_on_this_build():
    crypto.self_test()


# --------------------------------------------------------------------------
# Concurrency
# --------------------------------------------------------------------------

_CONCURRENT_DERIVES = """
import os, threading
from expertise.vault import crypto
params = crypto.KdfParams.new(1, crypto.KdfCost(iterations=1, memory_cost=8192, lanes=4))
results = []
def derive():
    results.append(crypto.derive_master_key("pw", params, b"P" * 32))
for _ in range(10):
    threads = [threading.Thread(target=derive) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
crypto.self_test()
assert len(set(results)) == 1 and len(results) == 40
print("ok")
"""


def test_concurrent_multi_lane_derives_do_not_deadlock():
    """Run in a subprocess: without the lock OpenSSL's Argon2 thread pool deadlocks."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(crypto.__file__).resolve().parents[2])}
    try:
        result = subprocess.run(
            [sys.executable, "-c", _CONCURRENT_DERIVES], env=env, capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("concurrent Argon2id derives with lanes > 1 deadlocked")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
