"""The gradient of a loss with kinks (``max``, ``min``, ``|u|``, cases), one smooth piece at a time.

A kink is where a loss changes formula: ``max(0, 1 − y z)`` is ``1 − y z`` where ``y z < 1`` and 0
where ``y z > 1``.  The engine's rules differentiate smooth expressions only, so the loss is split
at each kink touching the variable into its pieces (:mod:`derive.kinks` says where each branch holds),
and each piece is differentiated as its own derivation by the ordinary rules, every step verified
as any user gradient's is.  The result is a cases expression (a ``Piecewise``) of the pieces'
derivatives.  At each boundary the one-sided derivatives are compared: where they agree the loss
is continuously differentiable there and the cases are merged (written with ``max`` where that form
reproduces every piece); where they differ the derivative does not exist there, and the result
takes the value PyTorch's autograd takes (the kink's ``torch`` convention), so the kernels compiled
from it return PyTorch's numbers at the kink too.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sympy as sp

from .errors import DeriveError
from .kinks import KINKS, Branch, branches_of, first_kink, nested_two_way
from .steps import Derivation, Equation, Verification
from .work import may_simplify

if TYPE_CHECKING:  # imported where a loss has kinks: every smooth gradient asks has_kinks, and nothing more of these
    from .kink_sides import Kink
    from .piecewise_forms import Collapse

@dataclass(frozen=True)
class Piece:
    """The loss on one piece (no kink touching the variable left), the branch taken at each kink,
    and its derivative: derived step by step (``derivation``), or 0 where the piece does not
    depend on the variable (a constant piece has nothing to derive)."""

    loss: sp.Basic
    choices: tuple[Branch, ...]
    derivation: Derivation | None
    derivative: sp.Basic

    @property
    def condition(self) -> sp.Basic:
        return _plain(sp.And(*(choice.condition for choice in self.choices)))


@dataclass(frozen=True, repr=False)
class PiecewiseGradient:
    """The gradient of a piecewise loss: the loss as given, its pieces (each with its own verified
    derivation), its kinks, and the result (PyTorch's value at each kink where the derivative does
    not exist; merged where the loss is continuously differentiable)."""

    loss: Equation
    variable: sp.Basic
    pieces: tuple[Piece, ...]
    kinks: tuple[Kink, ...]
    result: Equation
    cross_checks: tuple = ()
    model: object = None
    collapse: Collapse | None = None  # the cases written as one known function (clamp), by a rule, proved

    @property
    def cases(self) -> sp.Basic:
        """The result as cases (before any collapse into one function)."""
        return self.collapse.cases if self.collapse is not None else self.result.rhs

    @property
    def steps(self):
        """The outline: the loss as given, its differentiation, the assembled result (the pieces'
        own steps are in :attr:`derivations`)."""
        return as_derivation(self).steps

    def titled_pieces(self, lang: str = "en") -> list[Derivation]:
        """The pieces' derivations, each title saying where it holds (for printing)."""
        from .printing.piecewise_text import condition_text, words_of
        out = []
        for piece in self.pieces:
            if piece.derivation is not None:
                title = {code: f"{text} — {words_of(code)['where']} ${condition_text(piece.condition, code, tex=True)}$"
                         for code, text in piece.derivation.title.items()}
                out.append(replace(piece.derivation, title=title))
        return out

    @property
    def order(self) -> int:
        """1 for the gradient, 2 for the second derivative."""
        return int(sum(count for _, count in self.result.lhs.variable_count))

    @property
    def continuously_differentiable(self) -> bool:
        return all(kink.exists for kink in self.kinks)

    @property
    def derivations(self) -> tuple[Derivation, ...]:
        return tuple(piece.derivation for piece in self.pieces if piece.derivation is not None)

    @property
    def verified(self) -> bool:
        return all(all(step.verification.verified for step in d.steps[1:]) for d in self.derivations) \
            and len(self.cross_checks) == 2

    def certificate(self) -> list[dict]:
        """Each piece's derivation as a certificate the checker re-checks alone, titled with where it
        holds, and the cases' collapse into one form: a list, as ``derive verify`` reads several."""
        collapse = [self.collapse_certificate()] if self.collapse is not None else []
        return [derivation.certificate() for derivation in self.titled_pieces()] + collapse

    def collapse_certificate(self) -> dict:
        """The cases, then the one form they are, as a certificate: derive_checker proves the equality by
        cases itself, in a model declaring positive each parameter the collapse takes positive (δ, β)."""
        from .certificate import SCHEMA, model_declaration, rests_on, tree
        from .languages import codes, phrase
        assert self.collapse is not None  # for mypy: asked only where the cases collapsed
        lhs, (cases, form) = self.result.lhs, (self.collapse.cases, self.collapse.form)
        declaration = model_declaration(self.model, [lhs, cases, form])
        declaration["symbols"].update({str(p): "positive" for p in self.collapse.positive})
        document = {"schema": SCHEMA, "name": "cases-as-one-form", "models": {"cases": declaration}, "rules": {},
                    "title": {code: phrase(code, "piecewise.collapse_title") for code in codes()},
                    "steps": [{"n": n, "rule": rule, "check": check, "model": "cases", "lhs": tree(lhs), "rhs": tree(rhs)}
                              for n, (rule, check, rhs) in enumerate((("given", "given", cases), ("by_cases", "equal", form)), 1)]}
        return {**document, "rests_on": rests_on(document)}

    def compile(self, backend: str = "numba"):
        """Kernels of the loss and this gradient (PyTorch's value at each kink), on any backend."""
        from .kernels.compiler import BACKENDS, backend_named
        from .derivations.plans import Kind, Plan, loss_and_gradient
        if self.order != 1:
            raise DeriveError("a kernel computes a loss and its gradient: compile the first derivative")
        if not isinstance(backend, str) or backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; known: {', '.join(BACKENDS)}")
        whole = as_derivation(self)
        loss, gradient, wrt = loss_and_gradient(whole)
        model = gradient.models[-1]
        # no stable forms: a kink's pieces are polynomials and the like, and the stable forms' rules
        # rewrite smooth expressions only (each piece was checked on its own)
        plan = Plan("", model, wrt, loss, gradient, (Kind("targets", False, loss, gradient),))
        plan = replace(plan, name=f"{whole.name}_{plan.digest()}")
        return backend_named(backend).kernel(plan.name, model, lambda: plan)

    def check_rows(self) -> None:
        """Raise unless each row of the result is the derivative a piece's verified derivation derived:
        a result edited after the fact (one piece's derivative changed) is refused."""
        rows = self.cases.args if isinstance(self.cases, sp.Piecewise) else ()
        derived = [piece.derivative for piece in self.pieces]
        for piece in self.pieces:
            if piece.derivation is not None and piece.derivation.result.rhs != piece.derivative:
                raise DeriveError(f"the piece where {piece.condition} states {piece.derivative}, but its "
                                  f"derivation derived {piece.derivation.result.rhs}")
        if self.collapse is not None and (self.result.rhs != self.collapse.form or not self.collapse.holds()
                                          or not _checker_proves(self.collapse_certificate())):
            raise DeriveError(f"the result {self.result.rhs} is not proved equal to the cases {self.collapse.cases}")
        for value, condition in rows:
            if isinstance(condition, sp.Eq) or value in derived:
                continue
            if not any(sp.simplify(value - d) == 0 for d in derived):
                raise DeriveError(f"the row {value} (where {condition}) is no piece's derived derivative")

    def __str__(self) -> str:
        from .printing.piecewise_text import text
        return text(self)

    def _repr_latex_(self) -> str:
        from .printing.piecewise_text import latex_block
        return latex_block(self)

    def __repr__(self) -> str:
        return f"<PiecewiseGradient: {len(self.pieces)} pieces, {self.result.lhs} = {self.result.rhs}>"


