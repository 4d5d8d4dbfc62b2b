"""The checker's contract: it imports only the standard library, SymPy and mpmath (never the engine
in ``derive``, NumPy or Numba), found by walking the AST of every file of the package and by importing
it in a fresh process; and it stays small enough to read: at most 1,000 non-blank lines, the count
the README reports."""
import ast
import re
import subprocess
import sys

from tools import ROOT

PACKAGE = ROOT / "derive_checker"
ALLOWED = {"sympy", "mpmath"}


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "__import__", "import_module", "eval", "exec", "sympify", "parse_expr"):
            yield f"<call of {getattr(node.func, 'id', getattr(node.func, 'attr', ''))}>"


def test_every_import_of_the_checker_is_the_standard_library_sympy_or_mpmath():
    files = sorted(PACKAGE.glob("*.py"))
    assert files
    for path in files:
        for module in _imports(path):
            assert module in sys.stdlib_module_names or module in ALLOWED or module == "__future__", (path.name, module)


def test_importing_the_checker_loads_no_engine_numpy_or_numba():
    code = ("import sys, derive_checker.certificate, derive_checker.steps, derive_checker.axioms; "
            "bad = sorted(m for m in sys.modules if m == 'derive' or m.startswith(('derive.', 'numpy', 'numba'))); "
            "print(bad)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def checker_lines() -> int:
    return sum(1 for path in PACKAGE.glob("*.py") for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_the_checker_is_at_most_a_thousand_lines_and_the_readme_says_how_many():
    count = checker_lines()
    assert count <= 1000, count
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"derive_checker[^\n]*?(\d[\d,]*) non-blank lines", readme)
    assert stated, "the README states the checker's size"
    assert int(stated.group(1).replace(",", "")) == count
