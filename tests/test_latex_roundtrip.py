"""Each step's LaTeX, read back by latex2sympy2-extended and normalised, is the step's expression.
Only constructs the parser cannot read are skipped, by name (derive.latex_input.UNREADABLE)."""
import random
from collections import Counter

import sympy as sp

import derive
from derive import conventions as c
from derive.front_end import from_latex
from derive.latex_input import UNREADABLE, unreadable_construct
from derive.printing.latex_expr import latex
from derive.verification import compare

LIMIT_SYMBOLS = {name: sp.Symbol(name, positive=True) for name in ("x", "h", "u")}


def test_every_readable_side_of_every_step_parses_back_to_the_same_expression():
    checked, skipped = 0, Counter()
    for name in derive.names():
        derivation = derive.get(name)
        # the scalars a derivation declares: the limits' positive x, h, u; the average's rate beta in (0, 1);
        # the focal loss's gamma >= 0
        scalars = LIMIT_SYMBOLS if name == "log-derivative" else {"beta": c.beta} if name.startswith("ema") else \
            {"gamma": c.focusing} if name.startswith("focal") else {}
        for number, (step, model) in enumerate(zip(derivation.steps, derivation.models)):
            for side in (step.lhs, step.rhs):
                tex = latex(side)
                # A matrix named by one letter (H) reads back as a number: that is a matrix expression too.
                construct = unreadable_construct(tex) or ("matrix expressions" if side.is_Matrix else None)
                if construct:
                    skipped[construct] += 1
                    continue
                back = from_latex(tex, scalars)
                # a decimal number (a worked answer) is printed to 4 significant digits: it reads back as printed
                shown = side.xreplace({f: sp.Rational(sp.sstr(sp.Float(f, 4), full_prec=False)) for f in side.atoms(sp.Float)})
                compare(back, shown, model, random.Random(number), f"{name} step {number + 1}")
                checked += 1
    assert set(skipped) <= set(UNREADABLE)
    # the parser reads no ∂, no sequence over the steps t (t names the labels), and none of the kernels'
    # stable-form functions (xlogy, log1p: a user types log; the integer labels' phase added steps in them):
    # the rest is rare
    others = sum(count for construct, count in skipped.items()
                 if construct not in ("partial derivatives", "a sequence over the steps t", "counts named n",
                                      "stable-form functions"))
    assert checked >= 260 and others * 15 <= checked, (checked, skipped)


def test_normalisation_natural_log_and_indexed_components():
    assert from_latex(r"\log y_{ik}") == sp.log(c.y[c.i, c.k])
    assert from_latex(r"\sum_{k=1}^{K} t_{k} \log y_{k}") == sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K))
    assert from_latex(r"\delta_{ij}") == sp.KroneckerDelta(c.i, c.j)
    assert from_latex(r"-\log 0.44").equals(-sp.log(sp.Float("0.44")))


def test_a_misread_would_be_caught():
    # log base 10 left in place is not the step's natural log: the comparison must fail.
    from derive.errors import VerificationError
    from derive.models import categorical
    import pytest
    with pytest.raises(VerificationError):
        compare(sp.log(c.y[c.k]) / sp.log(10), sp.log(c.y[c.k]), categorical(), random.Random(0), "base 10")
