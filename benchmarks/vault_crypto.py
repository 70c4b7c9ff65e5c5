"""Time the vault crypto operations and print median and p95 in milliseconds.

Run from the repository root:
    PYTHONPATH=platform .venv/bin/python benchmarks/vault_crypto.py
"""

from __future__ import annotations

import os
import platform as stdlib_platform
import statistics
import sys
import time
from typing import Callable

from cryptography import __version__ as cryptography_version
from cryptography.hazmat.backends.openssl import backend

from expertise.vault import crypto

IDENTITY = {"naam": "Jan de Vries-Özdemir", "geboortedatum": "2010-05-03", "dossiernummer": "J-2023-0451"}


def measure(name: str, runs: int, operation: Callable[[], object], warmup: int = 3) -> None:
    """Run an operation repeatedly and print its median and p95 latency."""
    for _ in range(warmup):
        operation()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[-1]
    print(f"{name:<44} {runs:>6} {statistics.median(samples):>10.3f} {p95:>10.3f}")


def main() -> None:
    """Benchmark every vault operation the web app performs per request."""
    crypto.self_test()
    print(f"python {sys.version.split()[0]}, cryptography {cryptography_version}, {backend.openssl_version_text()}")
    print(f"{stdlib_platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{'operation':<44} {'runs':>6} {'median ms':>10} {'p95 ms':>10}")

    pepper = os.urandom(32)
    params = crypto.KdfParams.new(1, crypto.PRODUCTION_KDF)
    password = "correct horse battery staple"
    measure("Argon2id derive (t=3, m=64 MiB, p=4)", 30, lambda: crypto.derive_master_key(password, params, pepper))

    dek = crypto.new_data_key()
    blob = crypto.seal_identity(dek, IDENTITY, 42, 1)
    measure("seal identity (AES-256-GCM)", 5000, lambda: crypto.seal_identity(dek, IDENTITY, 42, 1))
    measure("open identity (AES-256-GCM)", 5000, lambda: crypto.open_identity(dek, blob, 42, 1))

    owner_sk, owner_pk = crypto.generate_user_keypair()
    colleague_sk, colleague_pk = crypto.generate_user_keypair()
    org_pk, _ = crypto.generate_recovery_keypair()
    grant = crypto.wrap_data_key(dek, owner_pk, 42, "user:1")
    measure("HPKE wrap DEK", 5000, lambda: crypto.wrap_data_key(dek, owner_pk, 42, "user:1"))
    measure("HPKE unwrap DEK", 5000, lambda: crypto.unwrap_data_key(grant, owner_sk, 42, "user:1"))

    k_sess = crypto.new_session_key()
    session_blob = crypto.seal_session_key(k_sess, owner_sk, "sid-1")
    measure("open session blob (private key)", 5000, lambda: crypto.open_session_key(k_sess, session_blob, "sid-1"))

    def handover() -> None:
        old_dek = crypto.unwrap_data_key(grant, owner_sk, 42, "user:1")
        identity = crypto.open_identity(old_dek, blob, 42, 1)
        new_dek = crypto.new_data_key()
        crypto.seal_identity(new_dek, identity, 42, 2)
        crypto.wrap_data_key(new_dek, colleague_pk, 42, "user:2")
        crypto.wrap_data_key(new_dek, org_pk, 42, "org:9")

    measure("handover (unwrap, new DEK, reseal, 2 wraps)", 2000, handover)

    def owner_view() -> None:
        sk = crypto.open_session_key(k_sess, session_blob, "sid-1")
        crypto.open_identity(crypto.unwrap_data_key(grant, sk, 42, "user:1"), blob, 42, 1)

    measure("owner view (session blob, unwrap, open)", 5000, owner_view)


if __name__ == "__main__":
    main()
