"""The public API: a curated __all__, each name importable, lazy imports."""
import inspect
import subprocess
import sys

import pytest

import derive
from derive import api, errors


def test_all_is_importable_and_nothing_else_is_public():
    for name in derive.__all__:
        assert getattr(derive, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'catalogue_of_rules'"):
        derive.catalogue_of_rules  # noqa: B018


def test_all_names_every_api_function_and_every_error():
    """A function added to derive.api, or an exception a user may need to catch, is exported."""
    functions = {name for name, value in vars(api).items()
                 if inspect.isfunction(value) and value.__module__ == api.__name__ and not name.startswith("_")}
    exceptions = {name for name, value in vars(errors).items()
                  if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == errors.__name__}
    assert functions and exceptions
    assert functions | exceptions <= set(derive.__all__)


def test_importing_the_cli_does_not_import_sympy():
    code = "import sys, derive.cli; derive.cli.build_parser(); print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_derivation_exposes_steps_and_result():
    d = derive.cross_entropy(batch=True)
    assert d.steps[-1].equation == d.result
    assert d.result.lhs.name == "E"


def test_print_shows_the_derivation_and_repr_is_one_line():
    from derive.printing.text import derivation_text
    d = derive.binary_cross_entropy()
    assert str(d) == derivation_text(d) and str(d).startswith("bce: ")
    assert str(d).count("✓") == len(d.lines)  # the blackboard view: one mark per line
    assert derivation_text(d, detail="full").count("✓") == len(d.steps)
    shown = repr(d)
    assert "\n" not in shown and shown.startswith("<Derivation 'bce': ") and f"{len(d.steps)} steps" in shown
    assert len(shown) < 300


def test_a_users_likelihood_is_refused_with_the_reason_before_any_step():
    """A plain IndexedBase may be complex (its log is then not w t log y), and a one-sample
    likelihood under batch=True would be titled over N samples with no sum over them: each is
    refused by what it lacks, naming it; declared real, the README's weighted likelihoods derive."""
    import sympy as sp

    from derive.conventions import K, N, i, k, t, y

    plain = sp.IndexedBase("w")
    with pytest.raises(ValueError, match=r"not known to be real \(w\[k\]\).*IndexedBase\('w', real=True\)"):
        derive.cross_entropy(batch=False, likelihood=sp.Product(y[k] ** (plain[k] * t[k]), (k, 1, K)))
    w = sp.IndexedBase("w", positive=True)
    one = sp.Product(y[k] ** (w[k] * t[k]), (k, 1, K))
    with pytest.raises(ValueError, match="of one sample .*batch=False"):
        derive.cross_entropy(likelihood=one)
    assert derive.cross_entropy(batch=False, likelihood=one).result.rhs == -sp.Sum(w[k] * t[k] * sp.log(y[k]), (k, 1, K))
    batch = derive.cross_entropy(likelihood=sp.Product(sp.Product(y[i, k] ** (w[k] * t[i, k]), (k, 1, K)), (i, 1, N)))
    assert batch.result.rhs.has(sp.Sum) and any(limit[0] == i for s in batch.result.rhs.atoms(sp.Sum) for limit in s.limits)
    with pytest.raises(ValueError, match="base not known to be positive"):
        derive.cross_entropy(batch=False, likelihood=sp.Product(sp.IndexedBase("q", real=True)[k] ** t[k], (k, 1, K)))
