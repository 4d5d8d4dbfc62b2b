"""A result as a textbook writes it, with each quantity it uses more than once named once (issue 32,
item 6): ``let p = softmax(z)``, ``let S = ∑ᵢ tᵢ yᵢ``, ``where f_k = …``.  The derived expression
is not changed: naming is how it is written, an equality by definition, so every step the engine
found and the checker verified stays as it is, and the kernels compile the same expression.  What
this module gives is the written form (letters in place of the quantities) and the definitions,
and the count of operations a person writes that way, the loss and its gradient counted alike
(benchmarks/human_form.py and the corpus's test hold each gradient to 1.2 × its loss's + 6)."""
from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import sympy as sp

from .functions import BINDERS, softmax
from .textbook_form import is_sum_of_exponentials, is_term_of

SOFTMAX_NAME = sp.Function("softmax")  # the vector's softmax in a definition: one operation, as written


def operation_count(expr: sp.Basic) -> int:
    """The operations a person writes in ``expr`` with its repeated quantities named: SymPy's
    ``count_ops`` of the written form plus each definition once.  A softmax component is a letter
    (``p_k``), its definition ``p = softmax(z)`` one operation plus its logit's (``(z − m t)/T``):
    ``count_ops`` takes ``softmax(z)_k`` for three (the function, its row's sum, the sum's exp)
    and ``e^{z_k}/∑ₘ e^{z_m}`` for four, each time it occurs."""
    written, definitions = named_quantities(expr)
    return int(sp.count_ops(written) + sum(sp.count_ops(definition) for _, definition in definitions))


def named_quantities(expr: sp.Basic) -> tuple[sp.Basic, list[tuple[sp.Basic, sp.Basic]]]:
    """``expr`` written with letters, and the definitions of the letters in the order they are used
    in one another: each softmax named by its vector, each family of terms a sum holds and that occurs
    again at one index (``p_j ∑ₖ f_k − f_j``), each other subexpression that occurs twice."""
    written, definitions = _named(expr)
    return written, list(definitions)


@lru_cache(maxsize=256)
def _named(expr: sp.Basic) -> tuple[sp.Basic, tuple[tuple[sp.Basic, sp.Basic], ...]]:
    """What :func:`named_quantities` gives, kept for the expression: a gradient's simplification sizes
    each candidate form, and the same forms again when a later phase left the equation as it was,
    and the printer names the result the search chose (a pure function of the expression)."""
    taken = {str(s) for s in expr.atoms(sp.Symbol)} | {str(b.label) for b in expr.atoms(sp.IndexedBase)}  # bound names too
    known: dict[sp.Basic, frozenset] = {}  # the free symbols of each subexpression, found once (see _free)
    written, definitions = _softmaxes_named(expr, _fresh_letters("p", taken))  # p for probabilities
    written, families = _families_named(written, _fresh_letters("f", taken), known)  # f_k, a term per class
    written, repeated = _repeated_named(written, _fresh_letters("S", taken), known)  # S, a quantity (a sum, mostly)
    return written, tuple(definitions + families + repeated)


def _fresh_letters(letter: str, taken: set[str]) -> Iterator[str]:
    """``letter``, ``letter2``, ``letter3``, …: names of one kind of quantity, none of them a name
    the expression already uses or another kind took (``taken`` grows as they are handed out)."""
    for n in range(1, 10 ** 6):
        name = letter if n == 1 else f"{letter}{n}"
        if name not in taken:
            taken.add(name)
            yield name
    raise AssertionError("a million names taken")  # an expression holds fewer


def _softmaxes_named(expr: sp.Basic, letters: Iterator[str]) -> tuple[sp.Basic, list[tuple[sp.Basic, sp.Basic]]]:
    """Each softmax component, named (``softmax(z)_k``) or written out (``e^{z_k}/∑ₘ e^{z_m}``), as a
    component of a letter, one letter for each vector; a component whose vector cannot be written
    (its logit not one term of the sum) stays as it is."""
    vectors: dict[sp.Basic, sp.IndexedBase] = {}

    def letter(component: softmax) -> sp.Basic:
        found = component.vector_and_component()
        if found is None:
            return component
        vector, index = found
        if vector not in vectors:
            vectors[vector] = sp.IndexedBase(next(letters))
        return vectors[vector][index]

    written = expr
    if written.has(sp.exp):  # a softmax written out holds an exponential
        written = written.replace(lambda e: isinstance(e, sp.Mul) and _written_out(e) is not None,
                                  lambda e: _written_out(e))
    if written.has(softmax):
        written = written.replace(lambda e: isinstance(e, softmax), letter)
    return written, [(base, SOFTMAX_NAME(vector)) for vector, base in vectors.items()]


def _written_out(product: sp.Mul) -> sp.Basic | None:
    """``product`` with one ``e^{a_k}`` and one ``1/∑ₘ e^{a_m}`` among its factors written as the
    softmax component they are (the other factors kept); None where it holds no such pair."""
    factors = list(sp.Mul.make_args(product))
    for total in factors:
        if not (isinstance(total, sp.Pow) and total.exp == -1 and is_sum_of_exponentials(total.base)):
            continue
        for numerator in factors:
            if isinstance(numerator, sp.exp) and is_term_of(numerator.args[0], total.base):
                rest = [f for f in factors if f is not total and f is not numerator]
                return sp.Mul(softmax(numerator.args[0], total.base), *rest)
    return None


