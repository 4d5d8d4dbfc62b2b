"""A batched softmax, ``\\operatorname{softmax}(z_{i})_{k}``, reads as row i's softmax, its class k
(issue 32, item 8): the same expression as the quotient written out, whatever the letters."""
import pytest
import sympy as sp

import derive
from derive.errors import ParseError
from derive.front_end import from_latex


@pytest.mark.parametrize("row, cls", [("i", "k"), ("n", "j"), ("i", "j")])
def test_a_rows_softmax_is_its_quotient_written_out(row, cls):
    other = next(letter for letter in "mlp" if letter not in (row, cls))
    batched = from_latex(rf"\sum_{{{row}=1}}^{{N}} \sum_{{{cls}=1}}^{{K}} t_{{{row}{cls}}} \log \operatorname{{softmax}}(z_{{{row}}})_{{{cls}}}")
    written = from_latex(rf"\sum_{{{row}=1}}^{{N}} \sum_{{{cls}=1}}^{{K}} t_{{{row}{cls}}} "
                         rf"\log \frac{{e^{{z_{{{row}{cls}}}}}}}{{\sum_{{{other}=1}}^{{K}} e^{{z_{{{row}{other}}}}}}}")
    assert sp.simplify(batched - written) == 0 or batched.dummy_eq(written)
    assert {len(a.indices) for a in batched.atoms(sp.Indexed) if str(a.base) == "z"} == {2}  # row and class


def test_the_bare_subscript_reads_alike():
    assert from_latex(r"\log \operatorname{softmax}(z_i)_k").dummy_eq(from_latex(r"\log \operatorname{softmax}(z_{i})_{k}"))


def test_a_batched_softmax_loss_is_differentiated_and_verified():
    d = derive.gradient(r"-\frac{1}{N}\sum_{i=1}^{N}\sum_{k=1}^{K} t_{ik} \log \operatorname{softmax}(z_{i})_{k}", "z_{ij}")
    assert all(step.verification.method in ("symbolic", "numeric") for step in d.steps[1:])
    assert [check.max_error < 1e-9 for check in d.cross_checks] == [True, True]


@pytest.mark.parametrize("text", [r"\operatorname{softmax}(z_{i})_{i}", r"\operatorname{softmax}(z_{i})_{2}"])
def test_a_rows_softmax_needs_a_class_letter_of_its_own(text):
    with pytest.raises(ParseError, match="class index other than the row's i"):
        from_latex(text)
