"""A user's own loss in LaTeX: read, differentiated step by step, verified, printed, compiled.

The expected gradients below are worked out by hand; the engine finds its own steps."""
import json
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.errors import DeriveError, ParseError, VerificationError
from derive.printing import render
from derive.verification import verify_step

j, m = c.j, c.m


def expected_equal(result: sp.Basic, expected: sp.Basic) -> bool:
    from derive.functions import plain  # softmax(z)_j is e^{z_j} over its row's sum, σ(z) 1/(1 + e^{-z})
    return sp.simplify(plain(result) - plain(expected)) == 0


def test_the_series_notations_read_as_the_built_in_losses():
    ce = derive.from_latex(r"\ - \frac{1}{N} \sum_{i}^{N} \sum_{k}^{K} t_{ik} \log y_{ik} \tag{1}")
    assert ce == derive.get("ce").result.rhs
    bce_mean = derive.from_latex(r"\ - \frac{1}{N} \sum_{i}^{N} \lbrack t_{i} \log y_{i} + (1- t_{i}) \log (1- y_{i}) \rbrack \tag{2}")
    bce_sum = derive.from_latex(r"BCE=- \sum_{i=1}^{N} \lbrack t_{i} \log y_{i} + (1-t_{i}) \log (1-y_{i}) \rbrack \tag{7.4}")
    assert isinstance(bce_sum, sp.Eq) and bce_sum.lhs == c.BCE
    assert sp.simplify(bce_mean * c.N - bce_sum.rhs) == 0
    one = derive.from_latex(r"BCE=- (t \log y + (1-t) \log (1-y) ) \tag{7.3}")
    assert one.rhs == -(c.t_scalar * sp.log(c.y_scalar) + (1 - c.t_scalar) * sp.log(1 - c.y_scalar))


@pytest.mark.parametrize("latex, expected", [
    (r"\log x + \ln x + \log_{2} x", 2 * sp.log(sp.Symbol("x", real=True)) + sp.log(sp.Symbol("x", real=True)) / sp.log(2)),
    (r"e^{x} \cdot \exp(x)", sp.exp(2 * sp.Symbol("x", real=True))),
    (r"\sigma(w x + b) + \sigma\left(-z\right)",
     derive.functions.sigmoid(c.w_scalar * sp.Symbol("x", real=True) + sp.Symbol("b", real=True))
     + derive.functions.sigmoid(-c.z_scalar)),
    (r"\left( \frac{a}{b} \right)^{2}", (sp.Symbol("a", real=True) / sp.Symbol("b", real=True)) ** 2),
    (r"\sum_{c=1}^{C} p_{c} q_c", sp.Sum(sp.IndexedBase("p", real=True)[sp.Symbol("c", integer=True)]
                                          * sp.IndexedBase("q", real=True)[sp.Symbol("c", integer=True)],
                                          (sp.Symbol("c", integer=True), 1, sp.Symbol("C", integer=True, positive=True)))),
])
def test_the_normaliser(latex, expected):
    assert sp.simplify(derive.from_latex(latex) - expected) == 0


def test_softmax_and_greek_letters():
    softmax = derive.from_latex(r"\operatorname{softmax}(z)_{k}")
    assert softmax == sp.exp(c.z[c.k]) / sp.Sum(sp.exp(c.z[j]), (j, 1, c.K))
    focal = derive.from_latex(r"-(1 - y)^{\gamma} \log y")
    assert {s.name for s in focal.free_symbols} == {"y", "gamma"}
    assert derive.from_latex(r"\pi") == sp.pi


# A user's y and w are real numbers whatever their names (the model's y, w are positive): what a
# symbol may be comes from the loss (its logs), never from its name.
y, y_scalar, w = sp.IndexedBase("y", real=True), sp.Symbol("y", real=True), sp.IndexedBase("w", real=True)


