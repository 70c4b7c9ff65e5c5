"""Architecture guards (T-15): only owner-only code paths import the vault.

Experts' pages, moderation, real-time handlers, e-mail and jobs hold no key,
so an authorisation bug there cannot show a resident's identity.
"""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "platform" / "expertise"

# Modules outside vault/ that may import it, and why.
ALLOWED = {
    "__init__.py": "the factory registers the vault blueprint and runs the crypto self-test",
    "demo.py": "seed-demo gives demo family workers key pairs (development only)",
    "accounts/views.py": "the login/password hook (vault.session) only",
    "questions/owner.py": "the question owner's resident: every function acts for the owner, in the owner's request",
    "accounts/stepup.py": "step-up checks a password with the login hook (vault.session) only",
}
# Modules that may import only the vault's tables (ciphertext and ids, nothing that decrypts).
MODELS_ONLY = {
    "questions/models.py": "question.resident_id uses the vault's ResidentId column type and Resident row",
}
# Whatever an expert, moderator, socket, e-mail or job runs must not reach
# anything that decrypts, not even through another module of the app.
NEVER_REACH = ("expertise.vault.service", "expertise.vault.session", "expertise.vault.crypto",
               "expertise.questions.owner")


def _imports(path):
    """Yield the absolute module names a file imports."""
    module = "expertise." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.removesuffix(".__init__")
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            yield name
            for alias in node.names:
                yield f"{name}.{alias.name}"


def _python_files():
    return [p for p in PACKAGE.rglob("*.py") if "translations" not in p.parts]


def test_only_owner_only_modules_import_the_vault():
    offenders = []
    for path in _python_files():
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("vault/") or relative in ALLOWED:
            continue
        names = {n for n in _imports(path) if n == "expertise.vault" or n.startswith("expertise.vault.")}
        if relative in MODELS_ONLY:
            names = {n for n in names if n != "expertise.vault.models" and not n.startswith("expertise.vault.models.")}
        if names:
            offenders.append(relative)
    assert offenders == []


def _module_of(path):
    return "expertise." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")


def _reachable(start):
    """Return every app module `start` imports, directly or through other app modules."""
    files = {_module_of(p): p for p in _python_files()}
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module in seen or module not in files:
            continue
        seen.add(module)
        for name in _imports(files[module]):
            for candidate in (name, name.rsplit(".", 1)[0]):
                if candidate in files and candidate not in seen:
                    todo.append(candidate)
    return seen


def test_expert_side_code_cannot_reach_anything_that_decrypts():
    """The question services, access rules, guard, moderation, real-time and mail:
    not even an indirect import leads to the vault's keys or the owner module."""
    starts = ["expertise.questions.service", "expertise.questions.access", "expertise.questions.guard",
              "expertise.questions.forms"]
    for area in ("moderation", "realtime", "notifications", "core", "audit"):
        starts += [_module_of(p) for p in (PACKAGE / area).rglob("*.py")] if (PACKAGE / area).exists() else []
    for start in starts:
        reached = _reachable(start)
        assert not any(m in reached for m in NEVER_REACH), (start, sorted(m for m in reached if m in NEVER_REACH))


def test_accounts_views_use_only_the_small_vault_hook():
    names = {n for n in _imports(PACKAGE / "accounts" / "views.py") if n.startswith("expertise.vault")}
    assert names <= {"expertise.vault", "expertise.vault.session"}


def test_only_the_vault_service_imports_the_crypto_module():
    importers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in _python_files()
        if any(n == "expertise.vault.crypto" or n.startswith("expertise.vault.crypto.") for n in _imports(path))
    )
    assert importers == ["vault/service.py"]


def test_only_the_crypto_module_imports_cryptography_primitives():
    importers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in _python_files()
        if any(n == "cryptography" or n.startswith("cryptography.") for n in _imports(path))
    )
    # core/secretbox.py seals account secrets (TOTP secrets, pending logins), never identity.
    assert importers == ["core/secretbox.py", "vault/crypto.py"]


def test_moderation_realtime_questions_mail_and_jobs_never_import_the_vault():
    forbidden_areas = ["moderation", "realtime", "questions", "notifications", "core", "audit"]
    for area in forbidden_areas:
        for path in (PACKAGE / area).rglob("*.py") if (PACKAGE / area).exists() else []:
            relative = path.relative_to(PACKAGE).as_posix()
            if relative in ALLOWED:
                continue
            names = {n for n in _imports(path) if n.startswith("expertise.vault")}
            if relative in MODELS_ONLY:
                names = {n for n in names if not n.startswith("expertise.vault.models")}
            assert not names, path
    # The CLI: only `flask vault purge` (vault/cli.py) touches the vault, and it needs no key.
    assert not any(n.startswith("expertise.vault") for n in _imports(PACKAGE / "cli.py"))


def test_production_kdf_meets_the_owasp_minimum_and_matches_the_crypto_module():
    from config import BaseConfig, ProductionConfig, TestConfig
    from expertise.vault import crypto

    assert crypto.KdfCost(*ProductionConfig.VAULT_KDF) == crypto.PRODUCTION_KDF
    assert crypto.KdfCost(*BaseConfig.VAULT_KDF) == crypto.PRODUCTION_KDF
    assert crypto.meets_kdf_minimum(crypto.KdfCost(*ProductionConfig.VAULT_KDF))
    assert crypto.KdfCost(*TestConfig.VAULT_KDF) == crypto.TEST_KDF
