"""The engine's numeric opinion at points where an expression has no value: a point where neither
side is finite (outside where both are defined: (1 − softmax(z)_k)^{γ−1} with one class) is skipped,
as derive_checker skips it, and only points where both have a value count; one side finite and the
other not is still wrong; no point with a value at all is an error, never a pass."""
from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.errors import VerificationError
from derive.models import free
from derive.numeric_check import more_points, numeric_opinion

C = sp.Symbol("C", integer=True, positive=True)
a = sp.Symbol("a", real=True)
MODEL = free((C,), frozenset())
UNDEFINED_AT_ONE = (C - 1) ** sp.Rational(-1, 2) * a  # no finite value at the size C = 1, which the checks draw


def test_points_where_neither_side_has_a_value_are_skipped_and_the_rest_counted():
    points, worst = numeric_opinion(UNDEFINED_AT_ONE, a / sp.sqrt(C - 1), MODEL, random.Random(0), "same", None, 1)
    assert points >= 1 and worst < 1e-30
    extra, _ = more_points(UNDEFINED_AT_ONE, a / sp.sqrt(C - 1), MODEL, random.Random(0), "same", [{C: 1}, {C: 3}])
    assert extra >= 1  # the points at C = 1 skipped, those at C = 3 counted


def test_a_wrong_step_is_still_caught_beside_points_without_a_value():
    with pytest.raises(VerificationError, match="differ"):
        numeric_opinion(UNDEFINED_AT_ONE, 2 * a / sp.sqrt(C - 1), MODEL, random.Random(0), "wrong", None, 1)


def test_one_side_finite_and_the_other_not_is_wrong():
    with pytest.raises(VerificationError, match="differ"):
        numeric_opinion(UNDEFINED_AT_ONE, a * C, MODEL, random.Random(0), "one side", None, 1)


def test_no_point_with_a_value_is_an_error_not_a_pass():
    with pytest.raises(VerificationError, match="no random point"):
        more_points(UNDEFINED_AT_ONE, a / sp.sqrt(C - 1), MODEL, random.Random(0), "never", [{C: 1}])


def test_the_class_weighted_focal_loss_through_softmax_has_its_lines_checked():
    """Its lines were called wrong at one class, where (1 − softmax(z)_k)^{γ−1} has no value on
    either side ("nan before, nan after"), so `derive grad` refused a corpus loss."""
    import derive
    loss = r"-\sum_{k=1}^{K} \alpha_{k} t_{k} (1 - \operatorname{softmax}(z)_{k})^{\gamma} \log \operatorname{softmax}(z)_{k}"
    lines = derive.gradient(loss, "z_{j}").lines
    assert lines and all(line.verification.points >= 1 for line in lines if line.last > line.first)
