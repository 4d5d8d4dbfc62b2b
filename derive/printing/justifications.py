"""The words beside a step: the rule's justification, or, where the rule gives a template
(``at`` in the language's ``rules.toml``), that template filled in with the indices and variables of
this very step (which index a Kronecker delta collapses and to what, which variable a part does not
depend on), read from the part the step changed."""
from __future__ import annotations

import sympy as sp

from .. import extensions
from ..catalogue import get_rule, get_ruleset
from ..expression_paths import subexpression_at
from ..safe_names import is_function_name
from ..series_notes import line_notes
from ..steps import CheckKind, Equation, Step
from .citations import cited, cited_place, placed
from .inert import latex_text
from ..languages import language
from .inline_math import unicode_words
from .latex_expr import latex
from .words import phrase


def justification(step: Step, previous: Equation | None, lang: str, unicode_names: bool = False) -> str:
    """What justifies ``step`` (which follows ``previous``), in ``lang``: words with inline
    mathematics between dollar signs, in LaTeX (``the sum over $k$``, ``$\\partial y_{ik}/\\partial
    z_{jm} = \\delta_{ij} \\delta_{km}$``), or with ``unicode_names`` the terminal's Unicode
    (``the sum over k``, ``∂yᵢₖ/∂zⱼₘ = δᵢⱼ δₖₘ``)."""
    return _shown(placed(_justification(step, previous, lang)), unicode_names)


def _shown(words: str, unicode_names: bool) -> str:
    return unicode_words(words) if unicode_names else words


def _justification(step: Step, previous: Equation | None, lang: str) -> str:
    if step.rule == "given":
        return language(lang).phrase("given")
    rule = get_rule(step.rule)
    template = rule.words(lang).get("at")
    names = _names(step, previous) if template else None
    if template and names:
        try:
            return template.format(**names)
        except KeyError:  # the template names something this step does not show
            pass
    return rule.words(lang)["text"]


def _names(step: Step, previous: Equation | None) -> dict[str, str] | None:
    """What a template may name, read from the part the step changed: ``x`` the variable of a
    derivative (or of differentiating both sides); ``j`` the index of the sum or product it works
    on, ``i`` what a Kronecker delta pairs ``j`` with, ``n`` the new name of a renamed index; ``f``
    the outer function of a chain rule; ``a`` and ``d`` a component and its derivative as deltas;
    ``h`` the variable of a limit; ``name`` the derivation whose result a step states.  Each is
    LaTeX (``y_{ik}``, ``\\sigma``), for a template to set between dollar signs."""
    names: dict[str, str] = {}
    if step.check.how == CheckKind.DERIVED and step.check.derivation is not None:
        names["name"] = cited_place(step.check.derivation.name)
    if step.check.how == CheckKind.DIFFERENTIATED and step.check.variables:
        names["x"] = _latex_name(step.check.variables[0])
    if step.check.how == CheckKind.DERIVATIVES and previous is not None and isinstance(previous.lhs, sp.Derivative):
        names["x"] = _latex_name(previous.lhs.variables[-1])  # the component the matrix collects
    part = _changed_part(step, previous)
    if part is None:
        return names or None
    new = next(iter(step.check.definitions.values())) if step.check.how == CheckKind.LOCAL and len(step.check.definitions) == 1 else None
    if isinstance(part, sp.Limit):
        names["h"] = _latex_name(part.args[1])
    if isinstance(part, sp.log) and isinstance(part.args[0], sp.Product) and len(part.args[0].limits) == 1:
        names["j"] = _latex_name(part.args[0].limits[0][0])
    if isinstance(part, sp.Derivative) and len(part.variables) == 1:
        names["x"] = _latex_name(part.variables[0])
        if isinstance(part.expr, (sp.Symbol, sp.Indexed)) and new is not None:
            names["a"], names["d"] = _latex_name(part.expr), _latex_name(new)
        elif isinstance(part.expr, sp.Function) and part.expr.args:
            names["f"] = _function_name(part.expr.func.__name__)
        part = part.expr
    if isinstance(part, sp.Sum) and isinstance(new, sp.Sum):
        old_indices, new_indices = _summation_indices(part), _summation_indices(new)
        renamed = [(a, b) for a, b in zip(old_indices, new_indices) if a != b]
        if len(old_indices) == len(new_indices) > 1 and len(renamed) == 1:  # one index of a double sum renamed
            names["j"], names["n"] = (_latex_name(index) for index in renamed[0])
    if isinstance(part, sp.Sum) and len(part.limits) == 1:
        variable = part.limits[0][0]
        names["j"] = _latex_name(variable)
        if isinstance(new, sp.Sum) and len(new.limits) == 1 and new.limits[0][0] != variable:
            names["n"] = _latex_name(new.limits[0][0])
        for delta in part.function.atoms(sp.KroneckerDelta):
            if variable in delta.args:
                names["i"] = _latex_name(delta.args[1] if delta.args[0] == variable else delta.args[0])
                break
    return names or None


