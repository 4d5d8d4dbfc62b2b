"""Piecewise losses (issue 32, item 7): Huber, smooth L1, hinge, squared hinge, pinball and
ε-insensitive, as the corpus writes them (max, |·|, \\begin{cases}).  Each is split into smooth
pieces, each piece derived with every step proved for every size (and re-checked by the checker);
the result equals torch autograd of PyTorch's own loss, at random points and exactly on the kinks,
and so do the kernels of every backend; the continuously differentiable ones print merged, the
others say where the derivative does not exist and which value PyTorch takes."""
import json
import random
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import derive
from derive.errors import DeriveError, ParseError
from derive.front_end import from_latex
from derive.steps import Equation
from derive_checker.certificate import check_certificate
from tools import require_jax, require_torch

CORPUS = {entry["name"]: entry for entry in
          tomllib.loads((Path(__file__).parent.parent / "examples" / "loss_corpus.toml").read_text(encoding="utf-8"))["loss"]}
DELTA, BETA, TAU, EPSILON = 0.5, 0.75, 0.25, 0.5  # exact in binary, so a kink is hit exactly


def _reference(torch, name: str, values: dict):
    """PyTorch's own loss (mean over the samples), and the tensor the gradient is by."""
    F = torch.nn.functional
    t = {key: torch.tensor(value, dtype=torch.float64) for key, value in values.items() if key not in ("delta", "beta", "tau", "epsilon")}
    by = {"Huber loss": "x", "smooth L1 loss": "x", "hinge loss": "z", "squared hinge loss": "z",
          "pinball loss": "q", "epsilon-insensitive loss": "x"}[name]
    t[by].requires_grad_()
    loss = {
        "Huber loss": lambda: F.huber_loss(t["x"], t["y"], delta=values.get("delta", DELTA)),
        "smooth L1 loss": lambda: F.smooth_l1_loss(t["x"], t["y"], beta=values.get("beta", BETA)),
        "hinge loss": lambda: F.relu(1 - t["y"] * t["z"]).mean(),
        "squared hinge loss": lambda: (F.relu(1 - t["y"] * t["z"]) ** 2).mean(),
        "pinball loss": lambda: torch.maximum(values["tau"] * (t["y"] - t["q"]), (values["tau"] - 1) * (t["y"] - t["q"])).mean(),
        "epsilon-insensitive loss": lambda: F.relu(torch.abs(t["y"] - t["x"]) - values["epsilon"]).mean(),
    }[name]()
    return loss, torch.autograd.grad(loss, t[by])[0].numpy()


def _points(name: str, rng: random.Random) -> list[dict]:
    """A random point, and one with samples exactly on each kink (|d| = δ, β or ε; y z = 1; d = 0)."""
    n = 6
    draw = [rng.uniform(-2, 2) for _ in range(n)]
    other = [rng.uniform(-2, 2) for _ in range(n)]
    if name in ("Huber loss", "smooth L1 loss", "epsilon-insensitive loss"):
        width = {"Huber loss": DELTA, "smooth L1 loss": BETA, "epsilon-insensitive loss": EPSILON}[name]
        parameter = {"Huber loss": "delta", "smooth L1 loss": "beta", "epsilon-insensitive loss": "epsilon"}[name]
        y = [0.5, 0.25, -1.0, 1.0, 0.0, 1.5]
        kinks = {"x": [y[0] + width, y[1] - width, y[2], y[3] + 2 * width, y[4] - 0.125, y[5]], "y": y, parameter: width}
        return [{"x": draw, "y": other, parameter: width}, kinks]
    if name in ("hinge loss", "squared hinge loss"):
        labels = [rng.choice((-1.0, 1.0)) for _ in range(n)]
        return [{"y": labels, "z": draw}, {"y": [1.0, -1.0, 0.5, 2.0, 1.0, -1.0], "z": [1.0, -1.0, 2.0, 0.5, 0.0, 3.0]}]
    return [{"y": draw, "q": other, "tau": TAU}, {"y": [0.5, -1.0, 0.0, 1.0, 2.0, -0.25], "q": [0.5, -1.0, 0.0, 0.75, 2.5, -0.25], "tau": TAU}]


