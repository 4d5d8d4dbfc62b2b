"""What the hostile campaign (benchmarks/hostile_campaign.py, issue 28) found, one test per root
cause: each input here once ended in an internal exception, a NaN returned as a number, a wrong
number or a kernel that did O(K^2) work where O(K) was due."""
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import derive
from derive.kernels import load


@pytest.fixture(scope="module")
def bce():
    return load("bce")


def test_a_gradient_at_zero_over_zero_is_named_not_returned_as_nan(bce):
    """BCE's gradient in probabilities, (y - t)/(y (1 - y)), is 0/0 at y = t = 0: it was returned
    as NaN, silently; the loss is defined there (0 log 0 = 0) and still is."""
    X, T = np.array([0.0, 0.5]), np.array([0.0, 1.0])
    assert bce.loss(X, T) == pytest.approx(np.log(2) / 2, rel=1e-15)
    with pytest.raises(ValueError, match=r"gradient is undefined \(0/0\) at index \(0,\), where the probability is 0.0"):
        bce.grad(X, T)
    with pytest.raises(ValueError, match="undefined"):
        load("ce").grad(np.array([[0.0, 1.0]]), np.array([[0.0, 1.0]]))


def test_bce_gradient_at_a_subnormal_probability_is_not_flushed_to_zero(bce):
    """At y = 5e-324 and t = 0 the gradient is 1/(1 - y) / N = 1/N; with reassociation allowed the
    compiler multiplied 1/N into the numerator first and y (1 - y) underflowed: 0 came back."""
    G = bce.grad(np.array([5e-324, 0.5]), np.array([0.0, 1.0]))
    assert G[0] == 0.5 and G[1] == -1.0


def test_weighted_bce_gradient_at_a_subnormal_probability_is_not_flushed_to_zero(bce):
    """The options kernel (a weight) had the same regrouping: 0 came back for 1/(1 - y) / N = 1/2."""
    G = bce.grad(np.array([5e-324, 0.5]), np.array([0.0, 1.0]), weight=np.array([1.0, 1.0]))
    assert G[0] == 0.5 and G[1] == -1.0


@pytest.mark.parametrize("width", [np.float64, np.float32])
def test_the_logit_difference_keeps_its_one_rounding_inside_a_reassociating_kernel(width):
    """``runtime.difference`` keeps a - b apart from the sums around it; compiled with no fast-math flag it took its
    caller's reassociation once inlined (difference(x s, y s) came back as (x - y) s), and with contract alone LLVM fused
    the caller's x s into the subtraction (an FMA), which gives the same number here."""
    import numba
    from derive.kernels.runtime import difference, difference_f32
    apart = difference if width is np.float64 else difference_f32

    @numba.njit(fastmath={"reassoc", "nsz", "contract"}, error_model="numpy")
    def kernel(X, Y, s):
        total = X[0] * 0
        for i in range(X.shape[0]):
            total += apart(X[i] * s, Y[i] * s)
        return total
    x, y, s = width(1) + np.finfo(width).eps, width(1), width(0.1)
    assert (x * s) - (y * s) != (x - y) * s  # the two groupings differ here
    assert np.frexp((x * s) - (y * s))[0] == 0.5  # a power of two: its sum over the rows is exact in any order (AVX2 or AVX-512)
    assert kernel(np.full(8, x), np.full(8, y), s) == 8 * ((x * s) - (y * s))


def test_ignore_index_naming_a_class_is_refused_with_target_probabilities():
    """With target probabilities there are no labels to leave out: PyTorch refuses any
    ignore_index but a negative one; so does the kernel (it ignored the option silently)."""
    kernel = load("ce-softmax")
    X, P = np.zeros((2, 3)), np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match="ignore_index 1 names a class"):
        kernel.loss(X, P, ignore_index=1)
    assert kernel.loss(X, P, ignore_index=-100) == pytest.approx(np.log(3), rel=1e-15)


def test_a_user_kernel_refuses_a_number_where_an_array_is_due():
    """A 0-d array became an array of one entry before its axes were counted: y = 1.0 was read as
    [1.0] and refused only for its length, or accepted where the length was free."""
    kernel = derive.gradient(r"\sum_{k=1}^{K} y_k^2", "y_{j}").compile()
    for number in (np.float64(1.0), 1.0, np.array(2.0)):
        with pytest.raises(ValueError, match=r"y must have 1 axes \(K\); got shape \(\)"):
            kernel.loss(y=number)
    assert kernel.loss(y=np.array([1.0, 2.0])) == 5.0


def test_a_gradient_by_every_component_computes_its_row_sums_once():
    """The gradient of log Σ_k e^{z_k} by every z_j computed the shifted total once per j: K^2
    exponentials (4.9e9 at K = 70,000).  The total and its maximum free of j come before j's loop."""
    kernel = derive.gradient(r"\log \sum_{k=1}^{K} e^{z_{k}}", "z_{j}").compile()
    grad = kernel.source[kernel.source.index("def grad("):]
    loops = [line for line in grad.splitlines() if line.lstrip().startswith("for ")]
    assert len(loops) == 3 and all(line.startswith("    for ") for line in loops)  # none nested in another
    z = np.array([1000.0, 0.0, -3.0, 2.5])
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert np.allclose(kernel.grad(z=z), expected, rtol=1e-14, atol=0)


