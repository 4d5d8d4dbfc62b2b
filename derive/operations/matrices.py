"""Matrix forms of component results: gradients as matrices of the variable's shape (∇_Z E, and
∇_W E from its components derived in index form through Z = XW), and the Hessian as a matrix."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from .. import vector_forms as vf
from ..index_to_matrix import to_matrix
from ..models import categorical
from ..steps import Check, CheckKind, Equation
from .base import Outcome
from .registry import Example, operation


def _components_of(lhs: sp.Basic):
    """``(variables, indices)`` of ∂E/∂z_ik or ∂²E/∂z_k∂z_m."""
    variables: list[sp.Basic] = []
    while isinstance(lhs, sp.Derivative):  # SymPy merges ∂/∂z_m ∂/∂z_k into one Derivative
        variables = list(lhs.variables) + variables
        lhs = lhs.expr
    return lhs, variables


@operation("gradient_as_matrix", checks=CheckKind.DERIVATIVES, example=Example(
    rule="gradient_as_matrix", model=categorical().with_link("softmax"),
    before="Derivative(E, z[i, k]) = (y[i, k] - t[i, k])/N",
    arguments={"loss": "E = -Sum(t[i, k]*log(y[i, k]), (k, 1, K), (i, 1, N))/N"},
    after=Equation(vf.gradient_symbol("Z", (c.N, c.K)), (vf.stacked(c.y) - vf.stacked(c.t)) / c.N)))
def _gradient_as_matrix(rule, equation, model, arguments):
    """Components written as one matrix: ``∂E/∂z_ik = f_ik`` as ``∇_Z E = F`` (the gradient, of
    the shape of ``Z``), and ``∂²E/∂z_k∂z_m = h_km`` as the Hessian ``H``; each component of the
    matrix is checked as the derivative of ``arguments["loss"]`` afresh."""
    loss_symbol, variables = _components_of(equation.lhs)
    if not variables or not all(isinstance(v, sp.Indexed) for v in variables):
        return None
    if len(variables) == 1 and len(variables[0].indices) == 2:
        base = variables[0].base
        row, col = variables[0].indices
        lhs = vf.gradient_symbol(vf.stacked(base).name, vf.stacked(base).shape, str(loss_symbol))
        bases = (base,)
    elif len(variables) == 2 and all(len(v.indices) == 1 for v in variables) and variables[0].base == variables[1].base:
        row, col = variables[0].indices[0], variables[1].indices[0]
        lhs = vf.hessian_symbol()
        bases = (variables[0].base, variables[1].base)
    else:
        return None
    rhs = to_matrix(equation.rhs, row, col)
    loss = arguments["loss"]
    return Outcome(Equation(lhs, rhs), Check("derivatives", definitions={loss.lhs: loss.rhs}, variables=bases))

