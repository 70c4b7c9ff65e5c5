"""The repository layout that DESIGN.md asks for."""
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_platform_is_a_source_root_not_a_package():
    # A package named `platform` would shadow the standard-library module.
    assert not (ROOT / "platform" / "__init__.py").exists()
    import platform

    assert Path(platform.__file__).parent == Path(sys.modules["os"].__file__).parent


def test_application_package_is_installed_from_the_source_root():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["packages"]["find"]["where"] == ["platform"]
    import expertise

    assert Path(expertise.__file__).parent == ROOT / "platform" / "expertise"


def test_top_level_layout_is_complete():
    for name in ["platform", "templates", "static", "migrations", "tests", "config.py", "run.py", "README.md", "LICENSE"]:
        assert (ROOT / name).exists(), name


def test_every_dependency_is_pinned():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = pyproject["project"]["dependencies"] + [
        r for extra in pyproject["project"]["optional-dependencies"].values() for r in extra
    ]
    assert requirements
    for requirement in requirements:
        assert "==" in requirement, requirement


def test_the_licence_is_an_spdx_expression_that_the_build_backend_reads_without_warning():
    # `license = { text = ... }` makes setuptools print a deprecation warning on every install.
    from packaging.licenses import canonicalize_license_expression
    from packaging.requirements import Requirement

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    licence = pyproject["project"]["license"]
    assert isinstance(licence, str) and canonicalize_license_expression(licence) == licence
    assert all((ROOT / name).is_file() for name in pyproject["project"]["license-files"])
    # The string form needs setuptools 77 or later (PEP 639); older ones refuse it.
    [backend] = [Requirement(r) for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    assert not backend.specifier.contains("76.9") and backend.specifier.contains("77.0")
