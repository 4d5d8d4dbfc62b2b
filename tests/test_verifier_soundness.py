"""The verifier against the attack classes of issue 29 ("a trusted checker"): every attack ends in a
refused or failed verification (a ParseError, a VerificationError, a catalogue that will not load,
or a correct result), never in a wrong line marked proved; the right variants are still proved.

1. names that collide with the model's; 2. empty ranges; 3. domains taken from partial ranges or
from names; 4. forced log laws; 5. rules proved only at small sizes, and the range of a free index;
6. verdicts that changed with the hash seed.  Past the classes: steps wrong only at k = K, only at
N = 1, or only at N = 10.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp

import derive
from derive import cli, rule_trust
from derive import conventions as c
from derive.at_sizes import write_out_sums
from derive.catalogue import CATALOGUE_VARIABLE, load_catalogue, read_catalogue, read_rulesets
from derive.errors import CatalogueError, DeriveError, ParseError, VerificationError
from derive.models import BERNOULLI, categorical, free, positive_in
from derive.steps import Check, Equation, Step
from derive.verification import verify_step
from tools import copy_of_the_catalogue, forge_record

ROOT = Path(__file__).resolve().parent.parent
delta = sp.KroneckerDelta
a, b, w, x, y, z = (sp.Symbol(name, real=True) for name in "abwxyz")
C = sp.Symbol("C", integer=True, positive=True)
cc, kk = sp.Symbol("c", integer=True), sp.Symbol("k", integer=True)
X = sp.IndexedBase("x", real=True)


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def _cli_result(loss: str, wrt: str):
    """``derive grad loss --wrt wrt --format json``: the result and every step's verdict (or the
    exit code and the error where it was refused)."""
    code, out, err = _cli("grad", loss, "--wrt", wrt, "--format", "json")
    if code != 0:
        return None, err
    document = json.loads(out)["derivations"][0]
    return sp.sympify(document["result"]["rhs"]), [step["verified"] for step in document["steps"]]


def _at(expr: sp.Basic, **sizes: int) -> sp.Basic:
    """``expr`` at concrete sizes, each sum written out term by term: an empty one is 0."""
    table = {s: sp.Integer(sizes[s.name]) for s in expr.free_symbols if s.name in sizes and s.is_integer}
    return sp.simplify(write_out_sums(expr.xreplace(table)).doit())


def _forged(before: sp.Basic, after: sp.Basic, model, check: Check = Check("equal"), lhs: sp.Basic = c.E):
    """Verify the step ``lhs = before`` to ``lhs = after`` (a claimed equality) in ``model``."""
    step = Step(Equation(lhs, after), "attack", "equality", check)
    return verify_step(Equation(lhs, before), step, model)


def _refused(before, after, model, check: Check = Check("equal"), lhs: sp.Basic = c.E) -> bool:
    try:
        _forged(before, after, model, check, lhs)
    except VerificationError:
        return True
    return False


@pytest.fixture
def clean_catalogue():
    yield
    for cache in (load_catalogue, read_catalogue, read_rulesets, rule_trust.rechecked):
        cache.cache_clear()


# ----- 1. names that collide with the model's -----------------------------------------------


@pytest.mark.parametrize("loss, wrt, gradient", [
    (r"\sum_{y=1}^{K} x_{y}", "x_{j}", 1),  # the issue's: K δ_(jy), "proved for every size"
    (r"\sum_{t=1}^{K} w_{t}", "w_{j}", 1),  # t, the labels' name
    (r"\sum_{z=1}^{K} a_{z}^{2}", "a_{j}", 2 * sp.IndexedBase("a", real=True)[c.j]),  # z, the logits'
    (r"\sum_{N=1}^{K} x_{N}", "x_{j}", 1),  # N, a size
    (r"\sum_{K=1}^{N} x_{K}", "x_{j}", 1),  # K, a size, and N its upper limit
    (r"\sum_{E=1}^{K} x_{E}", "x_{j}", 1),  # E, the loss's own name
])
def test_a_sum_index_spelled_like_a_model_name_is_bound_to_its_sum(loss, wrt, gradient):
    result, verdicts = _cli_result(loss, wrt)
    assert result == gradient, (loss, result)
    assert all(v in ("symbolic", "numeric", "no") for v in verdicts)
    assert derive.gradient(loss, wrt).result.rhs == gradient  # the API reads it the same way


@pytest.mark.parametrize("loss, words", [
    (r"\sum_{y=1}^{K} x_{y} + y", "y is the index of a sum and is also used outside it"),
    (r"\frac{1}{N}\sum_{N=1}^{K} x_{N}", "N is the index of a sum and is also used outside it"),
    (r"\sum_{t=1}^{K} x_{t} + t", "t is the index of a sum and is also used outside it"),
    (r"\sum_{k=1}^{K} y_{k} + \sum_{y=1}^{K} x_{y}", "y is used both as an array"),
    (r"\sum_{w=1}^{W} w_{w}", "w is used both as an array"),
])
def test_a_name_standing_for_two_things_is_refused(loss, words):
    with pytest.raises(ParseError, match=words):
        derive.gradient(loss, "x_{j}")
    code, _, err = _cli("grad", loss, "--wrt", "x_{j}")
    assert code == 2 and words in err


def test_a_sums_upper_limit_is_that_size_wherever_it_stands():
    """1/C beside the sum to C is the same C (it was a real number of its own beside the size)."""
    read = derive.from_latex(r"\frac{1}{C}\sum_{c=1}^{C} x_{c}")
    assert {s for s in read.free_symbols if s.name == "C"} == {C}
    result, _ = _cli_result(r"\sum_{c=1}^{M} x_{c} M", "x_{j}")
    assert result == sp.Symbol("M", integer=True, positive=True)


# ----- 2. empty ranges -----------------------------------------------------------------------


@pytest.mark.parametrize("loss, wrt, at, expected", [
    # the issue's: a (C − 2) "proved for every size by the rule sum_of_constant"; at C = 1 the sum is
    # empty and the gradient 0
    (r"\sum_{c=3}^{C} a x", "x", {}, lambda n: max(n - 2, 0) * a),
    (r"\sum_{c=4}^{C} x^{2}", "x", {}, lambda n: max(n - 3, 0) * 2 * x),
    (r"\sum_{c=3}^{C} \sum_{d=1}^{D} a x", "x", {"D": 2}, lambda n: max(n - 2, 0) * 2 * a),
    (r"\sum_{c=3}^{C} x_{c}", "x_{j}", {"j": 1}, lambda n: 0),  # j = 1 is in no term
    (r"\sum_{c=3}^{C} x_{c}", "x_{j}", {"j": 3}, lambda n: int(n >= 3)),
])
def test_a_sum_over_a_range_a_size_of_1_runs_backwards_is_never_counted_backwards(loss, wrt, at, expected):
    result, verdicts = _cli_result(loss, wrt)
    assert result is not None, verdicts
    result = result.xreplace({s: sp.Integer(at[s.name]) for s in result.free_symbols if s.name in at and s.name.islower()})
    for n in (1, 2, 3, 5):
        assert _at(result, C=n, **{k: v for k, v in at.items() if k.isupper()}) == expected(n), (loss, n, result)


def test_a_range_a_size_of_1_empties_is_still_counted_where_that_holds():
    """∑_{c=2}^{C} a = (C − 1) a holds at C = 1 too (both 0): proved."""
    result, verdicts = _cli_result(r"\sum_{c=2}^{C} a x", "x")
    assert result == a * (C - 1) and verdicts[-1] == "symbolic"


@pytest.mark.parametrize("before, after", [
    (sp.Sum(a, (cc, 3, C)), a * (C - 2)),  # SymPy's closed form, -a at C = 1
    (sp.Product(a, (cc, 3, C)), a ** (C - 2)),  # the empty product is 1, not 1/a
    (sp.Sum(a, (cc, 1, C - 2)), a * (C - 2)),  # a range a size of 1 runs backwards
    (sp.Sum(X[cc], (cc, 2, C)), X[2] + sp.Sum(X[cc], (cc, 3, C))),  # one term split off an empty range
    (sp.Sum(cc * a, (cc, 3, C)), a * (C * (C + 1) / 2 - 3)),  # Gauss from 3: -3a at C = 1
    (sp.Sum(a, (cc, 5, C)) + sp.Sum(a, (cc, 1, 4)), C * a),  # split at 4: wrong below C = 4
])
def test_a_closed_form_true_only_for_a_nonempty_range_is_refused(before, after):
    model = free((C,), positive_in(before))
    assert _refused(before, after, model)


def test_sum_of_constant_does_not_match_a_range_that_may_run_backwards():
    """The rule itself, replayed at a sum from 3 to C: its match is refused, so no step applying
    it there is "proved by the rule"."""
    model = free((C,), frozenset())
    before = sp.Sum(a, (cc, 3, C))
    step = Step(Equation(c.E, a * (C - 2)), "sum_of_constant", "equality", Check("rewrite"))
    with pytest.raises(VerificationError, match="does not match"):
        verify_step(Equation(c.E, before), step, model)
    fine = Step(Equation(c.E, a * (C - 1)), "sum_of_constant", "equality", Check("rewrite"))
    assert verify_step(Equation(c.E, sp.Sum(a, (cc, 2, C))), fine, model).proved_by == "sum_of_constant"


def test_the_numeric_opinion_draws_sizes_of_1_and_empty_ranges():
    import random
    model = free((C,), frozenset())
    choices = model.wide_size_choices(sp.Tuple(sp.Sum(a, (cc, 3, C)), a * (C - 2)), random.Random(0))
    assert {C: 1} in choices and {C: 2} in choices  # backwards as far as sizes allow, and exactly empty
    choices = categorical().wide_size_choices(sp.Sum(c.y[c.i, c.k], (c.k, 1, c.K), (c.i, 1, c.N)), random.Random(0))
    assert {c.N: 1, c.K: 2} in choices  # a categorical model has two classes at least


# ----- 3. domains from partial ranges, or from names -----------------------------------------


PARTIAL = sp.Sum(sp.log(X[kk]), (kk, 2, c.K))  # states x_2 ... x_K positive, and nothing of x_1


@pytest.mark.parametrize("before, after", [
    (PARTIAL + sp.log(X[1] ** 2), PARTIAL + 2 * sp.log(X[1])),  # the log(x_j²) → 2 log x_j
    (PARTIAL + sp.log(X[c.j] ** 2), PARTIAL + 2 * sp.log(X[c.j])),  # a free index: x_1 is one of them
    (PARTIAL + sp.sqrt(X[1] ** 2), PARTIAL + X[1]),
    (PARTIAL + sp.log(X[1] ** 2 * X[2]), PARTIAL + 2 * sp.log(X[1]) + sp.log(X[2])),
    (PARTIAL + a * sp.log(X[1] ** 4), PARTIAL + 4 * a * sp.log(X[1])),
])
def test_a_log_over_part_of_a_range_says_nothing_of_the_rest(before, after):
    model = free((), positive_in(before))
    assert not model.is_positive(X[1]) and not model.is_positive(X[c.j])
    assert model.is_positive(X[kk], {kk: (sp.Integer(2), c.K)})  # inside the sum's own range it is
    assert _refused(before, after, model)
    step = Step(Equation(c.E, after), "log_of_power", "equality", Check("rewrite"))
    with pytest.raises(VerificationError):
        verify_step(Equation(c.E, before), step, model)


def test_a_log_over_the_whole_range_makes_every_component_positive():
    whole = sp.Sum(sp.log(X[kk]), (kk, 1, c.K))
    model = free((), positive_in(whole + sp.log(X[c.j] ** 2)), extents=(((X, 0), c.K),))
    assert model.is_positive(X[c.j]) and model.is_positive(X[1])
    assert _forged(whole + sp.log(X[c.j] ** 2), whole + 2 * sp.log(X[c.j]), model).verified
    assert not model.is_positive(sp.Sum(X[kk], (kk, 2, c.K)))  # an empty sum (K = 1) is 0


@pytest.mark.parametrize("loss, wrt, expected", [
    (r"a \log(y^2)", "a", sp.log(y ** 2)),  # y was the model's positive prediction: 2 log y
    (r"\log(w^2) a", "a", sp.log(w ** 2)),  # w, the model's positive weight
    (r"\sum_{k=2}^{K} \log x_k + b \log(x_{j}^2)", "b", sp.log(X[c.j] ** 2)),
    (r"\sum_{k=2}^{K} \log x_k + \log(x_{1}^2)", "x_{1}", 2 / X[1]),  # no δ_1k over k from 2 is left
])
def test_no_log_law_by_a_name_or_a_partial_range(loss, wrt, expected):
    result, verdicts = _cli_result(loss, wrt)
    assert result is not None and sp.simplify(result - expected) == 0, result


def test_a_users_y_is_not_a_probability_and_t_not_a_label():
    """√(y²) was read as y (y positive by its name); a user's t was drawn only in (0, 1), so
    √(t²) = t passed the numbers."""
    absolute = derive.gradient(r"\sqrt{y^2}", "y")  # |y|, read as it is: split at y = 0 (derive.piecewise)
    (kink,) = absolute.kinks
    assert not kink.exists and kink.sides == (1, -1) and kink.torch_value == 0
    t = c.t_scalar
    assert _refused(sp.sqrt(t ** 2), t, free())
    assert not free().is_nonnegative(1 - t)
    assert BERNOULLI.is_nonnegative(1 - t)  # the model's own labels lie in [0, 1]


# ----- 4. no forced log laws -----------------------------------------------------------------


@pytest.mark.parametrize("before, after", [
    (sp.Abs(w) * sp.log(y * z), sp.Abs(w) * (sp.log(y) + sp.log(z))),  # the issue's
    (sp.Max(w, 0) * sp.log(y * z), sp.Max(w, 0) * (sp.log(y) + sp.log(z))),
    (sp.Min(w, 0) * sp.log(y * z), sp.Min(w, 0) * (sp.log(y) + sp.log(z))),
    (sp.Abs(w) * sp.log(y ** 2), 2 * sp.Abs(w) * sp.log(y)),
    (sp.Abs(w) * sp.log(y * z), sp.Abs(w) * sp.log(y) + sp.Abs(w) * sp.log(z)),
    (sp.Abs(w) + sp.log(y * z * a), sp.Abs(w) + sp.log(y) + sp.log(z * a)),
])
def test_a_case_split_does_not_force_log_laws(before, after):
    from derive.symbolic_proofs import proves_zero
    model = free((), positive_in(before))
    assert not proves_zero(before - after, model, {})
    assert _refused(before, after, model)


def test_log_laws_still_hold_where_the_arguments_are_known_positive():
    from derive.symbolic_proofs import proves_zero
    p, q = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True)
    assert proves_zero(sp.Abs(w) * sp.log(p * q) - sp.Abs(w) * (sp.log(p) + sp.log(q)), free(), {})
    assert proves_zero(sp.Abs(w) * sp.log(w ** 2) - 2 * sp.Abs(w) * sp.log(sp.Abs(w)), free(), {})


FORCED_LOG_LAW = """
    [[rule]]
    name = "{name}"
    statement = 'a log law for any real numbers'
    conditions = ["a real", "b real", "c real"]
    wild = ["a", "b", "c"]
    lhs = "{lhs}"
    rhs = "{rhs}"
    en = "A false rule."
    ja = "誤った規則。"