def _summation_indices(total: sp.Basic) -> list[sp.Symbol]:
    """The indices of nested sums, outermost first, however SymPy groups their limits."""
    indices: list[sp.Symbol] = []
    while isinstance(total, sp.Sum):
        indices += [limit[0] for limit in reversed(total.limits)]
        total = total.function
    return indices


_FUNCTION_NAMES = {"log": r"\log", "exp": r"\exp", "sigmoid": r"\sigma"}


def _function_name(name: str) -> str:
    """A function's name in LaTeX: ``\\log``, ``\\sigma``, ``f``, ``\\operatorname{softplus}``."""
    if name in _FUNCTION_NAMES:
        return _FUNCTION_NAMES[name]
    if not is_function_name(name):  # a name is data, never markup (derive.safe_names)
        return latex_text(name)
    return name if len(name) == 1 else r"\operatorname{" + name.replace("_", r"\_") + "}"


def brief(step: Step, previous: Equation | None, lang: str, unicode_names: bool = False) -> str:
    """A few words for ``step`` inside a blackboard line: the rule's ``brief`` words
    filled in from the match, a derivation's result cited by name (and the series' equation
    number), a lemma cited by its label; a rule that gives no brief words gives its justification.
    Inline mathematics as :func:`justification` gives it."""
    return _shown(placed(_brief(step, previous, lang)), unicode_names)


def _brief(step: Step, previous: Equation | None, lang: str) -> str:
    if step.rule == "given":
        return language(lang).phrase("given")
    if step.check.how == CheckKind.DERIVED and step.check.derivation is not None:
        source = step.check.derivation
        tag = source.steps[-1].tag
        return cited(source.name, lang) or language(lang).phrase("cited_at" if tag else "cited", name=source.name, tag=tag)
    rule = get_rule(step.rule)
    template = rule.words(lang).get("brief")
    if template is None:
        return _justification(step, previous, lang)
    names = _names(step, previous) or {}
    try:
        words = str(template).format(**names)
    except KeyError:
        return _justification(step, previous, lang)
    if rule.lemma:
        return f"{words} ({_label(rule.lemma)})"
    lemma = _lemma_inside(step, previous)
    if lemma is not None:
        words = language(lang).phrase("with_lemma", brief=words, lemma=lemma.words(lang)["brief"], label=_label(lemma.lemma))
    return words


def line_words(derivation, line, lang: str, unicode_names: bool = False) -> str:
    """The briefs of the steps of ``line`` (a blackboard line of ``derivation``), each said once, in order."""
    steps = derivation.steps[line.first:line.last + 1]
    previous = derivation.steps[line.first - 1].equation if line.first else None
    said: list[str] = []
    for step in steps:
        words = placed(_brief(step, previous, lang))
        previous = step.equation
        if words and words not in said:
            said.append(words)
    typography = language(lang).setting("typography")
    stop = typography["stop"]
    if len(said) > 1 and any(words.endswith(stop) for words in said):  # a sentence among the briefs: all sentences
        return _shown(typography["sentences"].join(words if words.endswith(stop) else _capitalised(words) + stop
                                                   for words in said), unicode_names)
    return _shown(typography["separator"].join(said), unicode_names)


def _capitalised(words: str) -> str:
    """``words`` with a capital first letter, unless they begin with a formula (``$y = \\sigma(z)$``)."""
    return words if words.startswith("$") else words[:1].upper() + words[1:]


def with_notes(words: str, derivation, first: int, last: int, lang: str) -> str:
    """``words``, then the note of any step ``first``..``last`` that the series prints differently."""
    notes = line_notes(derivation, first, last, lang)
    said = language(lang)
    return " ".join([words, *(said.labelled(said.phrase("series_note"), note) for note in notes)]) if notes else words


def _lemma_inside(step: Step, previous: Equation | None):
    """The rule for the outer function's derivative that a chain-rule step used, if it is a lemma."""
    if step.rule != "chain_rule":
        return None
    part = _changed_part(step, previous)
    if not isinstance(part, sp.Derivative) or not part.expr.args:
        return None
    for rule in get_ruleset("derivatives_of_functions"):
        if rule.lemma and rule.pattern("lhs").expr.func == part.expr.func:
            return rule
    return None


def _changed_part(step: Step, previous: Equation | None) -> sp.Basic | None:
    if step.check.how == CheckKind.LOCAL and len(step.check.definitions) == 1:
        return next(iter(step.check.definitions))
    if previous is not None and step.location is not None:
        return subexpression_at(previous.rhs, tuple(step.location))
    return None


def _latex_name(symbol: sp.Basic) -> str:
    """``k``, ``y_{ik}``, ``\\hat{y}``, ``\\delta_{ij}``: as the equations print it, for a formula in the words."""
    return latex(symbol)


def _label(lemma: str) -> str:
    """``L1``...: the lemmas are numbered in the order the derivations declare them."""
    return extensions.call("lemma_label", lemma)
