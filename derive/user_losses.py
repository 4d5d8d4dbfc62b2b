"""The gradient of a user's own loss (LaTeX or SymPy), step by step with the catalogue's rules.

The loss is taken as given (the first step, marked an assumption), differentiated by the rules
every built-in uses; where no catalogue rule applies anywhere, one derivative at a time is carried
out by SymPy in a step that says so (rule ``computed_by_sympy``).  Every step after the first is
verified like any other: symbolically, and at random points in a model that assumes nothing about
the user's symbols (drawn in (0.05, 0.95), and over the whole real line where the arguments of the
loss's logs stay positive).
"""
from __future__ import annotations

from dataclasses import replace

import sympy as sp

from . import conventions as c
from .derivations.runner import named_strategy
from .errors import ArgumentTypeError, DeriveError, LimitExceeded, ParseError
from .front_end import from_latex
from .gradient_checks import cross_check_gradient
from .languages import codes, in_every_language, phrase
from .latex_input import SUBSCRIPTED_NAME, subscript_indices
from .input_limits import TIME_LIMIT, check_expression, checked_time_limit, time_limit as within_seconds
from .piecewise import PiecewiseGradient, has_kinks, piecewise_gradient, pieces_bound
from .index_extents import array_extents
from .models import Model, divisors_in, free, positive_in
from .printing.latex_expr import latex
from .safe_names import check_names
from .work_budget import MAX_WORK, work_budget
from .steps import USER_DERIVATIVE, USER_GRADIENT, Derivation, Equation
from .strategies import Strategy, chain, given, run

# Steps grow with the loss (about 1.4 per operation) and each is verified: 46 operations take
# about 5 s, 364 would pass the strategies' 200 applications after 40 s.  Past this, say so at once.
MAX_OPERATIONS = 60
NOT_DIFFERENTIABLE = {sp.Abs: "|x|", sp.Max: "max", sp.Min: "min", sp.sign: "sign", sp.floor: "floor",
                      sp.ceiling: "ceiling", sp.Heaviside: "the step function"}


MOST_NAMED_COMPONENT = 32  # --wrt z_{32}: each check of the steps runs at N >= 32 (derive.edge_sizes' largest named size)
MAX_ORDER = 4  # a fourth derivative of a loss of MAX_OPERATIONS is already hundreds of steps


def user_gradient(loss, wrt, order: int = 1, time_limit: float | None = None) -> Derivation | PiecewiseGradient:
    """``loss`` (LaTeX, ``sp.Eq(lhs, rhs)`` or an expression) differentiated by ``wrt`` (LaTeX such
    as ``y``, ``\\sigma``, ``y_{j}``, or a SymPy symbol or indexed component), within
    :data:`~derive.work_budget.MAX_WORK` operations of work per derivative (the same on any machine;
    a loss with kinks is derived once per piece and has a budget per piece) and the caller's
    ``time_limit`` in seconds (a safety net, :data:`~derive.input_limits.TIME_LIMIT` per derivative by
    default).  ``order`` > 1 differentiates the result again, by the same variable, or by each of
    ``wrt`` in turn where it is a list of ``order`` variables (a mixed second derivative:
    ``wrt=["x", "y"], order=2``)."""
    variables = variables_in_turn(wrt, order)
    seconds = TIME_LIMIT * order if time_limit is None else checked_time_limit(time_limit)
    what = "deriving the gradient" if order == 1 else "deriving the derivative"
    try:
        pieces = pieces_bound(_loss(loss)[1]) if order == 1 else 1
        with within_seconds(seconds, what, callers=True), work_budget(MAX_WORK * order * pieces, what):
            return _user_derivative(loss, variables)
    except RecursionError:
        raise LimitExceeded("the loss nests too deeply for SymPy to carry out (Python's recursion limit)") from None


