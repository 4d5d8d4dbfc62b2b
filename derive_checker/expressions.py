"""Read an expression from its JSON tree ``[head, *children]`` (numbers and names strings) into SymPy: a whitelist of heads, never eval or
sympify.  What a symbol may be (positive, real, an index, a size) and a matrix's shape come only from the model declaration (``Scope``),
never from a name.  Functions SymPy lacks (``sigmoid``, ``softmax``, ``xlogy``...) are undefined functions known by their definitions."""
import sympy as sp
from sympy.concrete.expr_with_limits import ExprWithLimits
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction


class Malformed(ValueError):
    """A tree the checker refuses: an unknown head, a wrong arity, a name or number it cannot read."""


class Maximum(ExprWithLimits):
    """``max_{l=a}^{b} f(l)``; written out term by term (:func:`numeric.concrete`) where its ends are whole numbers."""
    _eval_is_real = _eval_is_extended_real = lambda self: self.function.is_real  # noqa: E731 - a largest real term is real


DEFINITIONS: dict = {"sigmoid": lambda a: 1 / (1 + sp.exp(-a)), "softmax": lambda a, s: sp.exp(a) / s,  # what each own function is (its def- axiom)
    "xlogy": lambda a, b: a * sp.log(b) if b.is_positive else sp.Piecewise((0, sp.Eq(a, 0)), (a * sp.log(b), True)),  # b > 0: 0 log b = 0
    "xlog1py": lambda a, b: sp.Piecewise((0, sp.Eq(a, 0)), (a * sp.log(1 + b), True)),
    "log1p": lambda a: sp.log(1 + a), "expm1": lambda a: sp.exp(a) - 1}
OWN = {name: sp.Function(name) for name in DEFINITIONS}
_ARITY = {name: function.__code__.co_argcount for name, function in DEFINITIONS.items()}
_NARY = {"Add": sp.Add, "Mul": sp.Mul, "Max": sp.Max, "Min": sp.Min, "MatMul": sp.MatMul, "MatAdd": sp.MatAdd, "And": sp.And, "Or": sp.Or}
_UNARY = {name: getattr(sp, name) for name in ("log", "exp", "Abs", "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh")}
_CONSTANTS = {"Exp1": sp.E, "Pi": sp.pi, "Infinity": sp.oo, "NegativeInfinity": -sp.oo, "BooleanTrue": sp.true}
_BINDERS = {"Sum": sp.Sum, "Product": sp.Product, "Maximum": Maximum}
_FORMS: dict = {  # each head read from its parts: how many there are (or whether they fit), and what they make
    "Pow": (2, sp.Pow), "KroneckerDelta": (2, sp.KroneckerDelta), "Limit": (3, lambda e, x, a: sp.Limit(e, x, a, "+-")), "Heaviside": (2, sp.Heaviside),
    **{name: (2, getattr(sp, name)) for name in ("Eq", "Ne", "Lt", "Le", "Gt", "Ge")}, "Case": (2, sp.Tuple),  # cases
    **{name: (1, f) for name, f in _UNARY.items()}, **{name: (_ARITY[name], f) for name, f in OWN.items()},
    **{name: (1, f) for name, f in (("Transpose", sp.Transpose), ("Trace", sp.Trace), ("DiagMatrix", sp.DiagMatrix))},
    **{name: (lambda k, mat=name[:3] == "Mat": bool(k) and mat == any(x.is_Matrix for x in k), f) for name, f in _NARY.items()},
    **{name: (lambda k: len(k) == 2 and isinstance(k[1], sp.Tuple) and len(k[1]) == 3, f) for name, f in _BINDERS.items()},
    "Limits": (lambda k: len(k) == 3 and isinstance(k[0], sp.Symbol) and (bool(k[0].is_integer) or k[0].assumptions0 == {"commutative": True}),
               sp.Tuple), "Derivative": (lambda k: len(k) >= 2, sp.Derivative),  # a bound name: an index or declared nothing else
    "Piecewise": (lambda k: bool(k) and all(isinstance(c, sp.Tuple) and len(c) == 2 for c in k), sp.Piecewise)}
FLAGS = {"any": {}, "index": {"integer": True}, "nonnegative": {"nonnegative": True}, "class": {"integer": True, "positive": True},  # domains;
         **dict.fromkeys(["real", "label", "target", "unit"], {"real": True}), **dict.fromkeys(["positive", "probability"], {"positive": True}),
         "size": {"integer": True, "positive": True}}  # a class: an integer label's index 1..K (``Model.one_hot``)


class Scope:
    """What a model declares: scalars, arrays and their domains, fixed sizes, the shapes of matrices, a statement's wilds."""

    def __init__(self, symbols=None, arrays=None, fixed=None, wilds=None, shapes=None):
        self.symbols, self.arrays, self.fixed, self.wilds, self.shapes = (dict(d or {}) for d in (symbols, arrays, fixed, wilds, shapes))

    def symbol(self, name: str) -> sp.Basic:
        return sp.Integer(self.fixed[name]) if name in self.fixed else sp.Symbol(name, **FLAGS[_domain(self.symbols.get(name, "any"))])

    def array(self, name: str) -> sp.IndexedBase:
        return once(("array", name, domain := _domain(self.arrays.get(name, "any"))), lambda: sp.IndexedBase(name, **FLAGS[domain]))


