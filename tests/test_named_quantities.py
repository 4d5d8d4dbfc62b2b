"""Issue 32, item 6: a result written as a textbook writes it, each quantity it uses more than once
named once (``p = softmax(z)``, ``S = ∑ᵢ tᵢ yᵢ``, ``f_k = …``), and its operations counted that way,
the loss as its gradient.  Expressions are built by hand, each with what is named and what is not."""
import sympy as sp

from derive.functions import sigmoid, softmax
from derive.named_quantities import SOFTMAX_NAME, named_quantities, operation_count

i, j, k, m, n, K, N = sp.symbols("i j k m n K N", integer=True, positive=True)
z, t, y, a = (sp.IndexedBase(name, real=True) for name in "ztya")
S = sp.Sum(sp.exp(z[m]), (m, 1, K))


def _letter(definitions, value):
    """The letter ``definitions`` gives ``value`` (a softmax's vector is ``softmax(vector)``)."""
    found = [name for name, defined in definitions if defined == value]
    assert len(found) == 1, definitions
    return found[0]


def test_a_softmax_is_one_letter_whether_named_or_written_out_and_defined_once():
    brier = 2 * softmax(z[j], S) * (softmax(z[j], S) - t[j]
                                    - sp.Sum(softmax(z[k], S) * (softmax(z[k], S) - t[k]), (k, 1, K)))
    written, definitions = named_quantities(brier)
    p = _letter(definitions, SOFTMAX_NAME(sp.Symbol("z")))
    assert written == 2 * p[j] * (p[j] - t[j] - sp.Sum(p[k] * (p[k] - t[k]), (k, 1, K)))
    assert len(definitions) == 1
    # the loss writes it out, e^{z_k}/∑ e^{z_m}: the same letter, counted alike
    loss = sp.Sum((sp.exp(z[k]) / S - t[k]) ** 2, (k, 1, K))
    assert operation_count(loss) == operation_count(sp.Sum((softmax(z[k], S) - t[k]) ** 2, (k, 1, K)))
    assert operation_count(loss) == sp.count_ops(sp.Sum((a[k] - t[k]) ** 2, (k, 1, K))) + 1  # softmax(z): one
    assert operation_count(brier) < sp.count_ops(brier) - 8  # four softmaxes were three operations each


def test_a_softmax_of_a_scaled_logit_is_named_by_its_vector_and_counts_its_operations():
    T = sp.Symbol("T", positive=True)
    total = sp.Sum(sp.exp(z[m] / T), (m, 1, K))
    written, definitions = named_quantities(softmax(z[j] / T, total) - t[j])
    p = _letter(definitions, SOFTMAX_NAME(sp.Symbol("z") / T))
    assert written == p[j] - t[j]
    assert operation_count(softmax(z[j] / T, total)) == 2  # softmax(z/T): the softmax and the division


def test_a_sums_term_that_occurs_again_at_one_index_is_a_family_with_one_definition():
    term = a[k] * t[k] * (1 - softmax(z[k], S)) ** 3
    focal = softmax(z[j], S) * sp.Sum(term, (k, 1, K)) - term.xreplace({k: j})
    written, definitions = named_quantities(focal)
    p = _letter(definitions, SOFTMAX_NAME(sp.Symbol("z")))
    f = [name for name, _ in definitions if isinstance(name, sp.Indexed)]
    assert len(f) == 1 and f[0].indices == (k,)
    assert written == p[j] * sp.Sum(f[0], (k, 1, K)) - f[0].base[j]
    assert dict(definitions)[f[0]] == a[k] * t[k] * (1 - p[k]) ** 3
    # a sum whose term occurs nowhere else keeps it
    written, definitions = named_quantities(sp.Sum(term, (k, 1, K)) - t[j])
    assert not any(isinstance(name, sp.Indexed) for name, _ in definitions) and written.has(a[k])


def test_a_quantity_used_twice_is_named_once_the_largest_first_and_defined_before_it_is_used():
    A = sp.Sum(t[i] * y[i], (i, 1, N))
    D = A + 2 * sp.Sum(y[i] * (1 - t[i]), (i, 1, N))
    quotient = (A * (3 - t[j]) - t[j] * D) / D ** 2
    written, definitions = named_quantities(quotient)
    names = [name for name, _ in definitions]
    a_letter, d_letter = _letter(definitions, A), names[-1]
    assert written == (a_letter * (3 - t[j]) - t[j] * d_letter) / d_letter ** 2
    assert dict(definitions)[d_letter] == a_letter + 2 * sp.Sum(y[i] * (1 - t[i]), (i, 1, N))
    assert names.index(a_letter) < names.index(d_letter)  # D uses S: S is defined first
    assert operation_count(quotient) == sum(sp.count_ops(e) for e in [written, *dict(definitions).values()])


