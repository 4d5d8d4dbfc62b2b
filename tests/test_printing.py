"""Printers: text marks only verified steps, JSON keeps its contract, srepr rebuilds with SymPy alone."""
import json

import re

import pytest
import sympy as sp

import derive
from derive.printing.inline_math import unicode_words
from derive import conventions as c
from derive.functions import as_builtins
from derive.printing.json_format import JsonPrinter, rules_json
from derive.printing.latex_expr import latex
from derive.printing.text import derivation_text, rules_text
from derive.printing.srepr import srepr
from derive.printing.unicode import unicode
from derive.vector_forms import explicit


def _rebuild(text: str) -> tuple[sp.Basic, sp.Basic]:
    """SymPy alone rebuilds the string, evaluated and held (a held ``1 * log 0.51`` stays held)."""
    namespace: dict = {}
    exec("from sympy import *", namespace)  # SymPy's names only; the string is our own output
    evaluated = eval(text, namespace)  # noqa: S307 - test of the srepr contract
    with sp.evaluate(False):
        held = eval(text, namespace)  # noqa: S307
    return evaluated, held


@pytest.mark.parametrize("name", derive.names())
def test_json_contract_and_srepr_round_trip(name):
    document = json.loads(JsonPrinter().doprint([derive.get(name)]))
    (entry,) = document["derivations"]
    assert {"name", "title", "steps", "result"} <= set(entry)
    assert entry["name"] == name
    derivation = derive.get(name)
    for step, data in zip(derivation.steps, entry["steps"]):
        assert {"rule", "kind", "justification", "lhs", "rhs", "latex", "verified"} <= set(data)
        assert data["verified"] in ("symbolic", "numeric", "no")
        assert data["kind"] in ("equality", "definition", "transformation")
        for side, expr in (("lhs", step.lhs), ("rhs", step.rhs)):
            evaluated, held = _rebuild(data[side])
            assert data[side] in (srepr(evaluated), srepr(held))
            assert _same(evaluated, expr)
    assert _same(_rebuild(entry["result"]["rhs"])[0], derivation.result.rhs)
    assert entry["result"]["latex"].startswith(latex(derivation.result.lhs))


def _same(a: sp.Basic, b: sp.Basic) -> bool:
    """Equal values, our own functions (sigmoid) written in SymPy built-ins as the export does."""
    b = as_builtins(b)
    if a == b:
        return True
    sizes = {c.N: 2, c.K: 3, c.D: 2}
    difference = sp.simplify(explicit(a, sizes) - explicit(b, sizes))
    return difference == 0 or (isinstance(difference, sp.MatrixBase) and difference.is_zero_matrix)


def test_text_marks_verified_steps_and_only_those():
    verified = derivation_text(derive.get("ce"), detail="full")
    assert verified.count("✓") == len(derive.get("ce").steps)
    assert derivation_text(derive.get("ce")).count("✓") == len(derive.get("ce").lines)
    given = derive.cross_entropy(batch=False, likelihood=sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, c.K)))
    for detail, count in (("full", len(given.steps)), ("blackboard", len(given.lines))):
        text = derivation_text(given, detail=detail)
        first_step = text.split("\n2. ")[0]
        assert "✓" not in first_step and "not verified" in first_step
        assert text.count("✓") == count - 1


def test_text_names_rule_and_justification_in_each_language():
    english = derivation_text(derive.get("bce"), "en", detail="full")
    japanese = derivation_text(derive.get("bce"), "ja", detail="full")
    assert "two_class_substitution" in english and "1 − t₁" in english
    assert "2 クラスでは予測確率の和もラベルの和も 1" in japanese
    assert "(7.2)" in english and "(7.2)" in japanese


@pytest.mark.parametrize("expr, text", [
    (-sp.Sum(c.t[c.i, c.k] * sp.log(c.y[c.i, c.k]), (c.k, 1, c.K), (c.i, 1, c.N)) / c.N,
     "−(1/N) ∑ᵢ₌₁ᴺ ∑ₖ₌₁ᴷ tᵢₖ log yᵢₖ"),
    (-c.t_scalar * sp.log(c.y_scalar) - (1 - c.t_scalar) * sp.log(1 - c.y_scalar),
     "−(t log y + (1 − t) log(1 − y))"),
    (-sp.log(sp.Rational(44, 100)), "−log 0.44"),
])
def test_unicode_in_the_series_notation(expr, text):
    assert unicode(expr) == text