def variables_in_turn(wrt, order: int) -> list:
    """The variables to differentiate by, in turn: ``wrt`` ``order`` times, or each of a list of ``order``."""
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise DeriveError(f"the order of a derivative is 1 to {MAX_ORDER}, not {order!r}")
    listed = list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
    if not listed:
        raise DeriveError("name a variable to differentiate by")
    if len(listed) == 1:
        return listed * order
    if len(listed) != order:
        raise DeriveError(f"{len(listed)} variables for a derivative of order {order}: name one variable "
                          f"(differentiated {order} times) or {order}, one per derivative")
    return listed


def _user_derivative(loss, wrt: list) -> Derivation | PiecewiseGradient:
    lhs, rhs = _loss(loss)
    check_names(lhs, rhs, *wrt)  # SymPy's names can hold anything; LaTeX's the reader checked (derive.safe_names)
    check_expression(rhs)
    size = sp.count_ops(rhs)
    if size > MAX_OPERATIONS:
        raise DeriveError(f"the loss has {size} operations; derive differentiates losses of up to "
                          f"{MAX_OPERATIONS} step by step (every step is verified): differentiate it in parts")
    variables = tuple(named_variable(each, rhs) for each in wrt)
    model = _model(rhs, variables)
    if len(set(variables)) == 1 and len(variables) <= 2 and has_kinks(rhs, variables[0]):
        return _by_pieces(lhs, rhs, variables[0], model, len(variables))
    for variable in dict.fromkeys(variables):
        _refuse_kinks(rhs, variable)
        if not model.depends_on(rhs, variable) and not rhs.has(variable):
            raise DeriveError(f"the loss does not contain {_latex(variable)}; its symbols: "
                              f"{', '.join(sorted({_latex(s) for s in _symbols(rhs)}))}")
    strategy = chain(given(Equation(lhs, rhs)), *(_differentiated(variable) for variable in variables))
    title = _title(lhs, variables)
    if model.least_sizes:  # z_2 of z_1..z_N: the result holds where z_2 is a component, N >= 2, said in the title
        sizes = ", ".join(f"${_latex(size)} \\geq {least}$" for size, least in model.least_sizes)
        title = in_every_language("titles.for_sizes", title=title, sizes=sizes)
    derivation = run(USER_GRADIENT if len(variables) == 1 else USER_DERIVATIVE, title, strategy, model)
    checks = cross_check_gradient(Equation(lhs, rhs), derivation.result, variables, model)
    return replace(derivation, cross_checks=checks)


def _by_pieces(lhs: sp.Basic, rhs: sp.Basic, variable: sp.Basic, model: Model, order: int = 1) -> PiecewiseGradient:
    """A loss with kinks (max, min, |u|, cases): each smooth piece differentiated as a user's loss,
    assembled by :mod:`derive.piecewise`, the whole checked against sympy.diff and a central difference.
    A second derivative is the pieces' own, where the first exists too (the first derived before it)."""
    first = None
    if order == 2:
        first = _by_pieces(lhs, rhs, variable, model)
    by = (variable,) * order
    return piecewise_gradient(lhs, rhs, variable, lambda piece: _user_derivative(piece, list(by)), model,
                              lambda loss, result: cross_check_gradient(loss, result, by, model), first)


def _differentiated(variable) -> Strategy:
    """Differentiate the equation so far by ``variable``, then tidy up as a person writes it: the
    named strategy ``gradient_as_a_person_writes_it`` (rules/derivations/00_strategies.toml), which
    differentiates as the built-ins' gradients do."""
    return named_strategy("gradient_as_a_person_writes_it", wrt=variable)


def _title(lhs: sp.Basic, variables: tuple) -> dict[str, str]:
    loss, shown = _latex(lhs), [f"${_latex(v)}$" for v in variables]
    if len(variables) == 1:
        return in_every_language("titles.user_gradient", loss=loss, by=shown[0])
    order = {code: phrase(code, f"titles.order_{len(variables)}") for code in codes()}
    if len(set(variables)) == 1:
        return in_every_language("titles.user_derivative", order=order, loss=loss, by=shown[0], count=len(variables))
    by = {code: phrase(code, "titles.then_by").join(shown) for code in codes()}
    return in_every_language("titles.user_mixed_derivative", order=order, loss=loss, by=by, count=len(variables))