def test_what_is_not_worth_a_name_and_what_holds_a_bound_index_stay_written():
    x = sp.Symbol("x", real=True)
    assert named_quantities((1 - x) * t[j] + (1 - x) * y[j])[1] == []  # one operation: written each time
    twice_negated = -sigmoid(x) * t[j] + (-sigmoid(x)) * y[j] ** 2
    assert [value for _, value in named_quantities(twice_negated)[1]] == [sigmoid(x)]  # σ, not −σ
    delta = sp.KroneckerDelta(j, k)
    assert named_quantities(delta * t[j] + (1 - delta) * y[j])[1] == []  # δ_jk is written as a symbol is
    inside = sp.Sum(t[i] * y[i] * (t[i] * y[i] + 1), (i, 1, N))  # t_i y_i twice, i bound by the sum
    assert named_quantities(inside) == (inside, [])


def test_an_expression_with_nothing_repeated_counts_as_sympy_counts_it():
    loss = -sp.Sum(t[k] * sp.log(y[k]), (k, 1, K))
    assert named_quantities(loss) == (loss, []) and operation_count(loss) == sp.count_ops(loss)


def test_the_printers_add_the_named_form_below_the_result_in_each_language():
    """Text and Markdown print the result as derived, then the same with the softmax named once
    (where p = softmax(z)); the derivation, its certificate and its kernel keep the expression."""
    import derive
    from derive.printing import render

    brier = derive.gradient(r"\sum_{k=1}^{K} (\operatorname{softmax}(z)_{k} - t_{k})^{2}", "z_{j}")
    assert brier.result.rhs.has(softmax)  # the derived expression is unchanged: a name is only how it is written
    english, japanese, markdown = render("text", [brier]), render("text", [brier], "ja"), render("markdown", [brier])
    assert "= 2 pⱼ (pⱼ − tⱼ − ∑ₖ₌₁ᴷ pₖ (pₖ − tₖ)), where p = softmax(z)" in english
    assert "、ただし p = softmax(z)" in japanese and ", where" not in japanese
    assert r"\text{, where } p = \operatorname{softmax}" in markdown
    sigmoid_derivative = render("text", [derive.get("sigmoid-derivative")])  # σ (1 − σ): naming σ saves nothing
    assert "σ(x) (1 − σ(x))" in sigmoid_derivative and "where" not in sigmoid_derivative.split("Result")[1]
    plain = derive.gradient(r"-\sum_{k} t_k \log y_k", "y_{j}")
    assert "where" not in render("text", [plain]).split("Result")[1]  # nothing used twice: nothing named


def test_latex_html_and_json_carry_the_named_form_and_the_notes_keep_their_layout():
    """The named line in every format a derivation is printed in: a row of LaTeX's ``align`` aligned
    at its ``=`` and untagged, a row of the HTML table, the JSON's ``result.named`` (the serve page
    shows it); not where naming saves nothing, and not in the notes' LaTeX (their pages are laid out)."""
    import json

    import derive
    from derive.printing import render
    from derive.printing.latex_format import LatexPrinter

    brier = derive.gradient(r"\sum_{k=1}^{K} (\operatorname{softmax}(z)_{k} - t_{k})^{2}", "z_{j}")
    latex, japanese = render("latex", [brier]), render("latex", [brier], "ja")
    row = [line for line in latex.splitlines() if r"\text{, where } p = \operatorname{softmax}" in line]
    assert len(row) == 1 and row[0].startswith("&= 2 p_{j}") and row[0].endswith(r"\notag")
    assert r"\text{、ただし } p =" in japanese
    assert r"\text{, where }" not in LatexPrinter({"words_below_wide": True}).doprint(brier)
    assert render("html", [brier]).count('<tr class="named">') == 1
    named = json.loads(render("json", [brier]))["derivations"][0]["result"]["named"]
    assert named.startswith("= 2 p_{j}") and r"p = \operatorname{softmax}" in named
    plain = derive.gradient(r"-\sum_{k} t_k \log y_k", "y_{j}")
    assert json.loads(render("json", [plain]))["derivations"][0]["result"]["named"] is None
    assert 'class="named"' not in render("html", [plain]) and r"\text{, where }" not in render("latex", [plain])


def test_a_name_is_never_a_letter_the_expression_binds():
    """A sum over an index called p: the softmax is named by another letter (a fresh reader saw
    ∑ₚ pₚ (pₚ − tₚ), where p = softmax(z))."""
    p_index = sp.Symbol("p", integer=True, positive=True)
    brier = 2 * softmax(z[j], S) * (softmax(z[j], S) - t[j]
                                    - sp.Sum(softmax(z[p_index], S) * (softmax(z[p_index], S) - t[p_index]), (p_index, 1, K)))
    written, definitions = named_quantities(brier)
    letter = _letter(definitions, SOFTMAX_NAME(sp.Symbol("z")))
    assert str(letter) != "p" and written.has(letter)