@pytest.mark.parametrize("expr, text", [
    (-sp.Sum(c.t[c.i, c.k] * sp.log(c.y[c.i, c.k]), (c.k, 1, c.K), (c.i, 1, c.N)) / c.N,
     r"-\frac{1}{N} \sum_{i=1}^{N} \sum_{k=1}^{K} t_{ik} \log y_{ik}"),
    (sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, c.K)), r"\prod_{k=1}^{K} y_{k}^{t_{k}}"),
    (-c.t[1] * sp.log(c.y[1]) - (1 - c.t[1]) * sp.log(1 - c.y[1]),
     r"-\left(t_{1} \log y_{1} + \left(1 - t_{1}\right) \log\left(1 - y_{1}\right)\right)"),
])
def test_latex_in_the_series_notation(expr, text):
    assert latex(expr) == text


def test_rules_listing_in_both_languages():
    rules = derive.rules()
    english, japanese = rules_text(rules, "en"), rules_text(rules, "ja")
    for rule in rules:
        assert rule.name in english and unicode_words(rule.justification["en"]) in english
        assert unicode_words(rule.justification["ja"]) in japanese
    document = json.loads(rules_json(rules, "ja"))
    assert len(document["rules"]) == len(rules)
    assert document["rules"][0]["justification"]["ja"]


def test_justifications_name_the_indices_and_variables_of_their_step():
    """A Kronecker-delta collapse says which index collapses and to what (ce-grad collapses m = k,
    not the catalogue's generic j = i), and a derivative of a constant names the variable, in both
    languages and in every printer; the catalogue's listing keeps the general statement."""
    import json as json_module
    import sympy as sp
    from derive.printing.justifications import justification
    from derive.printing.latex_format import LatexPrinter
    from derive.printing.markdown import MarkdownPrinter
    from derive.printing.text import derivation_text
    from derive.steps import CheckKind

    ce_grad = derive.get("ce-grad")
    text = derivation_text(ce_grad, detail="full")
    assert "only the one with m = k survives" in text and "Of all the terms only the one with j = i" not in text
    assert "m についての和では、m = k の項だけが残る" in derivation_text(ce_grad, "ja", detail="full")
    # LaTeX and Markdown set the names as mathematics, between dollar signs
    assert "only the one with $m = k$ survives" in MarkdownPrinter(detail="full").doprint(ce_grad)
    assert r"only the one with $m = k$ survives" in LatexPrinter(detail="full").doprint(ce_grad)
    assert "only m = k survives; only j = i survives" in derivation_text(ce_grad)  # the blackboard line, both collapses
    for printed in (MarkdownPrinter().doprint(ce_grad), LatexPrinter().doprint(ce_grad)):
        assert "only $m = k$ survives; only $j = i$ survives" in printed
    assert "m = k の項だけが残る、j = i の項だけが残る" in derivation_text(ce_grad, "ja")
    steps = json_module.loads(JsonPrinter().doprint(ce_grad))
    steps = steps["derivations"][0]["steps"] if "derivations" in steps else steps[0]["steps"]
    assert any("m = k" in s["justification"] for s in steps)
    assert "does not depend on zᵢ does not change when zᵢ does" in derivation_text(derive.get("bce-sigmoid-grad"), detail="full")
    assert "A factor that does not depend on yᵢₖ stays in front of the derivative by yᵢₖ" in text
    assert "A factor that does not depend on $y_{ik}$ stays in front of the derivative by $y_{ik}$" in MarkdownPrinter(detail="full").doprint(ce_grad)
    assert "The finite sum over m is differentiated by yᵢₖ term by term" in text
    softmax = derivation_text(derive.get("ce-softmax"), detail="full")
    assert "does not depend on the summation index k is taken out of the sum over k" in softmax
    assert "does not depend on the summation index i is taken out of the sum over i" in softmax
    collapses = 0
    for name in derive.names():
        steps = derive.get(name).steps
        for previous, step in zip((None,) + steps, steps):
            if step.rule != "kronecker_delta_collapses_sum":
                continue
            (part,), = [tuple(step.check.definitions)] if step.check.how == CheckKind.LOCAL else [(None,)]
            variable = part.limits[0][0]
            partner = next(a for d in part.function.atoms(sp.KroneckerDelta) if variable in d.args
                           for a in d.args if a != variable)
            for lang in ("en", "ja"):
                words = justification(step, previous and previous.equation, lang)
                assert f"{variable} = {partner}" in words, (name, lang, words)
            collapses += 1
    assert collapses >= 10