"""


@pytest.mark.parametrize("name, lhs, rhs", [
    ("abs_log_of_product", "Abs(a)*log(b*c)", "Abs(a)*(log(b) + log(c))"),
    ("max_log_of_product", "Max(a, 0)*log(b*c)", "Max(a, 0)*(log(b) + log(c))"),
])
def test_a_log_law_for_sign_indefinite_arguments_never_loads(tmp_path, clean_catalogue, name, lhs, rhs):
    """Through a catalogue: the rule's proof split the kink into cases and forced every log.  Loading
    refuses it unproved; 'derive rules --prove' refuses it; a record claiming it proved is not taken."""
    directory = copy_of_the_catalogue(tmp_path, FORCED_LOG_LAW.format(name=name, lhs=lhs, rhs=rhs))
    environment = {**os.environ, CATALOGUE_VARIABLE: directory}
    run = subprocess.run([sys.executable, "-m", "derive", "grad", r"\log x", "--wrt", "x"], capture_output=True, text=True,
                         env=environment, cwd=ROOT, timeout=300)
    assert run.returncode != 0 and f"rule '{name}' has no proof on record" in run.stderr
    run = subprocess.run([sys.executable, "-m", "derive", "rules", "--prove"], capture_output=True, text=True,
                         env=environment, cwd=ROOT, timeout=300)
    assert run.returncode != 0 and re.search(f"rule '{name}' is (false|checked only numerically|proved only at)", run.stderr)
    forge_record(directory, name)
    rule = load_catalogue(directory)[name]
    assert not rule_trust.proved_for_every_size(rule)


def test_no_log_is_expanded_with_force_anywhere_in_the_engine():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "derive").rglob("*.py")
                 if "force=True" in path.read_text(encoding="utf-8")]
    assert offenders == []


# ----- 5. rules proved only at small sizes; the range of a free index -------------------------


WRONG_FROM_10 = "(b - a + 1)*c + (b - 1)*(b - 2)*(b - 3)*(b - 4)*(b - 5)*(b - 6)*(b - 7)*(b - 8)*(b - 9)*c"


def _edited_sum_of_constant(rhs: str):
    def edit(name, text):
        return text.replace('rhs = "(b - a + 1)*c"', f'rhs = "{rhs}"') if name.startswith("30_") else text
    return edit


ADDED_RULE = """
    [[rule]]
    name = "{name}"
    statement = 'a rule wrong past the small sizes'
    conditions = {conditions}
    wild = {wild}
    lhs = "{lhs}"
    rhs = "{rhs}"
    rulesets = ["human_form"]
    en = "A wrong rule."
    ja = "誤った規則。"
