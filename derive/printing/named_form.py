"""The result written as a textbook writes it, each quantity it uses more than once named once and
defined after it (``= 2 p_j (p_j − t_j − ∑ₖ p_k (p_k − t_k)), where p = softmax(z)``): a line the
printers add below the result, in the language's words.  The result itself is unchanged (the named
form is equal by definition, :mod:`derive.named_quantities`), so the certificate and the kernels
read the same expression."""
from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..languages import language
from ..named_quantities import named_quantities
from ..steps import Derivation
from .latex_expr import latex
from .unicode import unicode


SAVED = 2  # operations naming must save to be shown: σ(x) (1 − σ(x)) is not written p (1 − p), where p = σ(x)


def named_result(derivation: Derivation, lang: str, show: Callable[[sp.Basic], str] = unicode,
                 where_word: Callable[[str], str] = str) -> str | None:
    """``= written, where p = …, S = …`` for the result, with ``show`` writing each expression and
    ``where_word`` setting the language's words (its word for "where", the separator between two
    definitions) as text; None where naming saves fewer than ``SAVED`` operations."""
    written, definitions = named_quantities(derivation.result.rhs)
    named_ops = sp.count_ops(written) + sum(sp.count_ops(value) for _, value in definitions)
    if not definitions or named_ops > sp.count_ops(derivation.result.rhs) - SAVED:
        return None
    said = language(lang)
    defined = where_word(said.setting("typography.separator")).join(
        f"{show(name.label if isinstance(name, sp.IndexedBase) else name)} = {show(value)}" for name, value in definitions)
    return f"= {show(written)}{where_word(said.phrase('named'))} {defined}"


def named_result_latex(derivation: Derivation, lang: str) -> str | None:
    """The same in LaTeX: the word set as text (``\\text{where}``)."""
    return named_result(derivation, lang, latex, lambda word: rf"\text{{{word}}}" if word.endswith(" ") else rf"\text{{{word} }}")