def _checker_proves(document: dict) -> bool:
    """Whether derive_checker proves every step of ``document`` after its first (not at random points only)."""
    from derive_checker.certificate import check_certificate
    from derive_checker.expressions import Malformed

    try:
        report = check_certificate(document)
    except Malformed:  # a form the certificate cannot state: not proved, the cases stay
        return False
    return report["ok"] and all(step["verdict"] == "proved" for step in report["steps"][1:])


MAX_PIECES = 8  # each piece is a derivation of its own (about 3 s): three kinks on one variable at most


def pieces_bound(rhs: sp.Basic) -> int:
    """At most how many pieces the loss splits into (2 per kink of any variable, up to
    :data:`MAX_PIECES`, past which :func:`piecewise_gradient` refuses), at least 1: the time it is given."""
    kinks = {node for node in sp.preorder_traversal(nested_two_way(rhs)) if isinstance(node, KINKS)}
    return min(2 ** len(kinks), MAX_PIECES)


def has_kinks(rhs: sp.Basic, variable: sp.Basic) -> bool:
    return first_kink(nested_two_way(rhs), variable) is not None


def piecewise_gradient(lhs: sp.Basic, rhs: sp.Basic, variable: sp.Basic, derive_piece, model, cross_check,
                       first: PiecewiseGradient | None = None) -> PiecewiseGradient:
    """Split ``rhs`` at its kinks touching ``variable``; ``derive_piece(Equation)`` differentiates one
    smooth piece (the ordinary user gradient); ``cross_check(Equation, Equation)`` checks the result
    against ``sympy.diff`` and a central difference of the whole loss, at random points.  With
    ``first`` (the first derivative, by pieces), ``derive_piece`` differentiates twice and the result
    is the second derivative: at a kink it exists only where the first does and the sides agree."""
    pieces = []
    split = _split(nested_two_way(rhs), variable, ())
    if len(split) > MAX_PIECES:
        raise DeriveError(f"the loss splits into more than {MAX_PIECES} pieces at its kinks (max, min, |u|, cases): derive "
                          f"derives at most {MAX_PIECES}, each step by step; differentiate it in parts")
    for loss, choices in split:
        if _plain(sp.And(*(choice.condition for choice in choices))) is sp.false:
            continue  # no point lies on it (x > 1 and x < −1 in |x − 1| + |x + 1|): not a piece
        if _depends(loss, variable):
            derivation = derive_piece(Equation(lhs, loss))
            _refuse_coupled(derivation.result.rhs, choices)
            pieces.append(Piece(loss, choices, derivation, derivation.result.rhs))
        else:
            pieces.append(Piece(loss, choices, None, sp.S.Zero))
    from .kink_sides import kinks_between
    from .piecewise_forms import clamped

    kinks = tuple(kinks_between(pieces, variable))
    derivative = sp.Derivative(lhs, variable)
    if first is not None:
        kinks = _where_the_first_exists(kinks, first.kinks)
        derivative = sp.Derivative(lhs, (variable, 2))
    assembled = _assembled(pieces, kinks, variable)
    collapse = None
    if first is None and isinstance(assembled, sp.Piecewise) and kinks and all(kink.exists for kink in kinks):
        collapse = clamped(assembled, [piece.derivative for piece in pieces], variable)
    result = Equation(derivative, collapse.form if collapse is not None else assembled)
    checks = cross_check(Equation(lhs, rhs), result)
    gradient = PiecewiseGradient(Equation(lhs, rhs), variable, tuple(pieces), kinks, result, checks, model, collapse)
    if collapse is not None and not _checker_proves(gradient.collapse_certificate()):  # the checker alone decides it
        return replace(gradient, collapse=None, result=Equation(derivative, assembled))
    return gradient