"""


@pytest.mark.parametrize("edit, extra, name", [
    # sum_of_constant edited: right at K = 1 ... 9, wrong from K = 10 on
    (_edited_sum_of_constant(WRONG_FROM_10), None, "sum_of_constant"),
    # wrong only at K = 40, past any size a numeric check draws: proved at K = 2, 3 only
    (_edited_sum_of_constant("(b - a + 1)*c*(1 + KroneckerDelta(b, 40))"), None, "sum_of_constant"),
    # wrong only where the range is empty (K = 1 in a model of any values)
    (_edited_sum_of_constant("(b - a + 1)*c + KroneckerDelta(b, 1)*c"), None, "sum_of_constant"),
    # added rules
    (None, ADDED_RULE.format(name="sum_wrong_from_ten", conditions='["c independent of j"]', wild='["c", "j", "a", "b"]',
                             lhs="Sum(c, (j, a, b))", rhs=WRONG_FROM_10), "sum_wrong_from_ten"),
    (None, ADDED_RULE.format(name="product_wrong_from_ten", conditions='["c independent of j"]', wild='["c", "j", "a", "b"]',
                             lhs="Product(c, (j, a, b))",
                             rhs="c**(b - a + 1)*(1 + (b - 1)*(b - 2)*(b - 3)*(b - 4)*(b - 5)*(b - 6)*(b - 7)*(b - 8)*(b - 9))"),
     "product_wrong_from_ten"),
    (None, ADDED_RULE.format(name="squares_wrong_at_forty", conditions="[]", wild='["f", "j", "a", "b"]',
                             lhs="Sum(f**2, (j, a, b))", rhs="Sum(f**2, (j, a, b))*(1 + KroneckerDelta(b, 40))"),
     "squares_wrong_at_forty"),
])
def test_a_rule_without_a_proof_for_every_size_is_refused_at_load(tmp_path, clean_catalogue, edit, extra, name):
    """Unproved, it does not load; 'derive rules --prove' refuses it (writing nothing); a record
    forged to claim it proved for every size loads, but no step applying it says "proved"."""
    directory = copy_of_the_catalogue(tmp_path, extra, edit=edit)
    with pytest.raises(CatalogueError, match=f"rule '{name}' has no proof on record.*'derive rules --prove'"):
        load_catalogue(directory)
    from derive.rule_proofs import prove_catalogue
    record = (tmp_path / "proofs.json").read_text(encoding="utf-8")
    with pytest.raises(CatalogueError, match=f"rule '{name}' is (false|proved only at|checked only)"):
        prove_catalogue(directory)
    assert (tmp_path / "proofs.json").read_text(encoding="utf-8") == record
    environment = {**os.environ, CATALOGUE_VARIABLE: directory}
    command = [sys.executable, "-m", "derive", "grad", r"\sum_{k=1}^{K} x", "--wrt", "x", "--detail", "full"]
    run = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=ROOT, timeout=300)
    assert run.returncode != 0 and "proved" not in run.stdout and name in run.stderr
    forge_record(directory, name)
    assert not rule_trust.proved_for_every_size(load_catalogue(directory)[name])
    run = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=ROOT, timeout=300)
    lines = run.stdout.splitlines()
    verdicts = [lines[n + 1] for n, line in enumerate(lines[:-1]) if line.strip().startswith(f"by {name} (")]
    assert "Traceback" not in run.stderr and f"by the rule {name}" not in run.stdout
    assert all("proved" not in verdict for verdict in verdicts), verdicts


def test_a_true_rule_added_to_the_catalogue_is_still_proved_and_used(tmp_path, clean_catalogue, monkeypatch):
    added = ADDED_RULE.format(name="sum_of_a_constant_again", conditions='["c independent of j"]',
                              wild='["c", "j", "a", "b"]', lhs="Sum(c, (j, a, b))", rhs="(b - a + 1)*c") \
        .replace("a rule wrong past the small sizes", "the sum of a constant").replace("A wrong rule.", "True.")
    directory = copy_of_the_catalogue(tmp_path, added)
    from derive.rule_proofs import prove_catalogue
    prove_catalogue(directory)  # 'derive rules --prove': loading proves nothing
    monkeypatch.setenv(CATALOGUE_VARIABLE, directory)
    derivation = derive.gradient(r"\sum_{k=1}^{K} a x", "x")
    assert derivation.result.rhs == c.K * a
    assert derivation.steps[-1].verification.method == "symbolic" and not derivation.steps[-1].verification.sizes


def test_a_step_applying_a_rule_proved_only_at_some_sizes_is_only_checked_numerically(monkeypatch):
    """A rule on record without a proof for every size: a step applying it, which SymPy too proves
    only at K = 2, 3, says "checked numerically", never "proved"."""
    from derive import catalogue, verification
    monkeypatch.setattr(catalogue, "proved_for_every_size", lambda rule: False)
    monkeypatch.setattr(verification, "proves_for_every_size", lambda *args, **kwargs: "")
    previous = Equation(c.E, sp.Sum(a, (c.k, 1, c.K)))
    step = Step(Equation(c.E, c.K * a), "sum_of_constant", "equality", Check("rewrite"))
    verdict = verify_step(previous, step, free())
    assert verdict.method == "numeric" and not verdict.proved_by and not verdict.sizes
    from derive.printing.words import verification_text
    assert "proved" not in verification_text(verdict, "en")


def test_the_range_of_a_free_index_comes_from_the_model_not_from_the_sum_collapsed():
    """x runs to K (the loss sums it to K); a sum to 3 of δ_jk x_k is x_j only for j <= 3."""
    loss = sp.Sum(X[kk], (kk, 1, c.K))
    model = replace(free((), frozenset(), extents=(((X, 0), c.K),)), index_extents=((c.j, c.K),))
    assert model.range_of(c.j, sp.Sum(delta(c.j, kk) * X[kk], (kk, 1, 3))) == c.K
    part = sp.Sum(delta(c.j, kk) * X[kk], (kk, 1, 3))
    previous = Equation(sp.Derivative(c.E, X[c.j]), loss + part)
    forged = Step(Equation(previous.lhs, loss + X[c.j]), "kronecker_delta_collapses_sum", "equality",
                  Check("local", definitions={part: X[c.j]}), location=(1,))
    from derive.expression_paths import subexpression_at
    location = next(p for p in [(0,), (1,)] if subexpression_at(previous.rhs, p) == part)
    forged = replace(forged, location=location)
    with pytest.raises(VerificationError):
        verify_step(previous, forged, model)
    result, _ = _cli_result(r"\sum_{k=1}^{3} (y_k - t_k)^2 + \sum_{k=1}^{K} y_{k}", "y_{j}")
    Y = sp.IndexedBase("y", real=True)
    assert _at(result.xreplace({c.j: 5}), K=7) == 1  # at j = 5 only the second sum has a term (not 2 (y_5 - t_5) + 1)
    assert sp.expand(_at(result.xreplace({c.j: 2}), K=7) - (2 * (Y[2] - c.t[2]) + 1)) == 0


# ----- past the classes: wrong only at k = K, only at N = 1, only at N = 10 --------------------


RIGHT = {name: derive.get(name).result.rhs for name in ("ce", "ce-softmax-grad", "bce-sigmoid-grad")}


def _last_step_with(name: str, rhs):
    derivation = derive.get(name)
    step = derivation.steps[-1]
    return derivation.steps[-2].equation, replace(step, equation=Equation(step.lhs, rhs)), derivation.models[-1]


@pytest.mark.parametrize("name, wrong", [
    ("ce-softmax-grad", RIGHT["ce-softmax-grad"] + delta(c.k, c.K)),  # only the last class
    ("bce-sigmoid-grad", RIGHT["bce-sigmoid-grad"] * (1 + delta(c.i, c.N))),  # only the last sample
    ("ce-softmax-grad", RIGHT["ce-softmax-grad"] * (1 + delta(c.N, 1))),  # only for one sample
    ("bce-sigmoid-grad", RIGHT["bce-sigmoid-grad"] + delta(c.N, 1)),
    ("ce", RIGHT["ce"] * (1 + delta(c.N, 10))),  # only at N = 10
    ("ce-softmax-grad", RIGHT["ce-softmax-grad"] * (1 + delta(c.N, 10) * delta(c.k, c.K))),
    ("ce", RIGHT["ce"] * (1 + sp.prod([c.N - n for n in range(1, 10)]))),  # from N = 10 on
    ("ce", RIGHT["ce"] + sp.Piecewise((1, c.N > 11), (0, True))),  # from N = 12 on
])
def test_a_step_wrong_only_at_one_edge_is_caught(name, wrong):
    previous, step, model = _last_step_with(name, wrong)
    with pytest.raises(VerificationError, match="is wrong"):
        verify_step(previous, step, model)


def test_the_right_last_steps_still_pass():
    for name, right in RIGHT.items():
        previous, step, model = _last_step_with(name, right)
        verification = verify_step(previous, step, model)
        assert verification.method == "symbolic" and not verification.sizes


# ----- 6. the same verdicts and the same derivations under any hash seed ---------------------


DETERMINISM = """
import sys
from derive import cli, rule_trust
for argv in (["ce", "--detail", "full"], ["bce", "--gradient", "--link", "sigmoid", "--detail", "full"],
             ["grad", sys.argv[1], "--wrt", "y_{j}", "--detail", "full"], ["grad", sys.argv[1], "--wrt", "y_{j}", "--format", "json"]):
    print(cli.main(argv))
import derive
for derivation in (derive.get("ce"), derive.get("bce-sigmoid-grad"), derive.gradient(sys.argv[1], "y_{j}")):
    for step in derivation.steps:
        print(repr(step.verification))
    print(repr(getattr(derivation, "cross_checks", ())))
"""


def test_every_verdict_and_every_printed_line_is_the_same_under_any_hash_seed():
    loss = r"\sum_{k=2}^{K} t_k \log \frac{t_k}{y_k} + \frac{(w - \mu)^2}{2 s^2} + \log(y_{1}^2)"
    outputs = []
    for seed in ("0", "1", "12345"):
        run = subprocess.run([sys.executable, "-c", DETERMINISM, loss], capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed}, timeout=600)
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert "Verification(method='symbolic'" in outputs[0] and "max_error=" in outputs[0]
    assert outputs[0] == outputs[1] == outputs[2]
