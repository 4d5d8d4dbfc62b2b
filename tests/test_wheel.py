"""The installed wheel works on its own: built here, installed in a fresh venv, run outside the checkout."""
import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = (work / "dist").glob("derive-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                   check=True, capture_output=True, timeout=600)
    return work, python


def test_wheel_carries_the_catalogue(installed):
    work, python = installed
    listed = subprocess.run([str(python), "-m", "zipfile", "-l", str(next((work / "dist").glob("*.whl")))],
                            capture_output=True, text=True, check=True).stdout
    for source in (ROOT / "rules").glob("*.toml"):
        assert f"derive/rules/{source.name}" in listed


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


def test_installed_package_reads_its_own_rules(installed):
    work, python = installed
    code = ("import derive, derive.catalogue as c; print(c.rules_directory()); "
            "print(all(s.verification.verified for s in derive.get('bce').steps))")
    out = subprocess.run([str(python), "-c", code], cwd=work, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    directory, verified = out.stdout.split()
    assert "site-packages" in directory and verified == "True"