@pytest.mark.parametrize("loss, wrt, expected", [
    (r"\ - \frac{1}{N} \sum_{i}^{N} \sum_{k}^{K} t_{ik} \log y_{ik}", "y_{ik}", -c.t[c.i, c.k] / (c.N * y[c.i, c.k])),
    (r"BCE=- (t \log y + (1-t) \log (1-y) )", "y", (y_scalar - c.t_scalar) / (y_scalar * (1 - y_scalar))),
    (r"BCE=- \sum_{i=1}^{N} \lbrack t_{i} \log y_{i} + (1-t_{i}) \log (1-y_{i}) \rbrack", "y_{j}",
     (y[j] - c.t[j]) / (y[j] * (1 - y[j]))),
    (r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack w_{1} t_i \log \sigma(z_i) + w_{0} (1 - t_i) \log(1 - \sigma(z_i)) \rbrack", "z_{j}",
     (w[0] * (1 - c.t[j]) * derive.functions.sigmoid(c.z[j])
      - w[1] * c.t[j] * (1 - derive.functions.sigmoid(c.z[j]))) / c.N),
    (r"\sum_{k=1}^{K} t_k \log \frac{t_k}{y_k}", "y_{j}", -c.t[j] / y[j]),
    (r"\frac{1}{N}\sum_{i=1}^{N} (y_i - t_i)^2", "y_{j}", 2 * (y[j] - c.t[j]) / c.N),
    (r"\frac{1}{N}\sum_{i=1}^{N} (y_i - t_i)^4", "y_{j}", 4 * (y[j] - c.t[j]) ** 3 / c.N),  # another exponent
    (r"\sum_{k=1}^{3} (y_k - t_k)^2", "y_{j}", 2 * (y[j] - c.t[j])),  # a concrete number of classes
    (r"-\sum_{k=1}^{K} y_k \log y_k", "y_{j}", -(sp.log(y[j]) + 1)),
    (r"\log \sum_{k=1}^{K} e^{z_k}", "z_{j}", sp.exp(c.z[j]) / sp.Sum(sp.exp(c.z[c.k]), (c.k, 1, c.K))),
    (r"-\log \operatorname{softmax}(z)_{k}", "z_{j}",
     sp.exp(c.z[j]) / sp.Sum(sp.exp(c.z[m]), (m, 1, c.K)) - sp.KroneckerDelta(j, c.k)),
    (r"\sum_{i=1}^{N} \sum_{k=1}^{K} (y_{ik} - t_{ik})^2", "y_{jm}", 2 * (y[j, m] - c.t[j, m])),
])
def test_gradients_of_losses_in_latex(loss, wrt, expected):
    derivation = derive.gradient(loss, wrt)
    assert expected_equal(derivation.result.rhs, expected), derivation.result.rhs
    assert derivation.steps[0].verification.method == "no"  # the user's loss is taken as given
    assert all(s.verification.method in ("symbolic", "numeric") for s in derivation.steps[1:])
    assert all(s.rule != "computed_by_sympy" for s in derivation.steps)  # the catalogue's rules did it
    assert [check.method for check in derivation.cross_checks] == ["sympy.diff", "central difference"]


def test_a_users_own_names_and_sizes():
    derivation = derive.gradient(r"-\sum_{c=1}^{C} p_c \log q_c", "q_{c}")
    p, q, cc = sp.IndexedBase("p", real=True), sp.IndexedBase("q", real=True), sp.Symbol("c", integer=True)
    assert derivation.result.rhs == -p[cc] / q[cc]
    hatted = derive.gradient(r"-\sum_{i=1}^{N} \alpha_i t_i \log \hat{y}_i", r"\hat{y}_{j}")
    assert r"\hat{y}_{j}" in render("latex", [hatted])
    assert "α" in render("text", [hatted])


def test_no_rule_applies_so_sympy_computes_and_says_so():
    """No rule of the catalogue differentiates a power with the variable in its exponent."""
    derivation = derive.gradient(r"x^{x} + \frac{(x - \mu)^2}{2}", "x")
    fallback = [s for s in derivation.steps if s.rule == "computed_by_sympy"]
    assert fallback and all(s.verification.method == "symbolic" for s in fallback)
    x, mu = (sp.Symbol(n, real=True) for n in ("x", "mu"))
    assert expected_equal(derivation.result.rhs, x ** x * (sp.log(x) + 1) + x - mu)
    text = render("text", [derivation], detail="full")
    assert "Computed by SymPy (sympy.diff), not by a rule of this catalogue" in text
    assert "SymPy" in render("text", [derivation], "ja", detail="full")
    assert "one derivative computed by SymPy" in render("text", [derivation])  # the blackboard line says so too
    assert "SymPy で計算した導関数" in render("text", [derivation], "ja")


def test_a_wrong_step_in_a_users_gradient_is_caught():
    from dataclasses import replace
    derivation = derive.gradient(r"\frac{1}{N}\sum_{i=1}^{N} (y_i - t_i)^2", "y_{j}")
    last = derivation.steps[-1]
    wrong = replace(last, equation=replace(last.equation, rhs=last.rhs.xreplace({sp.Integer(2): sp.Integer(3)})))
    with pytest.raises(VerificationError):
        verify_step(derivation.steps[-2].equation, wrong, derivation.models[-1])


