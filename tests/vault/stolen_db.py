"""Run as a script: an attacker with a copy of the database and the full server config, no cookie.

Usage: python stolen_db.py DB_PATH [PASSWORD_FOR_USER_ID USER_ID]
Config secrets come from the environment (SECRET_KEY, VAULT_PEPPER,
AUDIT_MAC_KEY). Prints one JSON object: how many decryptions were tried,
how many succeeded, and (with a password) the names it could read.
"""
import hashlib
import json
import os
import sqlite3
import sys

from expertise.vault import crypto


def candidate_keys():
    """Every 32-byte key an attacker can reach from the configuration alone."""
    secrets = [os.environ[k].encode() for k in ("SECRET_KEY", "VAULT_PEPPER", "AUDIT_MAC_KEY")]
    keys = []
    for secret in secrets:
        keys += [hashlib.sha256(secret).digest(), secret[:32].ljust(32, b"\0")]
        try:
            keys += [crypto.kek(hashlib.sha256(secret).digest()), crypto.recovery_code_key(secret.decode())]
        except crypto.VaultCryptoError:
            pass
    return keys


def main():
    db = sqlite3.connect(sys.argv[1])
    tried = opened = 0
    users = db.execute("SELECT user_id, public_key, kdf_params, wrapped_sk_pw, wrapped_sk_rc FROM user_key").fetchall()
    residents = db.execute("SELECT id, identity_ct, dek_version FROM resident WHERE identity_ct IS NOT NULL").fetchall()
    grants = db.execute("SELECT resident_id, holder_type, holder_id, wrapped_dek FROM resident_key_grant").fetchall()
    sessions = db.execute("SELECT id, vault_blob FROM user_session WHERE vault_blob IS NOT NULL").fetchall()
    attempts = []
    for key in candidate_keys():
        for uid, _pk, _params, pw, rc in users:
            attempts.append(lambda k=key, u=uid, b=pw: crypto.unwrap_private_key(k, b, u))
            if rc:
                attempts.append(lambda k=key, u=uid, b=rc: crypto.unwrap_private_key_rc(k, b, u))
        for rid, ct, version in residents:
            attempts.append(lambda k=key, r=rid, c=ct, v=version: crypto.open_identity(k, c, r, v))
        for sid, blob in sessions:
            attempts.append(lambda k=key, s=sid, b=blob: crypto.open_session_key(k, b, s))
        for rid, holder_type, holder_id, wrapped in grants:
            label = crypto.user_holder(holder_id) if holder_type == "user" else crypto.org_holder(holder_id)
            attempts.append(lambda k=key, r=rid, w=wrapped, h=label: crypto.unwrap_data_key(w, k, r, h))
    for attempt in attempts:
        tried += 1
        try:
            attempt()
            opened += 1
        except crypto.VaultCryptoError:
            pass
    names = []
    if len(sys.argv) > 3:
        password, uid = sys.argv[2], int(sys.argv[3])
        row = next(u for u in users if u[0] == uid)
        params = crypto.KdfParams.from_json(row[2])
        mk = crypto.derive_master_key(password, params, os.environ["VAULT_PEPPER"].encode())
        sk = crypto.unwrap_private_key(crypto.kek(mk), row[3], uid)
        for rid, holder_type, holder_id, wrapped in grants:
            if holder_type == "user" and holder_id == uid:
                dek = crypto.unwrap_data_key(wrapped, sk, rid, crypto.user_holder(uid))
                ct, version = next((c, v) for r, c, v in residents if r == rid)
                names.append(crypto.open_identity(dek, ct, rid, version)["name"])
    print(json.dumps({"tried": tried, "opened": opened, "names": names}))


if __name__ == "__main__":
    main()