def test_text_never_chains_a_derivative_into_a_division():
    """``t ∂y/∂x/y`` reads as a chain of divisions and ``∂/∂z σ(z) (1 − t)`` as the derivative of
    the product: the text printer parenthesises the numerator and a derivative followed by more
    factors.  Checked on every line of every built-in."""
    import re

    for name in derive.names():
        text = derivation_text(derive.get(name), detail="full")
        assert not re.search(r"∂[^\s()]*/∂[^\s()]*/", text), name
    # a derivative is not put over a denominator (∂y/∂y over y): the reciprocal is a factor before it
    assert "(1/yⱼₘ) tⱼₘ ∂yⱼₘ/∂yᵢₖ" in derivation_text(derive.get("ce-grad"), detail="full")
    assert "(1/(1 − σ(zⱼ))) (∂/∂zᵢ σ(zⱼ)) (1 − tⱼ)" in derivation_text(derive.get("bce-sigmoid-grad"), detail="full")


def test_no_limit_or_derivative_stands_in_a_numerator():
    """A limit or a derivative over a denominator reads badly (issue 18): 1/x comes first."""
    from derive.printing.latex_expr import latex

    for name in derive.names():
        for step in derive.get(name).steps:
            printed = latex(step.equation.rhs)
            assert not re.search(r"\\frac\{[^{}]*\\lim_", printed), (name, printed)
            assert not re.search(r"\\frac\{[^{}]*\\frac\{\\partial", printed), (name, printed)
    assert r"\frac{1}{x} \lim_{u \to 0}" in latex(derive.get("log-derivative").steps[4].equation.rhs)


def test_text_output_has_no_raw_latex_in_titles_or_names():
    """A user's gradient is titled in LaTeX (for the LaTeX and Markdown printers); the text printer
    shows it in Unicode, as it shows accented names: y, x, theta with a combining hat or bar (not \\hat{y})."""
    hat, bar = "\u0302", "\u0304"
    text = derivation_text(derive.gradient(r"\log \hat{y} + \bar{x} \hat{\theta}", r"\hat{y}"))
    assert text.startswith(f"gradient: Gradient of E by y{hat}\n")
    assert f"x{bar} \u03b8{hat} + log y{hat}" in text and "\\hat" not in text and "$" not in text
    assert derivation_text(derive.gradient(r"-\sum_k t_k \log y_k", "y_{j}"), "ja").startswith("gradient: E の yⱼ に関する勾配")


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
def test_every_built_in_prints_on_a_console_that_cannot_show_unicode(encoding):
    """An ASCII or cp1252 console gets every built-in's text spelled out (v̂ as vhat, vₜ₋₁ as v_{t-1}),
    in English, with nothing it cannot encode."""
    from derive.printing.ascii_text import transliterate
    for name in derive.names():
        for detail in ("blackboard", "full"):
            shown = transliterate(derivation_text(derive.get(name), detail=detail), encoding)
            shown.encode(encoding)
            assert "\\u" not in shown, name
    assert "v_{t-1}" in transliterate(derivation_text(derive.get("ema")), "ascii")
    assert "vhat_t" in transliterate(derivation_text(derive.get("ema-bias-correction")), "ascii")


