"""A rule whose right side binds an index of its own (``l`` in ``max_l z_{r l}``) never captures
an index the matched part holds free: the options' loss sums its samples over l, and the shift
``max_l z_{l l}`` it was given took the diagonal's maximum, not the row's (a true equation, so the
checker passed it; the kernel lost its stability at large logits)."""
import sympy as sp

from derive import conventions as c
from derive import extensions
from derive.catalogue import get_rule
from derive.functions import Maximum
from derive.models import categorical
from derive.rewriting import rewrite_once

K, l, j, i = c.K, c.l, c.j, c.i


def _captured(expr: sp.Basic) -> list:
    return [m for m in expr.atoms(Maximum) if any(a.indices.count(m.limits[0][0]) > 1 for a in m.atoms(sp.Indexed))]


def test_the_pattern_rule_is_not_taken_where_its_own_index_would_capture_the_row():
    rule, domain = get_rule("log_sum_exp_shift"), categorical().with_link("softmax")
    row = sp.log(sp.Sum(sp.exp(c.z[i, j]), (j, 1, K)))
    rewritten, _ = rewrite_once(rule, row, domain)
    assert rewritten.has(Maximum) and not _captured(rewritten)
    assert rewrite_once(rule, row.xreplace({i: l}), domain) is None


def test_no_stable_form_of_a_built_in_takes_the_maximum_of_a_diagonal():
    for name in ("ce-options-softmax-grad", "ce-softmax", "ce-soft-options-softmax-grad"):
        for kind in extensions.call("built_in_plan", name).kinds:
            for derivation in (kind.loss, kind.gradient):
                assert not any(_captured(step.rhs) for step in derivation.steps), (name, derivation.name)
                shifts = derivation.result.rhs.atoms(Maximum)
                assert all(len(m.limits) == 1 for m in shifts)