def _plain(condition: sp.Basic) -> sp.Basic:
    """A condition on one plain symbol said simply (x > −1 and x > 1 is x > 1; x > 1 and x < −1 is
    false); a condition on several symbols as it stands (its emptiness is not decided)."""
    if len(condition.free_symbols) != 1 or not isinstance(condition, sp.And) or not may_simplify(condition):
        return condition
    return sp.simplify(condition)


def _where_the_first_exists(kinks: tuple[Kink, ...], first: tuple[Kink, ...]) -> tuple[Kink, ...]:
    """A second derivative's kinks, each marked where the first derivative does not exist at the same
    point (the hinge's y z = 1: both one-sided second derivatives are 0, yet there is none there)."""
    missing = {kink.boundary for kink in first if not kink.exists}
    undecided = {kink.boundary for kink in first if not kink.decided}
    return tuple(replace(kink, exists=False, below_exists=False, decided=kink.boundary not in undecided)
                 if kink.boundary in missing else kink for kink in kinks)


def _refuse_coupled(derivative: sp.Basic, choices: tuple[Branch, ...]) -> None:
    """A piece takes one branch for every sample at once (its loss has the kink of sample i replaced
    for all i), which is the derivative's only where that derivative reads sample j alone: a sum of
    the kinks' arrays left in it (√(mean of max(0, 1 − y z)²)) would read the other samples on the
    same branch, which they need not be.  Refused, naming why."""
    arrays = {atom.base for choice in choices if choice.mapped_node != choice.node
              for atom in choice.node.atoms(sp.Indexed)}
    for total in derivative.atoms(sp.Sum):
        if any(atom.base in arrays for atom in total.function.atoms(sp.Indexed)):
            raise DeriveError("the derivative by one sample reads every sample's kink (the loss is not a sum of "
                              "one term per sample: a function of the sum, say): derive splits a loss whose kinks "
                              "each move with one sample's term only")


