"""``reduction`` and batching for a user's kernel (the semantics every backend shares, issue 31):

- a loss over samples (each term a multiple of a sum over i = 1..N, all with 1/N in front or none):
  ``reduction=None`` is the loss as written, ``"mean"`` (1/N) Σ_i ℓ_i, ``"sum"`` Σ_i ℓ_i, ``"none"``
  the vector of ℓ_i, where ℓ_i is the sum's term with 1/N taken off (as :func:`.codegen.per_sample`
  takes it); the gradient is that of the reduction chosen (of Σ_i ℓ_i for ``"none"``);
- a one-sample loss given with one extra leading axis on every array (a scalar as a 1-D array is
  batched too; a number is shared by every row) is a batch of rows: None or ``"mean"`` their mean,
  ``"sum"`` their sum, ``"none"`` the row losses; the gradient has the batched input's shape.

Which losses are over samples, and their ℓ_i, the kernel IR says (:func:`.ir.over_samples`, read by
every backend); here: the generated functions that fill ℓ_i for every sample and run the
one-sample kernels over the rows of a batch.
"""
from __future__ import annotations

import sympy as sp

from .user_printer import Emitter, local

SAMPLE = sp.Symbol("i_sample", integer=True, positive=True)  # ℓ_i's index in the generated rows function


def rows_source(samples, arrays: dict, arguments: list[str], unpack: list[str], decorator: str) -> list[str]:
    """``rows(arguments, out)``: ``out[i - 1] = ℓ_i`` for every sample i (``samples``: the kernel
    IR's, :class:`.ir.Samples`; its index is renamed to one no user's symbol can be)."""
    emitter = Emitter(arrays)
    indent = "        "
    lines = [decorator, f"def rows({', '.join(arguments + ['out'])}):"] + unpack
    lines.append(f"    for {local(SAMPLE)} in range(1, {local(samples.size)} + 1):")
    body: list[str] = []
    value = emitter.statement_value(samples.term.xreplace({samples.index: SAMPLE}), body, indent)
    return lines + body + [f"{indent}out[{local(SAMPLE)} - 1] = {value}", "", ""]


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
