"""The deterministic numeric second opinion: both sides at random points inside the declared model, seeded from a SHA-256 of the certificate's
content (never ``hash()``).  Sizes start at their least (1, or 2 classes), so sums of one term and empty ranges are drawn; mpmath, 50 digits."""
import hashlib
import random
from functools import lru_cache

import mpmath
import sympy as sp

from .expressions import Maximum, definitions, once
from .matrices import scalar

DIGITS, WORK = 50, 10_000  # mpmath's digits; the most terms the sums of one side may be written out to
ROW_FACTS = {"probability": "probabilities_sum_to_one", "label": "labels_sum_to_one", "target": "labels_sum_to_one"}


class Refused(Exception):
    """A step (or statement) the checker refuses, with the reason."""


def rng_for(*parts: str) -> random.Random:
    return random.Random(int(hashlib.sha256("\x00".join(parts).encode()).hexdigest(), 16))


def size_choices(model, exprs, rng: random.Random) -> list[dict]:
    """Sizes at their least, then 2, 3, then drawn up to 5; free indices at the ends of their ranges, then drawn."""
    present, choices = [sp.Symbol(name, integer=True, positive=True) for name in sorted(model.minimum)], []
    free = [ix for ix in model.indices if isinstance(ix, sp.Symbol) and any(e.has(ix) for e in exprs)]
    for attempt in range(4):
        sizes = {s: sp.Integer(max(model.minimum[s.name], (1, 2, 3, rng.randint(2, 5))[attempt])) for s in present}
        for ix in free:
            lo, hi = (int(b.xreplace(sizes)) if b.xreplace(sizes).is_Integer else 3 for b in model.indices[ix])
            if hi < lo:
                break
            sizes[ix] = sp.Integer((hi, lo)[attempt] if attempt < 2 else rng.randint(lo, hi))  # its ends first
        else:
            sizes in choices or choices.append(sizes)
    return choices or [{}]


@lru_cache(maxsize=512)  # a step's old side was the one before's new one
def concrete(expr: sp.Basic, model, sizes: tuple) -> sp.Basic:
    """``expr`` at these sizes (sorted pairs): definitions written out; sums, products, maxima, derivatives, limits done."""
    known, given = {s: v for s, v in sizes if s.name in model.minimum}, dict(sizes)
    indices = {s: v for s, v in given.items() if s not in known}  # free indices: a bound one of that name stays
    return _written(definitions(model.written(scalar(expr, model.entries).xreplace(known))).xreplace(known), {**indices, None: [WORK]})


def _written(expr: sp.Basic, env: dict) -> sp.Basic:
    """``expr``, ``env`` put for its free indices, each sum, product, maximum over whole-number ends written out term
    by term (an empty sum is 0, product 1: never SymPy's reversed ranges), then derivatives and limits carried out."""
    if isinstance(expr, sp.Indexed):
        return once((expr.base, indices := tuple(_written(ix, env) for ix in expr.indices)), lambda: expr.base[indices])
    if expr.is_Atom or isinstance(expr, sp.IndexedBase):
        return env.get(expr, expr)
    if isinstance(expr, (sp.Sum, sp.Product, Maximum)):
        *inner, (variable, lower, upper) = expr.limits
        body, (lower, upper) = expr.func(expr.function, *inner) if inner else expr.function, (_written(b, env) for b in (lower, upper))
        if not (lower.is_Integer and upper.is_Integer):
            raise Refused(f"a sum whose ends are not whole numbers at these sizes: {lower}, {upper}")
        env[None][0] -= max(int(upper) - int(lower) + 1, 0)  # a bound on the work, never on the clock
        if env[None][0] < 0:
            raise Refused(f"its sums are too long to write out at these sizes (over {WORK} terms)")
        terms = [_written(body, {**env, variable: sp.Integer(k)}) for k in range(int(lower), int(upper) + 1)]
        return {sp.Sum: sp.Add, sp.Product: sp.Mul}.get(type(expr), sp.Max)(*terms) if terms or expr.func != Maximum else expr
    done = expr.func(*(_written(a, env) for a in expr.args))
    return done.doit() if isinstance(done, (sp.Derivative, sp.Limit)) else done