def _families_named(expr: sp.Basic, letters: Iterator[str],
                    known: dict[sp.Basic, frozenset]) -> tuple[sp.Basic, list[tuple[sp.Basic, sp.Basic]]]:
    """Each sum ``∑ₖ F(k)`` whose term also occurs at one index outside it (``F(j)``), with ``F`` a letter
    ``f`` and both occurrences its components ``f_k``, ``f_j``: the per-class term a textbook names."""
    definitions: list[tuple[sp.Basic, sp.Basic]] = []
    for total in [node for node in sp.preorder_traversal(expr) if isinstance(node, sp.Sum) and len(node.limits) == 1]:
        index, term = total.limits[0][0], total.function
        if sp.count_ops(term) == 0 or not term.has(index):
            continue
        if definitions and total not in sp.preorder_traversal(expr):  # a family named before rewrote it
            continue
        outside = expr.xreplace({total: sp.Dummy()})
        # each subexpression outside the sum by what it is past a number (−F(j) is −1 × F(j)); SymPy's
        # matching with a wild index took seconds on a quotient of three sums, a lookup takes none
        past_coefficient: dict[sp.Basic, list[sp.Basic]] = {}
        for node in sp.preorder_traversal(outside):
            past_coefficient.setdefault(node.as_coeff_Mul()[1] if isinstance(node, sp.Mul) else node, []).append(node)
        values = {v for v in _free(outside, known) | outside.atoms(sp.Integer) if v.is_integer and v != index}
        matches = {node: (node.as_coeff_Mul()[0] if isinstance(node, sp.Mul) else sp.S.One, at)
                   for at in sorted(values, key=sp.default_sort_key)
                   for node in past_coefficient.get(_term_at(term, index, at), [])}
        if not matches:
            continue
        family = sp.IndexedBase(next(letters))
        expr = expr.xreplace({total: total.func(family[index], *total.limits)})
        expr = expr.xreplace({node: coefficient * family[at] for node, (coefficient, at) in matches.items()})
        definitions.append((family[index], term))
    return expr, definitions


@lru_cache(maxsize=1024)
def _term_at(term: sp.Basic, index: sp.Basic, at: sp.Basic) -> sp.Basic:
    """``term`` at the index ``at``: each form a gradient's simplification sizes holds the same sums, and
    a component built anew (an ``Indexed``) works out its assumptions anew each time."""
    return term.xreplace({index: at})


_UNION_OF_ARGUMENTS = sp.Basic.__dict__["free_symbols"]  # the free symbols of a node that binds nothing


def _free(node: sp.Basic, known: dict[sp.Basic, frozenset]) -> frozenset:
    """``node.free_symbols``, each subexpression's found once in ``known``: SymPy walks the whole tree
    below a node each time it is asked, and the naming asks of every node, over and over.  A node of a
    class with free symbols of its own (a symbol, a component, a sum binding its index) is asked."""
    found = known.get(node)
    if found is None:
        if getattr(type(node), "free_symbols", None) is _UNION_OF_ARGUMENTS:
            found = frozenset().union(*(_free(argument, known) for argument in node.args))
        else:
            found = frozenset(node.free_symbols)
        known[node] = found
    return found


def _repeated_named(expr: sp.Basic, letters: Iterator[str],
                    known: dict[sp.Basic, frozenset]) -> tuple[sp.Basic, list[tuple[sp.Basic, sp.Basic]]]:
    """Each subexpression that occurs twice or more, with no summation index bound outside it, as a
    letter: the largest first (``S = ∑ᵢ tᵢ yᵢ`` in a quotient and its square), then what repeats in
    what is left.  Only what a person would name: a function applied (``σ(z)``), or two operations or
    more (``1 − σ(z)`` is written out, ``γ − 1`` too)."""
    definitions: list[tuple[sp.Basic, sp.Basic]] = []
    while True:
        counts: dict[sp.Basic, int] = {}
        for where in [expr, *(value for _, value in definitions)]:  # S in the result and in D = S + …
            _count_free_subexpressions(where, counts, known)
        named = [node for node, seen in counts.items() if seen > 1 and _worth_a_name(node)]
        if not named:  # named largest first, so each definition uses those named after it: defined first
            return expr, definitions[::-1]
        largest = max(named, key=lambda node: (sp.count_ops(node), sp.default_sort_key(node)))
        letter = sp.Symbol(next(letters))
        expr = expr.xreplace({largest: letter})
        definitions = [(name, value.xreplace({largest: letter})) for name, value in definitions] + [(letter, largest)]


def _count_free_subexpressions(node: sp.Basic, counts: dict[sp.Basic, int], known: dict[sp.Basic, frozenset],
                               bound: frozenset = frozenset()) -> None:
    """How often each subexpression of ``node`` occurs, leaving out those that hold an index bound around them."""
    if not bound or not (_free(node, known) & bound):
        counts[node] = counts.get(node, 0) + 1
    inner = bound | {variable for variable, *_ in node.limits} if isinstance(node, BINDERS) else bound
    for argument in node.args:
        _count_free_subexpressions(argument, counts, known, inner)


def _worth_a_name(node: sp.Basic) -> bool:
    """A quantity a textbook names: a function applied (``σ(z)``, ``∑ᵢ tᵢ yᵢ``) or two operations or more."""
    if isinstance(node, (sp.Indexed, sp.IndexedBase, sp.Tuple, sp.KroneckerDelta)) or node.is_Atom:  # δ is a symbol
        return False
    if isinstance(node, sp.Mul) and node.as_coeff_Mul()[0] != 1:  # −σ(z): σ(z) is what is named
        return False
    return isinstance(node, (sp.Function, *BINDERS)) or sp.count_ops(node) >= 2
