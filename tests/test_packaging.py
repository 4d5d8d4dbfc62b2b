"""The package as a user gets it: the sdist and the wheel built here (the wheel from the sdist), each
installed in a fresh venv and run outside the checkout, and the sdist carrying what its tests need."""
import json
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
STEM = DISTRIBUTION.replace("-", "_")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``python -m build`` makes the sdist, then the wheel from the unpacked sdist."""
    work = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(work), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (sdist,) = work.glob(f"{STEM}-*.tar.gz")
    (wheel,) = work.glob(f"{STEM}-*.whl")
    return sdist, wheel


def _venv_with(target: Path, where: Path, *extra: str) -> Path:
    venv.create(where, with_pip=True)
    python = where / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(target), *extra],
                   check=True, capture_output=True, timeout=900)
    return python


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    return work, _venv_with(built[1], work / "venv")


def test_distribution_name_is_ours_and_the_command_is_derive(built):
    sdist, wheel = built
    assert DISTRIBUTION != "derive"  # "derive" on PyPI is another project
    with tarfile.open(sdist) as archive:
        info = archive.extractfile(f"{sdist.name[:-len('.tar.gz')]}/PKG-INFO").read().decode()
    assert f"Name: {DISTRIBUTION}" in info and "License-File: LICENSE" in info
    assert "Project-URL:" in info and "Classifier: License :: OSI Approved :: MIT License" in info
    listed = subprocess.run([sys.executable, "-m", "zipfile", "-l", str(wheel)], capture_output=True,
                            text=True, check=True).stdout
    assert "derive/py.typed" in listed and "derive_checker/py.typed" in listed and "licenses/LICENSE" in listed
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [m for m in archive.namelist() if m.endswith(".dist-info/entry_points.txt")]
        assert "derive = derive.program:run" in archive.read(entry_points).decode()


def test_wheel_carries_the_catalogue(built):
    listed = subprocess.run([sys.executable, "-m", "zipfile", "-l", str(built[1])],
                            capture_output=True, text=True, check=True).stdout
    for source in (ROOT / "rules").glob("*.toml"):
        assert f"derive/rules/{source.name}" in listed
    declarations = list((ROOT / "rules" / "derivations").glob("*.toml"))
    assert declarations  # the built-in derivations and the named strategies, as data
    for source in declarations:
        assert f"derive/rules/derivations/{source.name}" in listed
    assert "derive/rules/proofs.json" in listed  # the record of proofs travels with the rules
    words = list((ROOT / "rules" / "languages").glob("*/*.toml"))
    assert {path.parent.name for path in words} >= {"en", "ja"}  # each language's words, as data
    for source in words:
        assert f"derive/rules/languages/{source.parent.name}/{source.name}" in listed
    assert "derive/rules/notes/sections.toml" in listed  # which built-ins the notes show, as data
    shipped = list((ROOT / "derive" / "kernels" / "shipped_data").glob("*.json.gz"))
    assert shipped  # the built-in kernels' sources and certificates: their first compile derives nothing
    for source in shipped:
        assert f"derive/kernels/shipped_data/{source.name}" in listed


def test_wheel_carries_the_checker(built):
    """derive_checker (derive verify's trusted checker) ships in the same wheel, with its axioms and pins."""
    listed = subprocess.run([sys.executable, "-m", "zipfile", "-l", str(built[1])],
                            capture_output=True, text=True, check=True).stdout
    for source in (ROOT / "derive_checker").glob("*.py"):
        assert f"derive_checker/{source.name}" in listed
    assert "derive_checker/axioms.json" in listed


def test_installed_command_runs_outside_the_checkout(installed):
    work, python = installed
    derive_command = python.parent / "derive"
    out = subprocess.run([str(derive_command), "ce"], cwd=work, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "E = −(1/N) ∑ᵢ₌₁ᴺ ∑ₖ₌₁ᴷ tᵢₖ log yᵢₖ" in out.stdout
    rules = subprocess.run([str(derive_command), "rules", "--format", "json"], cwd=work,
                           capture_output=True, text=True, timeout=300, check=True)
    checkout = subprocess.run([sys.executable, "-m", "derive", "rules", "--format", "json"], cwd=ROOT,
                              capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(rules.stdout) == json.loads(checkout.stdout)
    certificate = subprocess.run([str(derive_command), "show", "ce", "--format", "certificate"], cwd=work,
                                 capture_output=True, text=True, timeout=300, check=True).stdout
    (work / "ce.json").write_text(certificate, encoding="utf-8")
    verified = subprocess.run([str(derive_command), "verify", "ce.json"], cwd=work, capture_output=True, text=True,
                              timeout=300)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_installed_package_reads_its_own_rules(installed):
    work, python = installed
    code = ("import derive, derive.catalogue as c, derive.languages as l; print(c.rules_directory()); "
            "print(l.shipped_directory()); "
            "print(all(s.verification.verified for s in derive.get('bce').steps)); "
            "print(c.proved_for_every_size(c.get_rule('sum_of_constant'))); "  # the installed record is the pinned one
            "from derive.derivations import shipped; print(shipped.load('ce-softmax-grad') is not None)")  # its built-ins ship
    out = subprocess.run([str(python), "-c", code], cwd=work, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    directory, words, verified, pinned, shipped = out.stdout.split()
    assert "site-packages" in directory and "site-packages" in words and verified == "True" and pinned == "True"
    assert shipped == "True"  # made from the rules the wheel carries (their fingerprint), and re-checked there


def test_sdist_installs_and_its_tests_run_from_it(built, tmp_path_factory):
    """Everything the README's test command needs is in the sdist (the tests, the KaTeX pin for
    npm, the scripts in .ci/), it installs with pip, and tests run from the unpacked tree."""
    sdist = built[0]
    work = tmp_path_factory.mktemp("sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(work, filter="data")
    (tree,) = work.iterdir()
    for needed in (".ci/run", ".ci/install-tools", ".ci/floors", "package.json", "package-lock.json", "LICENSE",
                   "README.md", "tests/conftest.py", "tests/katex_render.js", "rules/10_logarithms.toml"):
        assert (tree / needed).is_file(), needed
    python = _venv_with(sdist, work / "venv", "pytest")
    # One test file is enough to show the tests run from the unpacked tree (the main run runs them all;
    # test_installed_command_runs_outside_the_checkout runs the installed CLI).
    out = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_api.py"],
                         cwd=tree, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " passed" in out.stdout.splitlines()[-1] and "failed" not in out.stdout.splitlines()[-1]
