"""Property-based: random and mutated LaTeX into the front end.  Whatever comes in, the answer is an
expression, a ParseError or a LimitExceeded (nothing else escapes), and every call ends within the parse bound."""
from datetime import timedelta

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import derive
from derive.errors import LimitExceeded, ParseError
from derive.front_end import PARSE_SECONDS

SEEDS = [
    r"\ - \frac{1}{N} \sum_{i}^{N} \sum_{k}^{K} t_{ik} \log y_{ik} \tag{1}",
    r"\ - \frac{1}{N} \sum_{i}^{N} \lbrack t_{i} \log y_{i} + (1- t_{i}) \log (1- y_{i}) \rbrack \tag{2}",
    r"BCE=- (t \log y + (1-t) \log (1-y) ) \tag{7.3}",
    r"BCE=- \sum_{i=1}^{N} \lbrack t_{i} \log y_{i} + (1-t_{i}) \log (1-y_{i}) \rbrack \tag{7.4}",
    r"-\log \operatorname{softmax}(z)_{k} + \sigma\left(w x + b\right)^{2} \cdot e^{-|x|}",
]
TOKENS = [r"\frac", r"\sum", r"\log", r"\ln", r"\exp", r"\sigma", r"\lbrack", r"\rbrack", r"\left(", r"\right)",
          r"\cdot", r"\operatorname{softmax}", r"\max", r"\foo", r"\gamma", r"\hat{y}", r"\tag{1}", r"\sqrt",
          "_", "^", "{", "}", "(", ")", "[", "]", "|", "=", "+", "-", "/", "!", ",", " ", "\\", "$", "&", "%", "#",
          "x", "y_{i}", "t_k", "z_{ik}", "N", "K", "1", "2", "0.5", "e", "i", "k", "\n", "\u00e9", "\x00"]

BOUND = timedelta(seconds=PARSE_SECONDS + 5)  # the parse limit, plus normalising


def _only_parse_errors(text: str) -> None:
    try:
        result = derive.from_latex(text)
    except ParseError as error:
        assert error.position >= 0 and str(error).startswith("at position")
        return
    except LimitExceeded as error:  # read, but undefined or past a bound of derive.input_limits
        assert "limit" in str(error) or "undefined" in str(error)
        return
    assert isinstance(result, (sp.Expr, sp.Eq))


@settings(max_examples=300, deadline=BOUND, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_random_token_strings(text):
    _only_parse_errors(text)


@settings(max_examples=300, deadline=BOUND, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["delete", "insert", "swap"]),
                                                  st.sampled_from(TOKENS)), min_size=1, max_size=6))
def test_mutated_series_notation(seed, mutations):
    text = seed
    for position, action, token in mutations:
        position %= len(text) + 1
        if action == "delete":
            text = text[:position] + text[position + 1:]
        elif action == "insert":
            text = text[:position] + token + text[position:]
        else:
            text = text[:position] + token + text[position + len(token):]
    _only_parse_errors(text)


@settings(max_examples=100, deadline=BOUND)
@given(st.text(max_size=60))
def test_arbitrary_unicode(text):
    _only_parse_errors(text)