def stable_forms(derivation: Derivation) -> tuple[Derivation, Derivation]:
    """The loss (the equation differentiated) and the derived gradient (the result) rewritten by
    the catalogue's ``stable_forms`` ruleset wherever a pattern occurs (log σ and log(1 − σ) as
    minus a softplus, log(1 + eᶻ) by max(z, 0) + log(1 + e^{−|z|}), 1 − σ(z) as σ(−z), the
    log-sum-exp shift...), then each sigmoid by its sign: each a verified derivation, which
    ``derive grad ... --stable`` shows and the kernel computes (the same strategy as every kernel's:
    :mod:`derive.derivations.plans`)."""
    from .derivations.plans import loss_and_gradient  # the kernels' plans: only --stable and --compile need them
    from .derivations.stable import stable_form

    loss, gradient, _ = loss_and_gradient(derivation)
    title = in_every_language("titles.stable_loss", title=derivation.title)
    stable_loss = stable_form(loss, f"{USER_GRADIENT}-loss-stable", title)
    title = in_every_language("titles.stable", title=derivation.title)
    return stable_loss, stable_form(gradient, f"{USER_GRADIENT}-stable", title)


def compile_user_gradient(derivation: Derivation):
    """A Numba kernel for the loss (the equation differentiated) and the derived gradient (the
    result), both in their stable forms: the one path of every kernel (:func:`derive.kernels.compile_derivation`)."""
    from .kernels import compile_derivation

    return compile_derivation(derivation)


def _loss(loss) -> tuple[sp.Basic, sp.Basic]:
    if isinstance(loss, str):
        loss = from_latex(loss, model_names=False)  # a user's y is any real number, whatever its name
    if isinstance(loss, sp.Equality):
        return loss.lhs, loss.rhs
    if isinstance(loss, Equation):
        return loss.lhs, loss.rhs
    if not isinstance(loss, sp.Expr):
        raise ArgumentTypeError(f"the loss must be LaTeX text or a SymPy expression, not {type(loss).__name__}")
    return _loss_name(loss), loss


def _loss_name(loss: sp.Basic) -> sp.Symbol:
    """E, the loss's name, unless the loss itself uses that name (a summation index E, say): then the first of
    L, J, E1, E2, ... it does not use, so no two symbols of a derivation (nor of its certificate) share a name."""
    taken = {symbol.name for symbol in loss.atoms(sp.Symbol)} | {a.base.label.name for a in loss.atoms(sp.Indexed)}
    if c.E.name not in taken:
        return c.E
    return sp.Symbol(next(n for n in ("L", "J", *(f"E{k}" for k in range(1, len(taken) + 2))) if n not in taken), real=True)


def named_variable(wrt, rhs: sp.Basic) -> sp.Basic:
    """``wrt`` as the symbol or component it names in ``rhs``: ``q_{c}`` is a component of the
    loss's array ``q`` even where ``c`` is not a conventional index."""
    if isinstance(wrt, str):
        text = wrt.strip()
        parsed = from_latex(text)
        if isinstance(parsed, sp.Symbol):
            match = SUBSCRIPTED_NAME.match(parsed.name)
            arrays = {str(b.label): b for b in rhs.atoms(sp.IndexedBase)}
            if match and match.group(1).lstrip("\\") in arrays:
                base = arrays[match.group(1).lstrip("\\")]
                parsed = base[subscript_indices(match.group(2))]
        wrt = _same_symbol(parsed, rhs)
        if isinstance(wrt, sp.Indexed):  # the loss's own array of that name (a user's y is not the model's)
            arrays = {str(b.label): b for b in rhs.atoms(sp.IndexedBase)}
            wrt = arrays.get(str(wrt.base.label), wrt.base)[wrt.indices]
    if not isinstance(wrt, (sp.Symbol, sp.Indexed)):
        raise DeriveError(f"--wrt must name one symbol or one component such as y_{{j}}; got {wrt}")
    if isinstance(wrt, sp.Symbol) and wrt.is_integer:
        raise DeriveError(f"{wrt} is an index or a size, not a variable to differentiate by")
    if isinstance(wrt, sp.Indexed):
        ranks = {len(a.indices) for a in rhs.atoms(sp.Indexed) if a.base == wrt.base} - {len(wrt.indices)}
        if ranks:
            raise DeriveError(f"{_latex(wrt)} has {len(wrt.indices)} index(es), but the loss writes "
                              f"{wrt.base} with {min(ranks)}: name a component with as many")
    return wrt


