"""The catalogue's pattern language: what it reads, and that it never evaluates code."""
import pytest
import sympy as sp

from derive import conventions as c
from derive.errors import PatternError
from derive.pattern_parser import check_pattern, parse_pattern


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
    "a[i]",
    "log(a) % 2",
    "not a",
])
def test_rejects_anything_outside_the_language(text):
    with pytest.raises(PatternError):
        parse_pattern(text, {"a": sp.Wild("a")})


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "log.__class__", "1.5", "[1, 2]", "log(x=1)", "unknown_name + 1", "y[",
    "a[i]", "log(a) % 2", "not a", "Sum(t[i, k]*log(y[i, k]), (k, 1, K)) + b**2", "-a + log(1 + exp(-b))",
])
def test_checking_a_pattern_refuses_what_parsing_refuses_in_the_same_words(text):
    """The catalogue checks each pattern as it loads without building it (check_pattern): the same
    patterns must fail, with the same message, as when the rule is first applied (parse_pattern)."""
    wilds = {"a": sp.Wild("a"), "b": sp.Wild("b")}
    try:
        parse_pattern(text, wilds)
    except PatternError as error:
        with pytest.raises(PatternError) as checked:
            check_pattern(text, wilds)
        assert str(checked.value) == str(error)
    else:
        check_pattern(text, wilds)


def test_every_pattern_of_the_catalogue_checked_at_load_also_parses():
    """What the catalogue's load lets through (checked, not built) builds when a rule is applied."""
    from derive.catalogue import load_catalogue
    built = 0
    for rule in load_catalogue().values():
        for key in ("lhs", "rhs", "from", "to"):
            if key in rule.data:
                built += len(rule.patterns(key) if key in ("from", "to") else [rule.pattern(key)])
    assert built > 100
