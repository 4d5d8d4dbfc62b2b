"""The words beside a step: the rule's justification, or, where the rule gives a template
(``en_at``/``ja_at`` in the catalogue), that template filled in with the indices and variables of
this very step (which index a Kronecker delta collapses and to what, which variable a part does not
depend on), read from the part the step changed."""
from __future__ import annotations

import sympy as sp

from ..catalogue import get_rule
from ..rewriting import subexpression_at
from ..steps import CheckKind, Equation, Step

GIVEN = {"en": "The model we start from.", "ja": "出発点とするモデル。"}


def justification(step: Step, previous: Equation | None, lang: str, unicode_names: bool = False) -> str:
    """What justifies ``step`` (which follows ``previous``), in ``lang``; the names in it plain
    (``y_ik``, for words set inside LaTeX and JSON) or, for the terminal, as the equations show
    them (``yᵢₖ``, ``ŷ``)."""
    if step.rule == "given":
        return GIVEN[lang]
    rule = get_rule(step.rule)
    template = rule.data.get(f"{lang}_at")
    names = _names(step, previous, _unicode if unicode_names else _name) if template else None
    if names:
        try:
            return template.format(**names)
        except KeyError:  # the template names something this step does not show
            pass
    return rule.justification[lang]


def _names(step: Step, previous: Equation | None, spell) -> dict[str, str] | None:
    """What a template may name, read from the part the step changed: ``x`` the variable of a
    derivative (or of differentiating both sides); ``j`` the index of the sum or product it works
    on, ``i`` what a Kronecker delta pairs ``j`` with, ``n`` the new name of a renamed index; ``f``
    the outer function of a chain rule; ``a`` and ``d`` a component and its derivative as deltas;
    ``h`` the variable of a limit; ``name`` the derivation whose result a step states."""
    names: dict[str, str] = {}
    if step.check.how == CheckKind.DERIVED and step.check.derivation is not None:
        names["name"] = step.check.derivation.name
    if step.check.how == CheckKind.DIFFERENTIATED and step.check.variables:
        names["x"] = spell(step.check.variables[0])
    if step.check.how == CheckKind.DERIVATIVES and previous is not None and isinstance(previous.lhs, sp.Derivative):
        names["x"] = spell(previous.lhs.variables[-1])  # the component the matrix collects
    part = _changed_part(step, previous)
    if part is None:
        return names or None
    new = next(iter(step.check.definitions.values())) if step.check.how == CheckKind.LOCAL and len(step.check.definitions) == 1 else None
    if isinstance(part, sp.Limit):
        names["h"] = spell(part.args[1])
    if isinstance(part, sp.log) and isinstance(part.args[0], sp.Product) and len(part.args[0].limits) == 1:
        names["j"] = spell(part.args[0].limits[0][0])
    if isinstance(part, sp.Derivative) and len(part.variables) == 1:
        names["x"] = spell(part.variables[0])
        if isinstance(part.expr, (sp.Symbol, sp.Indexed)) and new is not None:
            names["a"], names["d"] = spell(part.expr), _spell_deltas(new, spell)
        elif isinstance(part.expr, sp.Function) and part.expr.args:
            names["f"] = _FUNCTION_NAMES.get(part.expr.func.__name__, part.expr.func.__name__)
        part = part.expr
    if isinstance(part, sp.Sum) and isinstance(new, sp.Sum):
        old_indices, new_indices = _summation_indices(part), _summation_indices(new)
        renamed = [(a, b) for a, b in zip(old_indices, new_indices) if a != b]
        if len(old_indices) == len(new_indices) > 1 and len(renamed) == 1:  # one index of a double sum renamed
            names["j"], names["n"] = (spell(index) for index in renamed[0])
    if isinstance(part, sp.Sum) and len(part.limits) == 1:
        variable = part.limits[0][0]
        names["j"] = spell(variable)
        if isinstance(new, sp.Sum) and len(new.limits) == 1 and new.limits[0][0] != variable:
            names["n"] = spell(new.limits[0][0])
        for delta in part.function.atoms(sp.KroneckerDelta):
            if variable in delta.args:
                names["i"] = spell(delta.args[1] if delta.args[0] == variable else delta.args[0])
                break
    return names or None


def _summation_indices(total: sp.Basic) -> list[sp.Symbol]:
    """The indices of nested sums, outermost first, however SymPy groups their limits."""
    indices: list[sp.Symbol] = []
    while isinstance(total, sp.Sum):
        indices += [limit[0] for limit in reversed(total.limits)]
        total = total.function
    return indices