def draw(expr: sp.Basic, model, sizes: dict, rng: random.Random, n: int = 0) -> dict:
    """Values inside the model for each symbol and component of ``expr``: a row on the simplex where the model says it sums to one."""
    pick = lambda width: n - 1 if 0 < n <= width else rng.randrange(width)  # noqa: E731 - labels: each value in turn past point 0
    count = model.class_count().xreplace(sizes)  # each class index first, then what is indexed by its value (agree puts both)
    values = {a: sp.Integer(pick(int(count)) + 1) for a in sorted(_leaves(expr), key=sp.default_sort_key) if model.domain(a) == "class" and count.is_Integer}
    leaves = sorted(_leaves(expr.xreplace(values)), key=sp.default_sort_key)
    for atom in (a for a in leaves if a not in values and not (isinstance(a, sp.Symbol) and a.is_integer)):  # a row: at once
        domain = model.domain(atom)
        if not (isinstance(atom, sp.Indexed) and ROW_FACTS.get(domain) in model.facts and count.is_Integer):
            values[atom] = sp.Integer(pick(2)) if domain == "label" else sp.Float(rng.uniform(*RANGES.get(domain, (-2, 2))), 60)
            continue
        width = max([int(count)] + [int(a.indices[-1]) for a in leaves if isinstance(a, sp.Indexed)
                                    and a.base == atom.base and a.indices[-1].is_Integer])
        if domain == "label" and "one_hot_labels" in model.facts:
            shares = (lambda hot: [sp.Integer(int(k == hot)) for k in range(width)])(pick(width))
        else:
            weights = [rng.uniform(0.05, 1.0) for _ in range(width)]
            shares = [sp.Float(w, 60) / sp.Float(sum(weights), 60) for w in weights]
            shares[-1] = 1 - sum(shares[:-1])
        values.update(zip((atom.base[atom.indices[:-1] + (k,)] for k in range(1, width + 1)), shares))
    return values


def _leaves(expr: sp.Basic) -> set:
    """The array components and scalar symbols in ``expr`` (not the names of its arrays), and those indexing a component (ℓ_i)."""
    return {expr}.union(*map(_leaves, getattr(expr, "indices", ()))) if isinstance(expr, (sp.Indexed, sp.Symbol)) else set().union(*map(_leaves, expr.args))


RANGES = {"probability": (0.02, 0.98), "unit": (0.05, 0.95), "target": (0.0, 1.0), "positive": (0.5, 2.0),
          "nonnegative": (0.0, 2.0)}  # where each domain is drawn (floats: exact powers of rationals grow without bound)


def agree(before: sp.Basic, after: sp.Basic, model, rng: random.Random, points: int = 2) -> tuple[int, float]:
    """Points (``points`` per size choice) where both sides agree, and their largest relative gap; :class:`Refused` where they differ."""
    worst, count, floats = 0.0, 0, [f for e in (before, after) for f in e.atoms(sp.Float)]  # a decimal written: 15 digits
    tolerance = mpmath.mpf(10) ** -(min(f._prec for f in floats) * 0.30103 - 3) if floats else mpmath.mpf("1e-30")
    for sizes in size_choices(model, (before, after), rng)[:points + 1]:
        a, b = (concrete(side, model, tuple(sorted(sizes.items(), key=str))) for side in (before, after))
        for n in range(points):
            values = draw(sp.Tuple(a, b), model, sizes, rng, n)
            va, vb = (_value(side.xreplace(values).xreplace(values)) for side in (a, b))
            if (va is None) != (vb is None):
                raise Refused("at a random point one side has a value and the other has none")
            if va is None:
                continue
            gap = abs(va - vb) / max(1, abs(va), abs(vb))
            if gap > tolerance:  # exact inputs agree far past 1e-30
                raise Refused(f"the two sides differ at a random point ({', '.join(f'{k}={v}' for k, v in sizes.items())}): "
                              f"{mpmath.nstr(va, 12)} against {mpmath.nstr(vb, 12)}")
            worst, count = max(worst, float(gap)), count + 1
    if count == 0:
        raise Refused("no random point gave both sides a value")
    return count, worst


def _value(expr: sp.Basic):
    """The number ``expr`` is (mpmath, 50 digits), or ``None`` where it has no finite real value."""
    try:
        number = sp.N(expr, DIGITS)
    except (TypeError, ValueError, ZeroDivisionError, RecursionError):
        return None
    return mpmath.mpf(sp.Float(number, DIGITS)._mpf_) if isinstance(number, sp.Number) and number.is_finite else None
