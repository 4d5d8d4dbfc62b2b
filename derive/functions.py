"""Functions SymPy lacks. Each knows its derivative and rewrites itself into SymPy built-ins
(JSON export and numeric evaluation use that form)."""
from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.concrete.expr_with_limits import ExprWithLimits


class sigmoid(sp.Function):  # noqa: N801 - named as written in the series
    """The logistic sigmoid ``σ(z) = 1 / (1 + e^{-z})``."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Basic:
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


class softmax(sp.Function):  # noqa: N801 - named as the literature writes it
    """One component of softmax, ``softmax(z)_j = e^{z_j} / Σ_m e^{z_m}``: the arguments are the
    logit ``z_j`` and the sum ``Σ_m e^{z_m}`` over its row (which binds its own index)."""

    nargs = 2

    def _eval_rewrite_as_exp(self, component, total, **kwargs):
        return sp.exp(component) / total

    def fdiff(self, argindex=1):
        """By the logit: the softmax itself; by the row's sum: ``-e^{z_j}/S²`` (so SymPy can
        evaluate a derivative of it, as the checks at random points do)."""
        component, total = self.args
        return self if argindex == 1 else -sp.exp(component) / total ** 2

    def _eval_is_positive(self):
        return self.args[0].is_real

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return (sp.exp(self.args[0]) / self.args[1])._eval_evalf(prec)

    def vector_and_component(self) -> tuple[sp.Basic, sp.Basic] | None:
        """``((z − m t)/T, k)`` for softmax((z − m t)/T)_k, as a person writes it: the sum's exponent
        with each component along its index written as the whole vector, and the component's index;
        None where the logit is not one term of the sum (printed then as its definition)."""
        component, total = self.args
        if not (isinstance(total, sp.Sum) and len(total.limits) == 1 and isinstance(total.function, sp.exp)):
            return None
        index, term = total.limits[0][0], total.function.args[0]
        value = sp.Wild("value", properties=[lambda v: v.is_integer is True and not v.has(index)])
        found = component.match(term.xreplace({index: value}))
        if not found or value not in found:
            return None
        vectors = {a: (a.base[a.indices[:-1]] if len(a.indices) > 1 else sp.Symbol(str(a.base.label)))
                   for a in term.atoms(sp.Indexed) if a.indices[-1] == index}
        if term.xreplace(vectors).has(index):
            return None
        return term.xreplace(vectors), found[value]


class _WeightedLog(sp.Function):
    """``x log(a(y))`` with the limit ``0 log 0 = 0``: a term whose weight is 0 contributes 0.  The
    two kinds below differ only in ``a``, the logarithm's argument."""

    nargs = 2

    @staticmethod
    def _logarithm_of(y: sp.Basic) -> sp.Basic:
        raise NotImplementedError

    @classmethod
    def eval(cls, x, y):
        if x.is_zero:
            return sp.S.Zero

    def _eval_rewrite_as_log(self, x, y, **kwargs):
        return x * sp.log(self._logarithm_of(y))

    def _eval_evalf(self, prec):
        x, y = self.args
        return sp.S.Zero if x.is_zero else (x * sp.log(self._logarithm_of(y)))._eval_evalf(prec)

    def _eval_is_real(self):
        return self.args[0].is_real and self._logarithm_of(self.args[1]).is_positive


class xlogy(_WeightedLog):  # noqa: N801 - the name SciPy and PyTorch use
    """``x log y`` with the limit ``0 log 0 = 0``: a term whose weight is 0 contributes 0."""

    @staticmethod
    def _logarithm_of(y):
        return y


class xlog1py(_WeightedLog):  # noqa: N801 - the name SciPy and PyTorch use
    """``x log(1 + y)`` with the limit ``0 log 0 = 0``: the ``xlogy`` of a complement (``(1 - t) log(1 - y)``)
    written so that a kernel computes ``log1p(y)``, keeping the digits ``log(1 + y)`` loses when y is tiny."""

    @staticmethod
    def _logarithm_of(y):
        return 1 + y


class Maximum(ExprWithLimits):
    """``max_{l=a}^{b} f(l)``, the largest term of a finite family (as ``Sum`` is its total)."""

    def doit(self, **hints):
        function = self.function.doit(**hints) if hints.get("deep", True) else self.function
        (variable, lower, upper), = self.limits
        if (upper - lower).is_Integer:
            terms = [function.xreplace({variable: sp.Integer(v)}) for v in range(int(lower), int(upper) + 1)]
            return sp.Max(*terms, evaluate=False)  # comparing symbolic terms pairwise is slow; numbers compare when put in
        return self.func(function, *self.limits)

    def _eval_is_real(self):
        return self.function.is_real


OWN_FUNCTIONS = (sigmoid, softmax, xlogy, xlog1py, Maximum)
BINDERS = (sp.Sum, sp.Product, Maximum)  # what binds an index over a range
PLAIN_FORMS = {  # what each function is in SymPy's own terms (the numeric value it stands for)
    sigmoid: lambda e: 1 / (1 + sp.exp(-e.args[0])),
    softmax: lambda e: sp.exp(e.args[0]) / e.args[1],
    xlogy: lambda e: e.args[0] * sp.log(e.args[1]),
    xlog1py: lambda e: e.args[0] * sp.log(1 + e.args[1]),
    log1p: lambda e: sp.log(1 + e.args[0]),
    expm1: lambda e: sp.exp(e.args[0]) - 1,
}


def canonical_indices(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every summation index renamed in order of appearance, so two expressions that
    differ only in the names of their bound indices become the same."""
    names = iter(sp.numbered_symbols("_bound", integer=True))

    def rename(node: sp.Basic) -> sp.Basic:
        if not node.args or isinstance(node, (sp.Indexed, sp.IndexedBase)):
            return node
        if isinstance(node, BINDERS):
            function = node.function
            limits = []
            for variable, *bounds in node.limits:
                fresh = next(names)
                function = function.xreplace({variable: fresh})
                limits.append((fresh, *(rename(b) for b in bounds)))
            return node.func(rename(function), *limits)
        return node.func(*(rename(a) for a in node.args))

    return rename(expr)


def plain(expr: sp.Basic) -> sp.Basic:
    """``expr`` with our functions and SymPy's codegen functions (log1p, expm1) written out:
    the form a symbolic proof simplifies.  A ``Maximum`` stays (it is carried out at concrete sizes)."""
    return expr.replace(lambda e: type(e) in PLAIN_FORMS, lambda e: PLAIN_FORMS[type(e)](e))


def as_builtins(expr: sp.Basic) -> sp.Basic:
    """The same expression written with SymPy's built-in functions only (a ``Maximum`` over a
    symbolic range becomes the undefined function ``Maximum(f, (l, a, b))``)."""
    written = plain(expr)
    return written.replace(lambda e: isinstance(e, Maximum),
                           lambda e: sp.Function("Maximum")(e.function, sp.Tuple(*e.limits[0])))