def _derived(gradient, values: dict) -> np.ndarray:
    """The derived result (a Piecewise, or one merged expression) at each component, exactly."""
    variable = gradient.variable
    index = variable.indices[0]
    arrays = {str(a.label): a for a in gradient.result.rhs.atoms(sp.IndexedBase) | gradient.loss.rhs.atoms(sp.IndexedBase)}
    scalars = {s.name: s for s in gradient.loss.rhs.free_symbols if isinstance(s, sp.Symbol) and not s.is_integer}
    n = len(next(v for v in values.values() if isinstance(v, list)))
    sizes = {s: n for s in gradient.loss.rhs.free_symbols if isinstance(s, sp.Symbol) and s.is_integer and s.is_positive}
    out = []
    for j in range(1, n + 1):
        at = {arrays[k][j]: sp.Rational(v[j - 1]) for k, v in values.items() if isinstance(v, list)}
        at.update({scalars[k]: sp.Rational(v) for k, v in values.items() if not isinstance(v, list)})
        out.append(float(gradient.result.rhs.xreplace({index: j}).xreplace({**sizes, **at})))
    return np.array(out)


PIECEWISE = ("Huber loss", "smooth L1 loss", "hinge loss", "squared hinge loss", "pinball loss", "epsilon-insensitive loss")


@pytest.fixture(scope="module", params=PIECEWISE)
def derived(request):
    return request.param, derive.gradient(CORPUS[request.param]["latex"], CORPUS[request.param]["wrt"])


def test_the_six_losses_are_in_the_corpus(derived):
    name, _ = derived
    assert name in CORPUS


def test_every_piece_is_derived_and_every_step_proved_for_every_size(derived):
    _, gradient = derived
    assert len(gradient.pieces) >= 2 and gradient.derivations and gradient.verified
    for derivation in gradient.derivations:
        assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in derivation.steps[1:]), \
            [(s.rule, s.verification.method) for s in derivation.steps]
        report = check_certificate(json.loads(json.dumps(derivation.certificate())))
        assert report["ok"], report["failure"]
        assert [s["verdict"] for s in report["steps"]][1:] == ["proved"] * (len(derivation.steps) - 1)
    assert [check.method for check in gradient.cross_checks] == ["sympy.diff", "central difference"]
    assert len(gradient.certificate()) == len(gradient.derivations) + (gradient.collapse is not None)  # the collapse's own