def test_a_worked_answer_shows_four_significant_digits_after_its_exact_value():
    """The step holds the value at 15 digits (what the checker checks); the printers show 4,
    after the exact value the step before gives (issue 32, item 3)."""
    from derive.printing import render

    ema = derive.get("ema-example")
    assert ema.steps[-2].rhs == sp.Rational(561, 271) and isinstance(ema.result.rhs, sp.Float)
    for fmt in ("text", "latex", "markdown"):
        printed = render(fmt, [derive.get("bce-titanic-survived")], "en")
        assert "0.6733" in printed and "0.67334" not in printed
    assert "0.67334455" in render("json", [derive.get("bce-titanic-survived")], "en")  # the data keeps every digit


def test_every_format_says_approx_where_the_printing_rounds_and_equals_where_it_does_not():
    """LaTeX's exact-then-≈ form in the terminal, Markdown and HTML too (issue 32, item 3): the
    rounded row says ≈, the result gives the exact value then ≈ its 4 digits; 3/20 = 0.15 stays =."""
    from derive.printing import render
    from derive.printing.text import derivation_text
    titanic, dice = derive.get("bce-titanic-survived"), derive.get("dice-mle-example")
    for lang in ("en", "ja"):
        for detail in ("blackboard", "full"):
            shown = derivation_text(titanic, lang, detail)
            assert "BCE ≈ 0.6733" in shown and "BCE = 0.6733" not in shown
            said = {"en": "Result: ", "ja": "結果："}[lang]  # the label in the language's punctuation
            assert any(line.endswith(said + "BCE = −log 0.51 ≈ 0.6733") for line in shown.splitlines())
            plain = derivation_text(dice, lang, detail)
            assert "= 0.15" in plain and "≈ 0.15" not in plain
    markdown = render("markdown", [titanic], "en")
    assert r"&\approx 0.6733" in markdown and r"= -\log 0.51 \approx 0.6733" in markdown
    assert r"\approx" not in render("markdown", [dice], "en")
    from tools import require_katex
    require_katex()
    relations = [re.findall(r'<span class="mrel">([=≈])</span>', render("html", [d], "en")) for d in (titanic, dice)]
    assert relations[0].count("≈") == 1 and relations[0][-1] == "≈" and "≈" not in relations[1]


def test_a_fraction_inside_a_fraction_is_set_in_display_style_but_never_in_a_script():
    """TeX sets a fraction written in another's numerator or denominator a size smaller, hard to
    read: it is a \\dfrac there (issue 32, item 3); one in an exponent or a subscript keeps its size."""
    from derive.printing import render
    from derive.printing.inline_math import braced_group

    assert r"\frac{\dfrac{t_{i}}{y_{i}} - \dfrac{1 - t_{i}}{1 - y_{i}}}{N}" in render("latex", [derive.get("bce-grad")], "en")
    nested = 0
    for name in derive.names():
        tex = render("latex", [derive.get(name)], "en")
        for script in re.finditer(r"[_^]\{", tex):
            inside, _ = braced_group(tex, script.end() - 1)
            assert r"\dfrac" not in inside, (name, inside)
        nested += tex.count(r"\dfrac")
    assert nested >= 10


def test_a_loss_taken_as_given_is_marked_given_not_failed():
    """The first line of a user's gradient is the loss as typed: nothing proved there, nothing failed.
    Its words still say "not verified"; its mark is ◦ (grey in HTML), never the ✗ of a failed step,
    and every later line keeps ✓."""
    from derive.printing.ascii_text import transliterate
    from derive.printing.html_format import HtmlPrinter

    gradient = derive.gradient(r"(y - t)^{2}", "y")
    text = derivation_text(gradient)
    first_line = text.split("\n2. ")[0]
    assert "◦ not verified" in first_line and "✗" not in text
    page = HtmlPrinter().doprint(gradient)
    marks = re.findall(r'<details class="check (\w+)"><summary[^>]*>([^<]*)</summary>', page)
    assert marks[0] == ("given", "◦") and marks[1:] and all(mark == ("proved", "✓") for mark in marks[1:])
    assert "[given] not verified" in transliterate(first_line, "ascii")
