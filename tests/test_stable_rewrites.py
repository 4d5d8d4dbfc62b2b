"""Issue 31, item 1: a rewrite the kernels compute is a verified catalogue rule that ``--stable``
shows, not a change the generators make on their own.  Each new rule is proved for every size, a
step that applies one wrongly is refused by the small checker, the built-in's stable form names it,
and the generators no longer make it themselves (their remaining marks choose how a value is
computed, never which value)."""
import json

import numpy as np
import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.functions import xlog1py, xlogy
from derive.rule_proofs import prove
from derive.catalogue import get_rule
from derive_checker.certificate import check_certificate

NEW_RULES = ("log_one_plus_as_log1p", "xlogy_of_one_plus_as_xlog1py")


@pytest.mark.parametrize("name", NEW_RULES)
def test_each_new_rule_is_proved_for_every_size(name):
    verification = prove(get_rule(name))
    assert verification.method == "symbolic" and not verification.sizes


def _certificate(name: str) -> dict:
    return json.loads(json.dumps(derive.get(name).certificate()))


def test_the_bce_stable_form_applies_xlog1py_and_the_checker_proves_it():
    document = _certificate("bce-stable")
    report = check_certificate(document)
    assert report["ok"], report.get("failure")
    assert "xlogy_of_one_plus_as_xlog1py" in {s["rule"] for s in document["steps"]}
    assert "def-xlog1py" in json.dumps(report)


def test_a_mutated_xlog1py_step_is_refused():
    document = _certificate("bce-stable")
    step = next(s for s in document["steps"] if s["rule"] == "xlogy_of_one_plus_as_xlog1py")
    # log1p(y) where the derivation has log1p(-y): a sign dropped inside the new function
    step["rhs"] = json.loads(json.dumps(step["rhs"]).replace(
        '["Mul", ["Integer", "-1"], ["Indexed", "y", ["Symbol", "i"]]]]', '["Indexed", "y", ["Symbol", "i"]]]', 1))
    assert json.dumps(step["rhs"]) != json.dumps(_certificate("bce-stable")["steps"][step["n"] - 1]["rhs"])
    assert not check_certificate(document)["ok"]


def test_a_complement_only_matches_where_the_expression_has_one():
    """``xlogy(t, y)`` is not ``xlogy(t, 1 + (y - 1))``: log1p(y - 1) would lose the digits log1p keeps."""
    result = derive.get("bce-stable").result.rhs
    rewritten = [f for f in result.atoms(xlog1py)]
    assert rewritten and all(f.args[1] == -c.y[c.i] for f in rewritten)
    assert any(f.args == (c.t[c.i], c.y[c.i]) for f in result.atoms(xlogy))


def test_stable_output_names_the_new_rule():
    from derive.cli import main
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["show", "bce-stable", "--detail", "full"])
    assert "by xlogy_of_one_plus_as_xlog1py" in out.getvalue()


def test_a_users_log_of_one_plus_is_a_verified_log1p_step():
    from derive.user_losses import stable_forms

    loss, _ = stable_forms(derive.gradient(r"\log(1 + (y - t)^{2})", "y"))
    assert "log_one_plus_as_log1p" in [s.rule for s in loss.steps]
    assert loss.result.rhs.has(sp.codegen.cfunctions.log1p) and not loss.result.rhs.has(sp.log)


def test_the_generators_no_longer_rewrite_log_forms_or_sigmoids():
    from derive.kernels import codegen, user_printer
    from derive.kernels.source_printer import Printer
    from derive.kernels.spec import Spec

    x, t = sp.symbols("x t", real=True)
    for expr in (sp.log(1 + x), xlogy(t, 1 - x)):
        assert codegen._log1p_forms(expr) == expr  # the derivation's form, left as it is
        printed = Printer(Spec(sp.S.Zero, sp.S.Zero, c.y, False, False))(expr)
        assert "log1p" not in printed
    assert not hasattr(user_printer, "_sigmoid_by_sign")


def test_the_bce_kernel_keeps_a_tiny_complements_digits_through_the_verified_xlog1py():
    kernel = derive.kernels.load("bce")
    y = np.array([1e-12, 3e-9, 0.25])
    t = np.zeros(3)
    loss = kernel.loss(y, t, reduction="none")
    exact = -np.log1p(-y)
    # log(1 - y) after rounding 1 - y would be off by ~1e-5 relative at y = 1e-12
    np.testing.assert_allclose(loss, exact, rtol=1e-14)


@pytest.mark.parametrize("name, wrong", [
    ("xlogy_of_one_plus_as_xlog1py", ('rhs = "xlog1py(a, b)"', 'rhs = "xlog1py(a, -b)"')),  # a sign dropped
    ("log_one_plus_as_log1p", ('rhs = "log1p(b)"', 'rhs = "log1p(2*b)"')),
])
def test_a_new_rule_with_a_wrong_right_side_is_refused(tmp_path, name, wrong):
    from derive import rule_proofs
    from derive.catalogue import load_catalogue, read_catalogue
    from derive.errors import CatalogueError
    from tools import copy_of_the_catalogue

    def edit(file, text):
        if file != "85_stable_forms.toml":
            return text
        start = text.index(f'name = "{name}"')
        end = text.index("[[rule]]", start) if "[[rule]]" in text[start:] else len(text)
        assert wrong[0] in text[start:end]
        return text[:start] + text[start:end].replace(*wrong) + text[end:]
    directory = copy_of_the_catalogue(tmp_path, edit=edit)
    try:
        with pytest.raises(CatalogueError, match=f"rule '{name}' is false and is refused"):
            rule_proofs.prove_catalogue(directory)
    finally:
        load_catalogue.cache_clear()
        read_catalogue.cache_clear()


def test_a_certificate_stating_the_new_rule_otherwise_is_refused_by_its_pin():
    document = _certificate("bce-stable")
    document["rules"]["xlogy_of_one_plus_as_xlog1py"]["rhs"] = ["xlogy", ["Wild", "a"], ["Wild", "b"]]
    report = check_certificate(document)
    assert not report["ok"] and "SHA-256" in report["failure"]
