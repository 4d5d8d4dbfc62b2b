"""The public API: a curated __all__, each name importable, lazy imports."""
import subprocess
import sys

import derive


def test_all_is_complete_and_importable():
    for name in derive.__all__:
        assert getattr(derive, name) is not None
    public = {n for n in dir(derive) if not n.startswith("_")}
    assert public <= set(derive.__all__)


def test_importing_the_cli_does_not_import_sympy():
    code = "import sys, derive.cli; derive.cli.build_parser(); print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_derivation_exposes_steps_and_result():
    d = derive.cross_entropy(batch=True)
    assert d.steps[-1].equation == d.result
    assert d.result.lhs.name == "E"