def test_the_derivative_equals_pytorch_autograd_at_random_points_and_on_the_kinks(derived):
    torch = require_torch()
    name, gradient = derived
    for values in _points(name, random.Random(name)):
        _, reference = _reference(torch, name, values)
        np.testing.assert_allclose(_derived(gradient, values), reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", ["numba", "torch", "jax"])
def test_the_kernels_equal_pytorch_on_every_backend_kinks_included(derived, backend):
    torch = require_torch()
    name, gradient = derived
    if backend == "jax":
        require_jax()
    kernel = gradient.compile(backend)
    for values in _points(name, random.Random(f"{name}:{backend}")):
        loss, reference = _reference(torch, name, values)
        if backend == "numba":
            inputs = {k: np.array(v) if isinstance(v, list) else v for k, v in values.items()}
            got_loss, got = kernel.loss_and_grad(**inputs)
            got_loss, got = float(got_loss), np.asarray(got)
        elif backend == "torch":
            inputs = {k: torch.tensor(v, dtype=torch.float64) if isinstance(v, list) else v for k, v in values.items()}
            by = str(gradient.variable.base)
            inputs[by].requires_grad_()
            out = kernel(**inputs)
            got_loss, got = out.item(), torch.autograd.grad(out, inputs[by])[0].numpy()
        else:
            import jax
            import jax.numpy as jnp
            jax.config.update("jax_enable_x64", True)
            by = str(gradient.variable.base)
            inputs = {k: jnp.array(v, dtype=jnp.float64) if isinstance(v, list) else v for k, v in values.items()}
            got_loss = float(kernel(**inputs))
            got = np.asarray(jax.grad(lambda a: kernel(**{**inputs, by: a}))(inputs[by]))
        assert got_loss == pytest.approx(loss.item(), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(got, reference, rtol=1e-12, atol=1e-12)


def test_the_continuously_differentiable_ones_print_merged_and_the_others_say_where_not(derived):
    name, gradient = derived
    smooth = name in ("Huber loss", "smooth L1 loss", "squared hinge loss")
    assert gradient.continuously_differentiable == smooth
    text = str(gradient)
    assert "where" in text
    if smooth:
        assert "does not exist" not in text and "continuously differentiable" in text
    else:
        assert "does not exist at" in text and "PyTorch takes" in text
        kink = next(k for k in gradient.kinks if not k.exists)
        assert kink.sides[0] != kink.sides[1]
    from derive.printing.piecewise_text import html_block, latex_block
    latex = latex_block(gradient)
    assert ("does not exist at" in latex) != smooth
    assert r"\begin{cases}" in latex or not isinstance(gradient.result.rhs, sp.Piecewise)
    assert "<table" in html_block(gradient) and ("does not exist at" in html_block(gradient)) != smooth


def test_squared_hinge_merges_into_one_expression_with_max():
    gradient = derive.gradient(CORPUS["squared hinge loss"]["latex"], CORPUS["squared hinge loss"]["wrt"])
    assert not isinstance(gradient.result.rhs, sp.Piecewise) and gradient.result.rhs.has(sp.Max)


def test_hinge_states_the_kink_at_y_z_equal_1_and_pytorch_s_zero_there():
    gradient = derive.gradient(CORPUS["hinge loss"]["latex"], CORPUS["hinge loss"]["wrt"])
    (kink,) = gradient.kinks
    y, z = sorted(kink.boundary.lhs.atoms(sp.Indexed), key=str)
    assert kink.boundary == sp.Eq(y * z, 1) and kink.torch_value == 0 and kink.torch_rule == "F.relu"
    assert "The derivative does not exist at yⱼ zⱼ = 1" in str(gradient)


def test_pinball_takes_pytorch_s_mean_of_both_sides_at_zero():
    gradient = derive.gradient(CORPUS["pinball loss"]["latex"], CORPUS["pinball loss"]["wrt"])
    (kink,) = gradient.kinks
    assert kink.torch_rule == "torch.maximum" and sp.simplify(kink.torch_value - sum(kink.sides) / 2) == 0


def test_a_wrong_piece_is_refused():
    gradient = derive.gradient(CORPUS["hinge loss"]["latex"], CORPUS["hinge loss"]["wrt"])
    gradient.check_rows()
    (value, where), rest = gradient.result.rhs.args[-1], gradient.result.rhs.args[:-1]
    edited = replace(gradient, result=Equation(gradient.result.lhs, sp.Piecewise(*rest, (2 * value, where))))
    with pytest.raises(DeriveError, match="no piece's derived derivative"):
        edited.check_rows()
    piece = next(p for p in gradient.pieces if p.derivation is not None)
    last = piece.derivation.steps[-1]
    tampered = replace(piece.derivation, steps=(*piece.derivation.steps[:-1],
                                                replace(last, equation=Equation(last.lhs, 2 * last.rhs))))
    report = check_certificate(json.loads(json.dumps(tampered.certificate())))
    assert not report["ok"]


def test_cases_are_read_without_eval_and_bad_cases_get_a_clear_error():
    read = from_latex(r"\begin{cases} x^{2} & \text{if } |x| \le 1 \\ 2 |x| - 1 & \text{otherwise} \end{cases}",
                      model_names=False)
    x = sp.Symbol("x", real=True)
    assert read == sp.Piecewise((x ** 2, sp.Abs(x) <= 1), (2 * sp.Abs(x) - 1, True))
    for text, says in [(r"\begin{matrix} a \end{matrix}", "unknown environment matrix"),
                       (r"\begin{cases} a & x < 1 \end{cases}", "two rows or more"),
                       (r"\begin{cases} a & x < 1 \\ b & x > 2 \end{cases}", "without \\text{otherwise}"),
                       (r"\begin{cases} a & x = 1 \\ b & \text{otherwise} \end{cases}", "expected one of <"),
                       (r"a & b", "only inside"),
                       (r"\begin{cases} a & \text{if } __import__ < 1 \\ b & \text{otherwise} \end{cases}", "expected an operand")]:
        with pytest.raises(ParseError, match=says.replace("\\", "\\\\")):
            from_latex(text, model_names=False)


def test_derive_grad_prints_the_pieces_and_the_cases_in_latex_that_compiles(tmp_path):
    import subprocess
    import sys

    from tools import require_tex
    entry = CORPUS["epsilon-insensitive loss"]
    run = subprocess.run([sys.executable, "-m", "derive", "grad", entry["latex"], "--wrt", entry["wrt"], "--format", "latex"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    body = run.stdout
    assert body.count(r"\begin{align}") == 2 and r"\begin{cases}" in body and r"\text{where }" in body
    assert "does not exist at" in body and "PyTorch takes $0$ there (F.relu)" in body
    require_tex("pdflatex")
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\begin{document}\n"
                                      + body + "\n\\end{document}\n", encoding="utf-8")
    compiled = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stdout[-2000:]


def test_the_cases_and_the_kinks_are_said_in_japanese_and_names_stay_inert():
    from derive.printing.piecewise_text import html_block, text
    gradient = derive.gradient(CORPUS["pinball loss"]["latex"], CORPUS["pinball loss"]["wrt"])
    japanese = text(gradient, "ja")
    assert "ただし" in japanese and "微分は存在しない" in japanese and "PyTorch はそこで" in japanese
    hostile = derive.gradient(r"\max(0, 1 - \hat{y} z)", "z")
    assert "<" not in html_block(hostile).replace("<tr>", "").replace("</tr>", "").replace("<td>", "").replace(
        "</td>", "").replace("<p>", "").replace("</p>", "").replace('<section class="piecewise">', "").replace(
        "</section>", "").replace('<table class="cases">', "").replace("</table>", "")


@pytest.mark.parametrize("loss, wrt, says", [
    (r"\max(x, y, 0)", "x", "nested maxima of two"),
    (" + ".join(rf"|x - {k}|" for k in range(1, 21)), "x", "more than 8 pieces"),  # 2^20 pieces: refused at once
    (r"\frac{1}{N}\sum_{i=1}^{N} \max(0, w - x_{i})", "w", "one sample at a time"),
])
def test_what_cannot_be_split_is_refused_with_a_reason(loss, wrt, says):
    with pytest.raises(DeriveError, match=says):
        derive.gradient(loss, wrt)


def test_derive_verify_checks_every_piece_and_refuses_an_edited_one(tmp_path):
    import subprocess
    import sys
    entry = CORPUS["hinge loss"]
    run = subprocess.run([sys.executable, "-m", "derive", "grad", entry["latex"], "--wrt", entry["wrt"], "--format",
                          "certificate"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    documents = json.loads(run.stdout)
    assert len(documents) == 1 and "where" in documents[0]["title"]["en"]  # the constant piece has nothing to derive
    (tmp_path / "pieces.json").write_text(json.dumps(documents), encoding="utf-8")
    verified = subprocess.run([sys.executable, "-m", "derive", "verify", str(tmp_path / "pieces.json")],
                              capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    documents[0]["steps"][-1]["rhs"] = ["Mul", ["Integer", "2"], documents[0]["steps"][-1]["rhs"]]
    (tmp_path / "edited.json").write_text(json.dumps(documents), encoding="utf-8")
    refused = subprocess.run([sys.executable, "-m", "derive", "verify", str(tmp_path / "edited.json")],
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1, refused.stdout + refused.stderr


def test_a_function_of_a_sum_of_kinks_is_refused_not_split_wrongly():
    """√(mean of max(0, 1 − y z)²): a piece that puts every sample on one branch would give a derivative
    reading the other samples' branches wrongly (the fuzz campaign's find): refused, saying why."""
    with pytest.raises(DeriveError, match="reads every sample's kink"):
        derive.gradient(r"\sqrt{\frac{1}{N} \sum_{i=1}^{N} \max(0, 1 - y_{i} z_{i})^{2}}", "z_{j}")
    scalar = derive.gradient(r"\sigma(\max(\tau (y - q), (\tau - 1) (y - q)))", "q")  # one sample: split as it is
    assert [kink.torch_rule for kink in scalar.kinks] == ["torch.maximum"] and not scalar.kinks[0].exists