def _depends(expr: sp.Basic, variable: sp.Basic) -> bool:
    return expr.has(variable) or (isinstance(variable, sp.Indexed) and expr.has(variable.base))


def _split(expr: sp.Basic, variable: sp.Basic, choices: tuple) -> list[tuple[sp.Basic, tuple[Branch, ...]]]:
    node = first_kink(expr, variable)
    if node is None:
        return [(expr, choices)]
    out = []
    for branch in branches_of(node, variable):
        out.extend(_split(expr.xreplace({node: branch.value}), variable, (*choices, branch)))
        if len(out) > MAX_PIECES:  # stop counting: twenty kinks would be a million pieces
            return out
    return out


def _assembled(pieces: list[Piece], kinks: tuple[Kink, ...], variable: sp.Basic) -> sp.Basic:
    """The pieces' derivatives as one Piecewise, PyTorch's value first at each kink PyTorch takes
    the mean of its sides at (``torch.maximum``, ``torch.abs``); every other kink's boundary lies
    in the piece whose branch PyTorch takes there (the closed side).  Where every kink's sides agree
    the rows are merged into one expression when substituting a branch back reproduces each piece."""
    if all(kink.exists for kink in kinks):
        merged = _merged(pieces, variable)
        if merged is not None:
            return merged
    rows = [(kink.torch_value, kink.boundary) for kink in kinks
            if not kink.exists and kink.torch_rule.startswith(("torch.maximum", "torch.minimum", "torch.abs"))]
    rows += [(piece.derivative, piece.condition) for piece in pieces[:-1]]
    rows.append((pieces[-1].derivative, sp.true))
    return sp.Piecewise(*rows)


def _merged(pieces: list[Piece], variable: sp.Basic) -> sp.Basic | None:
    """One expression for every piece: a piece's derivative with one of its branches' values written
    back as the kink it came from (2 (1 − y z)(−y) -> 2 max(0, 1 − y z)(−y)), kept when putting each
    piece's branches into it gives that piece's derivative again."""
    from .kink_sides import is_zero, simpler

    stand_in, value = sp.Dummy("u", real=True), sp.Dummy("v", real=True)
    for piece in pieces:
        for choice in piece.choices:
            try:
                solved = sp.solve(choice.mapped_value.xreplace({variable: value}) - stand_in, value)
            except (NotImplementedError, ValueError):
                continue
            if len(solved) != 1:
                continue
            candidate = simpler(piece.derivative.xreplace({variable: solved[0]})).xreplace({stand_in: choice.mapped_node})
            if candidate.has(value) or candidate.has(sp.Dummy):
                continue
            if all(is_zero(_taking(candidate, other) - other.derivative) for other in pieces):
                return sp.factor_terms(candidate)
    return None


def _taking(expr: sp.Basic, piece: Piece) -> sp.Basic:
    for choice in piece.choices:
        expr = expr.xreplace({choice.mapped_node: choice.mapped_value})
    return expr


def as_derivation(gradient: PiecewiseGradient) -> Derivation:
    """A Derivation the kernels read (the loss as given, its differentiation, the assembled result),
    built from a piece's own steps, with the whole loss and the Piecewise result put in."""
    source = gradient.derivations[0] if gradient.derivations else None
    if source is None:
        raise DeriveError("the loss is constant in the variable on every piece: nothing to compile")
    given, differentiated, last = source.steps[0], source.steps[1], source.steps[-1]
    steps = (replace(given, equation=gradient.loss),
             replace(differentiated, equation=Equation(gradient.result.lhs,
                                                       sp.Derivative(gradient.loss.rhs, *gradient.result.lhs.variable_count))),
             replace(last, equation=gradient.result, rule="derivative_by_pieces",
                     verification=Verification(method="numeric", detail="each piece derived and verified on its own; "
                                               "the whole checked against sympy.diff and a central difference")))
    models = (source.models[0], source.models[1], source.models[-1]) if len(source.models) >= 2 else source.models
    return Derivation(f"{source.name}-piecewise", source.title, steps, gradient.cross_checks, models)
