"""``reduction`` and batching for a user's kernel (the semantics every backend shares, issue 31):

- a loss over samples (each term a multiple of a sum over i = 1..N, all with 1/N in front or none):
  ``reduction=None`` is the loss as written, ``"mean"`` (1/N) Σ_i ℓ_i, ``"sum"`` Σ_i ℓ_i, ``"none"``
  the vector of ℓ_i, where ℓ_i is the sum's term with 1/N taken off (as :func:`.codegen.per_sample`
  takes it); the gradient is that of the reduction chosen (of Σ_i ℓ_i for ``"none"``);
- a one-sample loss given with one extra leading axis on every array (a scalar as a 1-D array is
  batched too; a number is shared by every row) is a batch of rows: None or ``"mean"`` their mean,
  ``"sum"`` their sum, ``"none"`` the row losses; the gradient has the batched input's shape.

Here: which losses are over samples and their ℓ_i, and the generated functions that fill ℓ_i for
every sample and run the one-sample kernels over the rows of a batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import conventions as c
from .user_printer import Emitter, local

REDUCTIONS = (None, "mean", "sum", "none")


@dataclass(frozen=True)
class Samples:
    """A loss ``(1/N) Σ_i ℓ_i`` (``mean``) or ``Σ_i ℓ_i`` (not): ``row`` is ℓ_i at ``index``."""

    index: sp.Symbol
    size: sp.Symbol
    mean: bool
    row: sp.Basic


SAMPLE = sp.Symbol("i_sample", integer=True, positive=True)  # ℓ_i's index in the generated rows function


def over_samples(loss: sp.Basic, sizes: set) -> Samples | None:
    """The loss's samples where it is a loss over samples (every term a multiple of a sum whose
    outermost index runs from 1 to N, the multiples all divided by N or none), else ``None``."""
    if c.N not in sizes:
        return None
    rows, means = [], set()
    for term in sp.Add.make_args(sp.expand_mul(loss, deep=False)):
        factors = sp.Mul.make_args(term)
        sums = [f for f in factors if isinstance(f, sp.Sum) and f.limits[-1][1:] == (1, c.N)]
        if len(sums) != 1:
            return None
        (total,) = sums
        coefficient = sp.Mul(*(f for f in factors if f is not total))
        scaled = sp.expand_mul(coefficient * c.N)
        if not coefficient.has(c.N):
            means.add(False)
        elif not scaled.has(c.N):
            means.add(True)
            coefficient = scaled
        else:
            return None  # 1/(N - 1), N²...: neither a mean nor a sum over the samples
        variable = total.limits[-1][0]
        body = total.function if len(total.limits) == 1 else sp.Sum(total.function, *total.limits[:-1])
        if coefficient.has(variable):
            return None
        rows.append(coefficient * body.xreplace({variable: SAMPLE}))
    if len(means) != 1:
        return None
    return Samples(SAMPLE, c.N, means.pop(), sp.Add(*rows))


def rows_source(samples: Samples, arrays: dict, arguments: list[str], unpack: list[str], decorator: str) -> list[str]:
    """``rows(arguments, out)``: ``out[i - 1] = ℓ_i`` for every sample i."""
    emitter = Emitter(arrays)
    indent = "        "
    lines = [decorator, f"def rows({', '.join(arguments + ['out'])}):"] + unpack
    lines.append(f"    for {local(samples.index)} in range(1, {local(samples.size)} + 1):")
    body: list[str] = []
    value = emitter.statement_value(samples.row, body, indent)
    return lines + body + [f"{indent}out[{local(samples.index)} - 1] = {value}", "", ""]


def batch_source(arguments: list[str], decorator: str, indices: int) -> list[str]:
    """Functions over the rows of a batch (every argument one more leading axis: an array's rows,
    a scalar's or an index's one value per row): ``loss_batch(arguments, out)``,
    ``grad_batch(arguments, G)`` (``G[b]`` the row's gradient: its own shape, or one entry for a
    number) and ``domain_batch(rows, arguments)`` (the first row where a requirement is broken)."""
    at = ", ".join(f"{a}[b]" for a in arguments)
    reported = ", ".join(f"found[{n}]" for n in range(indices + 1))
    return [decorator, f"def loss_batch({', '.join(arguments + ['out'])}):",
            "    for b in range(out.shape[0]):", f"        out[b] = loss({at})", "", "",
            decorator, f"def grad_batch({', '.join(arguments + ['G'])}):",
            "    for b in range(G.shape[0]):", f"        grad({at}, G[b])", "", "",
            decorator, f"def domain_batch({', '.join(['rows'] + arguments)}):",
            "    for b in range(rows):", f"        found = domain({at})",
            "        if found[0] >= 0:", f"            return b, {reported}",
            f"    return -1, -1, {', '.join(['0'] * indices)}", ""]