@pytest.mark.parametrize("latex, message", [
    ("", "the input is empty"),
    ("   ", "the input is empty"),
    ("x +", "position 3"),
    (r"\frac{1}{", "never closed"),
    ("}", "unmatched"),
    (r"\foo{x}", r"unknown command \\foo"),
    (r"\operatorname{relu}(x)", r"unknown operator \\operatorname\{relu\}"),
    (r"f(x)", "unknown function f"),
    ("x" * 5000, "at most 2000"),
    ("(" * 40 + "x" + ")" * 40, "nest deeper"),
    ("a = b = c", "more than one '='"),
])
def test_bad_latex_is_a_parse_error_naming_the_place(latex, message):
    with pytest.raises(ParseError, match=message) as caught:
        derive.from_latex(latex)
    assert caught.value.position >= 0 and "at position" in str(caught.value)


@pytest.mark.parametrize("loss, wrt, message", [
    (r"\max(x, y, 0)", "x", "nested maxima of two"),  # a kink is split in two (derive.piecewise); of three, refused
    (r"\sum_{i=1}^{N} \max(0, w - x_{i})", "w", "one sample at a time"),
    (r"\sum_k t_k \log y_k", "q", "does not contain q"),
    (r"\sum_k t_k \log y_k", "x + y", "one symbol"),
    (r"\sum_k t_k \log y_k", "K", "index or a size"),
    (" + ".join(f"a_{{{n}}} x^{{{n}}}" for n in range(1, 60)), "x", "differentiate it in parts"),
])
def test_what_cannot_be_differentiated_is_said(loss, wrt, message):
    with pytest.raises(DeriveError, match=message):
        derive.gradient(loss, wrt)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=120)


def test_cli_grad_in_every_format():
    loss = r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack t_i \log \sigma(z_i) + (1 - t_i) \log(1 - \sigma(z_i)) \rbrack"
    text = run("grad", loss, "--wrt", "z_{j}")
    assert text.returncode == 0, text.stderr
    assert "Result: ∂E/∂zⱼ = (σ(zⱼ) − tⱼ)/N" in text.stdout
    document = json.loads(run("grad", loss, "--wrt", "z_{j}", "--format", "json", "--lang", "ja").stdout)
    assert document["derivations"][0]["name"] == "gradient" and "勾配" in document["derivations"][0]["title"]
    assert r"\begin{align}" in run("grad", loss, "--wrt", "z_{j}", "--format", "latex").stdout
    assert "$$" in run("grad", loss, "--wrt", "z_{j}", "--format", "markdown").stdout


@pytest.mark.parametrize("args, message", [
    (["grad", "x +", "--wrt", "x"], "at position 3"),
    (["grad", "", "--wrt", "x"], "empty"),
    (["grad", r"\foo", "--wrt", "x"], "unknown command"),
    (["grad", r"\max(x, y, 0)", "--wrt", "x"], "nested maxima of two"),  # |x| is split at its kink now
    (["grad", "x^2", "--wrt", "q"], "does not contain q"),
    (["grad", "x" * 3000, "--wrt", "x"], "at most 2000"),
    (["grad", "x^2"], "--wrt"),
])
def test_cli_bad_input_is_one_line_and_exit_2(args, message):
    out = run(*args)
    assert out.returncode == 2
    assert out.stdout == "" and len(out.stderr.strip().splitlines()) == 1 and message in out.stderr
    assert "Traceback" not in out.stderr


def test_cli_compile_builds_and_checks_a_kernel():
    out = run("grad", r"\frac{1}{N}\sum_{i=1}^{N} (y_i - t_i)^2", "--wrt", "y_{j}", "--compile", "--format", "json")
    assert out.returncode == 0, out.stderr
    kernel = json.loads(out.stdout)["kernel"]
    assert kernel["inputs"] == ["t", "y"] and kernel["max_relative_error"] < 1e-13


