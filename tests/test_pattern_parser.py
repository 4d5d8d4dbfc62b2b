"""The catalogue's pattern language: what it reads, and that it never evaluates code."""
import pytest
import sympy as sp

from derive import conventions as c
from derive.errors import PatternError
from derive.pattern_parser import parse_pattern


def test_reads_indexed_sums_and_functions():
    a = sp.Wild("a")
    expr = parse_pattern("Sum(t[i, k]*log(y[i, k]), (k, 1, K)) + a**2", {"a": a})
    assert expr == sp.Sum(c.t[c.i, c.k] * sp.log(c.y[c.i, c.k]), (c.k, 1, c.K)) + a**2


def test_bare_label_name_is_the_scalar_label():
    assert parse_pattern("t*log(y)") == c.t_scalar * sp.log(c.y_scalar)


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "log.__class__",
    "(lambda x: x)(1)",
    "'text'",
    "1.5",
    "[1, 2]",
    "log(x=1)",
    "unknown_name + 1",
    "open('f')",
    "y[",
])
def test_rejects_anything_outside_the_language(text):
    with pytest.raises(PatternError):
        parse_pattern(text)