_FUNCTION_NAMES = {"log": "log", "exp": "exp", "sigmoid": "σ"}


def _spell_deltas(expr: sp.Basic, spell) -> str:
    """``δᵢⱼ δₖₘ`` on the terminal, ``δ_ij δ_km`` elsewhere: a product of Kronecker deltas (or 1, 0)."""
    if spell is _unicode or expr.is_Number:
        return _unicode(expr) if spell is _unicode else str(expr)
    factors = []
    for factor in sp.Mul.make_args(expr):
        if not isinstance(factor, sp.KroneckerDelta):
            return str(expr)
        factors.append("δ_" + "".join(str(index) for index in factor.args))
    return " ".join(factors)


CITED = {"en": "as derived in {name}", "ja": "{name} で導いた結果"}
CITED_AT = {"en": "as derived in {name}, eq. ({tag})", "ja": "{name} の式 ({tag}) で導いた結果"}
WITH_LEMMA = {"en": "{brief} with {lemma} ({label})", "ja": "{brief} ({label}: {lemma})"}
SEPARATOR = {"en": "; ", "ja": "、"}
STOP = {"en": ".", "ja": "。"}
SENTENCES = {"en": " ", "ja": ""}


def brief(step: Step, previous: Equation | None, lang: str, unicode_names: bool = False) -> str:
    """A few words for ``step`` inside a blackboard line: the rule's ``brief_en``/``brief_ja``
    filled in from the match, a derivation's result cited by name (and the series' equation
    number), a lemma cited by its label; a rule that gives no brief words gives its justification."""
    if step.rule == "given":
        return GIVEN[lang]
    if step.check.how == CheckKind.DERIVED and step.check.derivation is not None:
        source = step.check.derivation
        tag = source.steps[-1].tag
        return (CITED_AT if tag else CITED)[lang].format(name=source.name, tag=tag)
    rule = get_rule(step.rule)
    template = rule.data.get(f"brief_{lang}")
    if template is None:
        return justification(step, previous, lang, unicode_names)
    names = _names(step, previous, _unicode if unicode_names else _name) or {}
    try:
        words = str(template).format(**names)
    except KeyError:
        return justification(step, previous, lang, unicode_names)
    from ..derivations.lemmas import label
    if rule.lemma:
        return f"{words} ({label(rule.lemma)})"
    lemma = _lemma_inside(step, previous)
    if lemma is not None:
        words = WITH_LEMMA[lang].format(brief=words, lemma=lemma.data[f"brief_{lang}"], label=label(lemma.lemma))
    return words


def line_words(derivation, line, lang: str, unicode_names: bool = False) -> str:
    """The briefs of the steps of ``line`` (a blackboard line of ``derivation``), each said once, in order."""
    steps = derivation.steps[line.first:line.last + 1]
    previous = derivation.steps[line.first - 1].equation if line.first else None
    said: list[str] = []
    for step in steps:
        words = brief(step, previous, lang, unicode_names)
        previous = step.equation
        if words and words not in said:
            said.append(words)
    stop = STOP[lang]
    if len(said) > 1 and any(words.endswith(stop) for words in said):  # a sentence among the briefs: all sentences
        return SENTENCES[lang].join(words if words.endswith(stop) else words[:1].upper() + words[1:] + stop
                                    for words in said)
    return SEPARATOR[lang].join(said)


def with_notes(words: str, derivation, first: int, last: int, lang: str) -> str:
    """``words``, then the note of any step ``first``..``last`` that the series prints differently."""
    from ..series_notes import line_notes
    notes = line_notes(derivation, first, last, lang)
    from .words import phrase
    return " ".join([words, *(f"{phrase(lang, 'series_note')}: {note}" for note in notes)]) if notes else words


def _lemma_inside(step: Step, previous: Equation | None):
    """The rule for the outer function's derivative that a chain-rule step used, if it is a lemma."""
    if step.rule != "chain_rule":
        return None
    part = _changed_part(step, previous)
    if not isinstance(part, sp.Derivative) or not part.expr.args:
        return None
    from ..catalogue import get_ruleset
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


def _unicode(symbol: sp.Basic) -> str:
    from .unicode import unicode
    return unicode(symbol)


def _name(symbol: sp.Basic) -> str:
    """``k``, ``y_ik``, ``z_j``: plain characters, so the words read the same in every printer."""
    if isinstance(symbol, sp.Indexed):
        return f"{symbol.base}_{''.join(str(ix) for ix in symbol.indices)}"
    return str(symbol)