def test_user_kernels_agree_with_numpy_and_check_their_inputs():
    kernel = derive.gradient(r"\frac{1}{N}\sum_{i=1}^{N} (y_i - t_i)^2", "y_{j}").compile()
    rng = np.random.default_rng(0)
    y, t = rng.uniform(size=50), rng.uniform(size=50)
    assert kernel.loss(y=y, t=t) == pytest.approx(np.mean((y - t) ** 2), rel=1e-14)
    np.testing.assert_allclose(kernel.grad(y=y, t=t), 2 * (y - t) / 50, rtol=1e-14)
    assert "for v_i in range(1, v_N + 1)" in kernel.source  # the sum, as a loop (names prefixed v_)
    with pytest.raises(ValueError, match="missing: t"):
        kernel.loss(y=y)
    with pytest.raises(ValueError, match="along N"):
        kernel.loss(y=y, t=t[:3])
    with pytest.raises(ValueError, match="y contains NaN at index"):
        kernel.loss(y=np.where(np.arange(50) == 7, np.nan, y), t=t)
    gaussian = derive.gradient(r"\log \sigma + \frac{(x - \mu)^2}{2 \sigma^2}", r"\sigma").compile()
    assert gaussian.grad(sigma=2.0, x=1.0, mu=0.0) == pytest.approx(1 / 2 - 1 / 8, rel=1e-15)
    with pytest.raises(ValueError, match="sigma must be a finite number"):
        gaussian.loss(sigma=float("nan"), x=1.0, mu=0.0)