def once(key, make, made: dict = {}):  # noqa: B006 - arrays and components made once a process (SymPy deduces their assumptions afresh each time)
    return made[key] if key in made else made.setdefault(key, make()) if len(made) < 200_000 else make()  # a bound on memory


def _domain(declared) -> str:
    return declared if isinstance(declared, str) and declared in FLAGS else refuse(f"unknown domain {declared!r}")


def _name(value) -> str:
    ok = isinstance(value, str) and 0 < len(value) <= 64 and value[0] != "_"  # names from _ are the checker's own
    return value if ok else refuse(f"a name must be a short string not starting with _, not {value!r}")


def refuse(problem: str):
    raise Malformed(problem)


def read(tree, scope: Scope, at=None, put=None) -> sp.Basic:
    """The SymPy expression ``tree`` stands for (``put`` in place of the part at ``at``, a path :func:`subtree` accepted)."""
    if at is not None and len(at) == 0:
        return put
    (not isinstance(tree, list) or not tree or not isinstance(tree[0], str)) and refuse(f"not an expression tree: {str(tree)[:60]}")
    head, args = tree[0], tree[1:]

    def sub(position, child):
        here = at is not None and at[0] == position
        return read(child, scope, at[1:] if here else None, put if here else None)
    try:
        return _read(head, args, scope, sub)
    except (TypeError, ValueError, AttributeError, RecursionError, sp.SympifyError) as error:
        raise error if isinstance(error, Malformed) else Malformed(f"{head}: {error}") from None


def _read(head, args, scope, sub):
    if (head, len(args)) in (("Integer", 1), ("Rational", 2)):
        return sp.Rational(*map(_digits, args))  # of one argument: the Integer
    if head == "Float" and len(args) == 2:  # of 53 bits or more: the numeric check's tolerance (from the bits) at most 1e-13
        value = sp.Float(args[0], precision=args[1]) if isinstance(args[0], str) and len(args[0]) <= 40 and args[1] in range(53, 10_001) else None
        exact = value is not None and (value == 0 or 1e-300 < abs(value) < 1e300) and sp.Rational(str(value)) == sp.Rational(args[0])
        return value if exact else refuse(f"not a decimal of 53 bits or more as they hold it, in a double's range: {args!r}")  # exact
    if head in _CONSTANTS and not args:
        return _CONSTANTS[head]
    if head == "Symbol" and len(args) == 1:
        return scope.symbol(_name(args[0]))
    if head == "Wild" and len(args) == 1:
        return scope.wilds[args[0]] if args[0] in scope.wilds else refuse(f"the wild {args[0]!r} has no value")
    if head == "MatrixSymbol" and len(args) == 1:
        return sp.MatrixSymbol(args[0], *scope.shapes[args[0]]) if args[0] in scope.shapes else refuse(f"undeclared matrix {args[0]!r}")
    if head == "Elementwise" and len(args) == 2:
        return ElementwiseApplyFunction(_UNARY[args[0]], sub(1, args[1])) if args[0] in _UNARY else refuse(f"no function {args[0]!r}")
    if head == "Indexed" and len(args) >= 2:
        array, indices = scope.array(_name(args[0])), tuple(sub(n, a) for n, a in enumerate(args[1:], 1))
        return once((array, indices), lambda: array[indices])
    kids = [sub(n, a) for n, a in enumerate(args)]
    if head == "Pow" and len(kids) == 2 and kids[1].is_number and (abs(kids[1]) > 10_000 or kids[0].is_Rational and
            kids[1].is_Integer and abs(int(kids[1])) * max(abs(kids[0].p), kids[0].q).bit_length() > 10**5):
        raise Malformed("an exponent past 10000, or a power past 100000 bits")  # SymPy would carry out 10**(10**9) digit by digit
    fits, make = _FORMS.get(head, (None, None))
    if make and (fits(kids) if callable(fits) else len(kids) == fits):
        return make(*kids)
    raise Malformed(f"unknown head {head!r} with {len(args)} argument(s): the checker reads only "
                    "numbers, symbols, arrays, + * **, log, exp, sums, products, derivatives, limits, "
                    "Kronecker deltas, cases and the functions it knows by definition")


def _digits(text) -> int:
    return int(text) if isinstance(text, str) and text.lstrip("-").isdigit() and len(text) <= 400 else refuse(f"not a whole number: {str(text)[:40]!r}")


def subtree(tree, path):
    """The part of ``tree`` at ``path`` (child positions after the head)."""
    for position in path:
        if not isinstance(tree, list) or not isinstance(position, int) or not 0 <= position < len(tree) - 1:
            raise Malformed(f"the location {list(path)} is not inside the expression")
        tree = tree[position + 1]
    return tree


def definitions(expr: sp.Basic) -> sp.Basic:
    """``expr`` with each function the checker knows by definition written out (``Maximum`` stays)."""
    present = {type(e) for e in expr.atoms(sp.core.function.AppliedUndef)}  # a walk for each one absent saved
    for name, function in ((n, f) for n, f in OWN.items() if f in present):
        expr = expr.replace(lambda e, f=function: isinstance(e, sp.core.function.AppliedUndef) and e.func == f,
                            lambda e, n=name: DEFINITIONS[n](*e.args))
    return expr