def test_a_sum_inside_a_sum_over_the_same_index_is_written_out():
    """The options' softmax gradient holds Σ_j inside a term of a sum over j: writing the outer sum
    out put 1 for the inner sum's own index too (limits (1, 1, 2)), and compile() ended in SymPy's
    ValueError.  It compiles, and its kernel agrees with the numeric evaluation."""
    from derive.at_sizes import write_out_sums

    j, i = sp.symbols("j i", integer=True)
    x = sp.IndexedBase("x")
    inner = sp.Sum(x[j] * i, (j, 1, 2))
    written = write_out_sums(sp.Sum(x[j] + inner, (j, 1, 2)))
    assert sp.expand(written - (x[1] + x[2] + 2 * (x[1] + x[2]) * i)) == 0
    # an inner sum's bound that names the outer index reads the outer one's value
    bounded = write_out_sums(sp.Sum(x[j] + sp.Sum(x[j], (j, 1, j)), (j, 1, 2)))
    assert sp.expand(bounded.doit() - (3 * x[1] + 2 * x[2])) == 0
    kernel = derive.get("ce-options-softmax-grad").compile()
    assert kernel.check() < 1e-10


def test_notes_with_an_empty_output_name_is_a_usage_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "derive", "notes", "-o", ""], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "an empty name" in run.stderr


@pytest.mark.parametrize("loss", [None, 3, ["x^2"], b"x^2"])
def test_an_api_argument_of_the_wrong_type_is_a_derive_error(loss):
    """derive.gradient(None, 'x') raised a bare TypeError from deep inside the parser."""
    with pytest.raises(derive.ArgumentTypeError, match="LaTeX text or a SymPy expression") as caught:
        derive.gradient(loss, "x")
    assert isinstance(caught.value, derive.DeriveError) and isinstance(caught.value, TypeError)


def test_a_long_written_out_product_is_refused_by_its_length_not_by_the_clock():
    """∏_{i=1}^{100} x_i by x_j: the check carried the derivative out with the product rule on 100
    factors inside one SymPy call (past 10 s); now the length is refused before any such call."""
    with pytest.raises(derive.LimitExceeded, match="more than 64 factors"):
        derive.gradient(r"\prod_{i=1}^{65} x_{i}", "x_{j}")


def test_a_quotient_is_split_only_at_a_denominator_the_loss_has():
    """The entropy of a softmax: the quotient rule read e^{z_k} log(s) / S as (e^{z_k}/S) / (1/log s),
    a denominator undefined where log s = 0 (K = 1), so the step was wrong there and refused."""
    softmax = r"\frac{e^{z_{k}}}{\sum_{m=1}^{K} e^{z_{m}}}"
    derivation = derive.gradient(rf"-\sum_{{k=1}}^{{K}} {softmax} \log {softmax}", "z_{j}")
    for step in derivation.steps:
        for power in step.rhs.atoms(sp.Pow):
            assert not (power.exp.is_negative and isinstance(power.base, sp.Pow) and power.base.exp.is_negative)
            assert not (power.exp.is_negative and power.base.has(sp.log) and isinstance(power.base, sp.log))


def test_a_user_kernel_keeps_a_scaled_shift_exact():
    """softmax(z/T) at T = 1e-12: exp((1/T) z_k - max_j (1/T) z_j) must be exactly 1 at the largest;
    with FMA contraction one product was fused and the softmax came out 2e-5 above 1."""
    derivation = derive.gradient(r"-\sum_{k=1}^{K} t_{k} \frac{z_{k}}{T} + \log \sum_{k=1}^{K} e^{z_k / T}", "z_{j}")
    kernel = derivation.compile()
    t, z = np.array([0.25, 0.5, 0.25]), np.array([0.59, 0.61, 0.11])
    gradient = kernel.grad(t=t, z=z, T=1e-12)
    expected = (np.array([0.0, 1.0, 0.0]) - t) / 1e-12
    np.testing.assert_allclose(gradient, expected, rtol=1e-13)


@pytest.mark.parametrize("loss", [r"\sum_{i=1}^{0} x_{i}", r"\prod_{i=1}^{0} x_{i}"])
def test_a_component_of_an_array_with_no_components_is_refused(loss):
    """x_j where the loss's only sum over x is empty: the checks drew j from an empty range and
    raised ZeroDivisionError (integer modulo by zero)."""
    with pytest.raises(derive.DeriveError, match=r"x_\{j\}: the loss's sums give x no components"):
        derive.gradient(loss, "x_{j}")


def test_a_component_of_a_one_entry_array_is_that_entry():
    """∑_{i=1}^{1} x_i by x_j: j runs over x's one component, so the gradient is 1 (δ_{1j} at j = 1)."""
    derivation = derive.gradient(r"\sum_{i=1}^{1} x_{i}", "x_{j}")
    j = derivation.result.lhs.variables[0].indices[0]
    assert derivation.result.rhs.subs(j, 1).doit() == 1