@pytest.mark.parametrize("loss, wrt", [
    (r"BCE=- \sum_{i=1}^{N} \lbrack t_{i} \log y_{i} + (1-t_{i}) \log (1-y_{i}) \rbrack", "y_{j}"),
    (r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack w_{1} t_i \log \sigma(z_i) + w_{0} (1 - t_i) \log(1 - \sigma(z_i)) \rbrack", "z_{j}"),
    (r"\sum_{k=1}^{K} t_k \log \frac{t_k}{y_k}", "y_{j}"),
    (r"-\sum_{c=1}^{C} p_c \log q_c", "q_{c}"),
])
def test_user_kernels_match_30_digit_evaluation(loss, wrt):
    assert derive.gradient(loss, wrt).compile().check(samples=2) < 1e-13


def test_user_gradients_render_in_katex_in_both_languages():
    import re
    from test_latex_output import _katex
    blocks = []
    for number, (loss, wrt) in enumerate([
            (r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack w_{1} t_i \log \sigma(z_i) + w_{0} (1 - t_i) \log(1 - \sigma(z_i)) \rbrack", "z_{j}"),
            (r"\log \sigma + \frac{(x - \mu)^2}{2 \sigma^2}", r"\sigma"),
            (r"-\sum_{i=1}^{N} \alpha_i t_i \log \hat{y}_i", r"\hat{y}_{j}"),
            (r"-(1 - y)^{\gamma} \log y", "y")]):
        derivation = derive.gradient(loss, wrt)
        for lang, detail in (("en", "full"), ("ja", "full"), ("en", "blackboard"), ("ja", "blackboard")):
            text = render("markdown", [derivation], lang, detail=detail)
            for block, tex in enumerate(re.findall(r"^\$\$\n(.*?)\n\$\$$", text, re.MULTILINE | re.DOTALL)):
                blocks.append({"id": f"{number}/{lang}/{detail}/{block}", "tex": tex})
    report = _katex(blocks)
    assert report["failures"] == [] and report["rendered"] == len(blocks) > 40


@pytest.mark.parametrize("loss, wrt", [
    (r"-\frac{1}{N}\sum_{i=1}^{N} \lbrack w_{1} t_i \log \sigma(z_i) + w_{0} (1 - t_i) \log(1 - \sigma(z_i)) \rbrack", "z_{j}"),
    (r"\log \sigma + \frac{(x - \mu)^2}{2 \sigma^2}", r"\sigma"),
    (r"-\sum_{i=1}^{N} \alpha_i t_i \log \hat{y}_i", r"\hat{y}_{j}"),
    (r"-(1 - y)^{\gamma} \log y", "y"),
    (r"\log \sum_{k=1}^{K} e^{z_k}", "z_{j}"),
])
def test_printed_latex_reads_back_as_the_same_expression(loss, wrt):
    """The loss and the gradient as printed, read back by the front end: the same expressions
    (a log followed by another factor is printed with parentheses, so it cannot swallow it)."""
    from derive.printing.latex_expr import latex
    derivation = derive.gradient(loss, wrt)
    import random

    from derive.verification import compare
    for expr in (derivation.steps[0].rhs, derivation.result.rhs):
        back = derive.from_latex(latex(expr), model_names=False)  # read as a user's loss is read
        if sp.simplify(back - expr) != 0:  # softmax(z)_j reads back as e^{z_j} over a sum with its own index name
            compare(back, expr, derivation.models[-1], random.Random(0), latex(expr))  # raises where they differ


def test_user_names_that_are_python_keywords_or_the_kernels_own_names_compile():
    keyword = derive.gradient(r"\lambda x^2", "x").compile()
    assert keyword.inputs == ("lambda", "x") and keyword.grad(**{"lambda": 3.0, "x": 2.0}) == pytest.approx(12.0)
    clash = derive.gradient(r"G x^2 + s_1", "x").compile()
    assert clash.grad(G=0.5, s_1=1.0, x=2.0) == pytest.approx(2.0) and clash.check() < 1e-13


def test_a_log_in_the_loss_makes_its_argument_positive_so_the_catalogue_rule_applies():
    """log x in the loss is real only for x > 0: that condition of derivative_of_log is derived from
    the loss, so the catalogue's rule differentiates it, not SymPy."""
    rules = [step.rule for step in derive.gradient(r"\log x", "x").steps]
    assert rules[-1] == "derivative_of_log" and "computed_by_sympy" not in rules
    summed = [step.rule for step in derive.gradient(r"-\sum_{k=1}^{K} t_k \log y_k", "y_{j}").steps]
    assert "computed_by_sympy" not in summed


def test_a_gradient_by_one_named_component_compiles_to_that_number():
    """InfoNCE by s_1 (one component, named by a number) is one number, not an array filled with
    component 1's formula (by s_j it is the whole array, as the tests above compile); a part-named
    component is refused."""
    import numpy as np
    from derive.kernels.user_kernels import CodegenError
    loss = r"-\log \frac{e^{s_{1} / \tau}}{\sum_{j=1}^{M} e^{s_{j} / \tau}}"
    s, tau = np.array([0.3, 1.2, -0.5]), 0.7
    softmax = np.exp(s / tau) / np.exp(s / tau).sum()
    one = derive.gradient(loss, "s_{1}").compile()
    assert one.check() < 1e-13 and one.grad(s=s, tau=tau) == pytest.approx((softmax[0] - 1) / tau, rel=1e-13)
    with pytest.raises(CodegenError, match="part named and part free"):
        derive.gradient(r"\sum_{i=1}^{N} \sum_{k=1}^{K} y_{i,k}^{2}", "y_{1,j}").compile()


def test_a_free_class_index_is_an_integer_input_of_the_kernel():
    """-log softmax(z)_k: the observed class k is no sum's index; the kernel takes it as a whole
    number from 1 to K (as in the formula), and refuses anything else with a message."""
    import numpy as np
    kernel = derive.gradient(r"-\log \operatorname{softmax}(z)_{k}", "z_{j}").compile()
    z = np.array([0.3, 1.2, -0.5, 2.0])
    p = np.exp(z) / np.exp(z).sum()
    assert kernel.inputs == ("z", "k") and kernel.check() < 1e-13
    assert kernel.loss(z=z, k=4) == pytest.approx(-np.log(p[3]), rel=1e-13)
    assert kernel.grad(z=z, k=4) == pytest.approx(p - np.eye(4)[3], rel=1e-13, abs=1e-15)
    for wrong in (0, 5, 2.0, True):
        with pytest.raises(ValueError, match="k must be a whole number from 1 to 4"):
            kernel.loss(z=z, k=wrong)


def test_the_user_kernel_printer_writes_whole_indices_and_names_what_has_no_code():
    """A PythonCodePrinter with a method per construct: |x| is abs, an index is a whole number
    counted from 0, and a function without a code form is a CodegenError naming it (it was a
    TypeError from an isinstance test against sp.sqrt, which is no class)."""
    import sympy as sp
    from derive import conventions as c
    from derive.errors import CodegenError
    from derive.kernels.user_printer import Emitter

    emitter = Emitter({c.y: (c.K,), c.z: (c.K,)})
    lines: list[str] = []
    printed = emitter.expression(sp.Abs(c.z[c.k + 1]) + c.y[2], lines, "")
    assert "abs(v_z[(1 + v_k) - 1])" in printed and "v_y[1]" in printed and "." not in printed
    assert emitter.expression(sp.erf(c.z[1]), lines, "") == "math.erf(v_z[0])"  # SymPy's table, where Numba has it
    for unknown in (sp.zeta(c.z[1]), sp.factorial(c.z[1])):
        with pytest.raises(CodegenError, match=f"no code for {type(unknown).__name__}"):
            emitter.expression(unknown, lines, "")
    with pytest.raises(CodegenError, match="an index must be a whole number"):
        emitter.expression(c.y[c.k + sp.Rational(1, 2)], lines, "")
    total = emitter.expression(sp.Sum(c.y[c.k], (c.k, 1, c.K)), lines, "    ")
    assert lines[-2:] == ["    for v_k in range(1, v_K + 1):", f"        {total} += v_y[v_k - 1]"]


POS_WEIGHT_BCE = r"-\left(p t \log \sigma(z) + (1 - t) \log(1 - \sigma(z))\right)"


def test_a_users_loss_compiles_through_its_stable_forms_and_stays_finite_at_extreme_logits():
    """A pos_weight BCE written in LaTeX: log σ and log(1 − σ) become minus softplus forms and
    1 − σ(z) becomes σ(−z), then each σ is written by its argument's sign, each a step proved for every size by a catalogue rule; the kernel then
    gives PyTorch's numbers at logits of ±40 and ±1000 (the formula as written gives inf there)."""
    from derive.user_losses import stable_forms
    from tools import require_torch

    torch = require_torch()
    derivation = derive.gradient(POS_WEIGHT_BCE, "z")
    loss, gradient = stable_forms(derivation)
    assert [s.rule for s in loss.steps[1:]] == ["log_sigmoid_as_softplus", "log_one_minus_sigmoid_as_softplus"]
    # then each sigmoid by the sign of its argument, as in every kernel (built-in or a user's)
    assert [s.rule for s in gradient.steps[1:]] == ["one_minus_sigmoid", "stable_sigmoid", "stable_sigmoid"]
    assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in loss.steps[1:] + gradient.steps[1:])
    kernel = derivation.compile()
    for z in (40.0, -40.0, 1000.0, -1000.0, 0.25):
        for t in (0.0, 1.0, 0.3):
            logit = torch.tensor([z], dtype=torch.float64, requires_grad=True)
            expected = torch.nn.functional.binary_cross_entropy_with_logits(
                logit, torch.tensor([t], dtype=torch.float64), pos_weight=torch.tensor([2.5], dtype=torch.float64))
            expected.backward()
            # (at z = -40, t = 0 the loss is log1p(e^-40) = 4.2e-18, which PyTorch's float64 rounds to 0)
            assert kernel.loss(z=z, t=t, p=2.5) == pytest.approx(expected.item(), rel=1e-12, abs=1e-15)
            assert kernel.grad(z=z, t=t, p=2.5) == pytest.approx(logit.grad.item(), rel=1e-12, abs=1e-15)


def test_softplus_is_rewritten_wherever_it_occurs():
    kernel = derive.gradient(r"\log(1 + e^{z}) - t z", "z").compile()
    assert kernel.loss(z=1000.0, t=0.25) == pytest.approx(750.0, rel=1e-15)  # e^1000 overflows as written
    assert kernel.loss(z=-1000.0, t=0.25) == pytest.approx(250.0, rel=1e-15)
    assert kernel.grad(z=1000.0, t=0.25) == pytest.approx(0.75, rel=1e-15)


def test_derive_grad_stable_shows_the_stable_derivations():
    result = subprocess.run([sys.executable, "-m", "derive", "grad", POS_WEIGHT_BCE, "--wrt", "z", "--stable",
                             "--format", "json"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    names = [d["name"] for d in json.loads(result.stdout)["derivations"]]
    assert names == ["gradient", "gradient-loss-stable", "gradient-stable"]


def test_loss_and_grad_of_a_user_kernel_is_loss_and_grad_side_by_side():
    """On a large input the gradient runs on a second thread beside the loss: the same numbers."""
    import numpy as np

    kernel = derive.gradient(r"-\frac{1}{N} \sum_{i=1}^{N} \left(p t_{i} \log \sigma(z_{i}) + (1 - t_{i}) \log(1 - \sigma(z_{i}))\right)",
                             "z_{j}").compile()
    rng = np.random.default_rng(4)
    for n in (10, 200_000):  # one thread, then two
        z, t = 30 * rng.normal(size=n), rng.uniform(size=n)
        loss, gradient = kernel.loss_and_grad(z=z, t=t, p=1.5)
        assert loss == kernel.loss(z=z, t=t, p=1.5)
        np.testing.assert_array_equal(gradient, kernel.grad(z=z, t=t, p=1.5))
        assert np.isfinite(gradient).all() and gradient.shape == (n,)