def _same_symbol(parsed: sp.Basic, rhs: sp.Basic) -> sp.Basic:
    """A plain symbol of the loss with the same name (assumptions may differ: ``y`` is positive)."""
    if isinstance(parsed, sp.Symbol):
        for symbol in rhs.free_symbols:
            if isinstance(symbol, sp.Symbol) and symbol.name == parsed.name:
                return symbol
    return parsed


def _refuse_kinks(rhs: sp.Basic, variable: sp.Basic) -> None:
    for kind, name in NOT_DIFFERENTIABLE.items():
        for node in rhs.atoms(kind):
            if node.has(variable) or (isinstance(variable, sp.Indexed) and node.has(variable.base)):
                raise DeriveError(f"{name} is not differentiable everywhere ({_latex(node)} has a kink): "
                                  f"derive differentiates smooth losses only; write a smooth form, "
                                  f"e.g. log(1 + e^{{x}}) for max(x, 0)")


def _model(rhs: sp.Basic, variables: tuple = ()) -> Model:
    """What the loss states and nothing more: its sizes, what its logs need positive (over the
    components their sums run through), what it divides by, how far each array runs; and each
    index of a variable (j of x_j) runs as far as that variable's array."""
    sizes = {limit[2] for node in sp.preorder_traversal(rhs) if isinstance(node, sp.Sum)
             for limit in node.limits if isinstance(limit[2], sp.Symbol)}
    model = free(tuple(sorted((s for s in sizes if s not in c.SIZES), key=str)), positive_in(rhs), divisors_in(rhs),
                 array_extents(rhs))
    lengths: dict = {}
    least: dict = {}
    for variable in variables:
        if isinstance(variable, sp.Indexed):
            for position, index in enumerate(variable.indices):
                if index.is_Integer and index > 1:  # z_2 of z_1..z_N: a component only where N >= 2, which the question states
                    length = model.array_length(variable.base, position, len(variable.indices))
                    if length.is_Symbol and length.is_integer:
                        if index > MOST_NAMED_COMPONENT:  # every check would run at N >= index
                            raise DeriveError(f"{_latex(variable)} names component {index}; derive differentiates by a named "
                                              f"component up to {MOST_NAMED_COMPONENT} (checked at that many terms): "
                                              f"differentiate by {_latex(variable.base)}_{{j}} for any other")
                        least[length] = max(least.get(length, 1), int(index))
                if isinstance(index, sp.Symbol) and index.is_integer:
                    length = model.array_length(variable.base, position, len(variable.indices))
                    if length.is_Integer and length < 1:  # ∑_{i=1}^{0} x_i: x has no component x_j could be
                        raise DeriveError(f"{_latex(variable)}: the loss's sums give {_latex(variable.base)} no "
                                          "components (the range of its index is empty)")
                    lengths.setdefault(index, length)
    return replace(model, index_extents=tuple(sorted(lengths.items(), key=lambda item: str(item[0]))),
                   least_sizes=tuple(sorted(least.items(), key=lambda item: str(item[0]))))


def _symbols(rhs: sp.Basic) -> set[sp.Basic]:
    found = set(rhs.atoms(sp.Indexed))
    bound = {limit[0] for node in sp.preorder_traversal(rhs) if isinstance(node, sp.Sum) for limit in node.limits}
    labels = {b.label for b in rhs.atoms(sp.IndexedBase)}
    indices = {ix for a in found for ix in a.indices}
    return found | {s for s in rhs.free_symbols if isinstance(s, sp.Symbol) and s not in bound | labels | indices}


def _latex(expr: sp.Basic) -> str:
    return latex(expr)


__all__ = ["user_gradient", "ParseError"]
