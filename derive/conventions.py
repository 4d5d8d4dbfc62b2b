"""The symbols every derivation shares, named as the series names them.

`t` labels, `y` predicted probabilities, `z` logits, `w` class weights (all ``IndexedBase``);
inputs `x` and weights `W` of a linear model; sample index `i`, class index `k`, feature index `d`;
sizes `N` (samples), `K` (classes) and `D` (features).
Quantities on the left of equations: `L` (likelihood), `E` (cross-entropy), `BCE`.
"""
from __future__ import annotations

import sympy as sp

t = sp.IndexedBase("t", real=True)
y = sp.IndexedBase("y", positive=True)
z = sp.IndexedBase("z", real=True)
w = sp.IndexedBase("w", positive=True)
# Inputs x_{id} and the weights W_{dk} of a linear model Z = XW (D input features).
x = sp.IndexedBase("x", real=True)
W = sp.IndexedBase("W", real=True)

i, k = sp.symbols("i k", integer=True)
# Further summation indices, in the order renaming uses them.
j, m, l, n, d = sp.symbols("j m l n d", integer=True)
DUMMY_INDICES = (j, m, l, n) + sp.symbols("p r s u v a b f g h", integer=True)  # a loss with options uses a dozen
N, K, D = sp.symbols("N K D", integer=True, positive=True)

# The options PyTorch's losses take, as the likelihoods with options name them: class weights w
# (above), a sample's mask c_i (0 where its label is ignore_index, else 1), smoothed labels
# q_ik = (1 - epsilon) t_ik + epsilon/K (label_smoothing), and positive weights rho_k (pos_weight).
# (Real, as the LaTeX reader makes a user's c_i or \epsilon: a printed step reads back as the same symbols.)
c_mask = sp.IndexedBase("c", real=True)
q = sp.IndexedBase("q", real=True)
rho = sp.IndexedBase("rho", real=True)
epsilon = sp.Symbol("epsilon", real=True)
# The focal loss's focusing parameter gamma (gamma = 0: cross-entropy with class weights).
focusing = sp.Symbol("gamma", nonnegative=True)


def smoothed_labels(expr: sp.Basic) -> sp.Basic:
    """``expr`` with each smoothed label written by its definition, q_ik = (1 - epsilon) t_ik + epsilon/K."""
    return expr.xreplace({a: (1 - epsilon) * t[a.indices] + epsilon / K for a in expr.atoms(sp.Indexed) if a.base == q})

# Integer class labels: ell_i in 1..K, the class of sample i, so that a one-hot label is the indicator
# t_ik = delta(k, ell_i) (the kernels' integer targets; the stable forms collapse sums by it).
ell = sp.IndexedBase("ell", integer=True, positive=True)

# The exponential moving average (series article 004): v_t = beta v_{t-1} + (1 - beta) theta_t of
# parameters theta_t at steps t, with v_0 where it starts; its bias-corrected form vhat_t; a
# sequence that stays at one value theta.
v = sp.IndexedBase("v", real=True)
theta = sp.IndexedBase("theta", real=True)
vhat = sp.IndexedBase(r"\hat{v}", real=True)
beta = sp.Symbol("beta", positive=True)
time = sp.Symbol("t", integer=True, positive=True)
theta_scalar = sp.Symbol("theta", real=True)

# The maximum-likelihood estimate of a die (the series' promised supplement): counts n_k of each
# face in n throws, the Lagrangian Lambda with multiplier lambda for sum_k y_k = 1, the estimate yhat.
counts = sp.IndexedBase("n", positive=True)
total = sp.Symbol("n", positive=True, integer=True)  # the number of throws (unlike the counts array n_k)
lam = sp.Symbol("lambda", real=True)
Lagrangian = sp.Symbol("Lambda", real=True)
yhat = sp.IndexedBase(r"\hat{y}", real=True)  # real, as the LaTeX reader makes \hat{y}_{j}
phat = sp.Symbol(r"\hat{p}", real=True)
successes = sp.Symbol("s", real=True)

L = sp.Symbol("L", positive=True)
E = sp.Symbol("E", real=True)
BCE = sp.Symbol("BCE", real=True)

# Labels and predictions once the subscript is dropped (series eq. 7.3).
t_scalar = sp.Symbol("t", real=True)
y_scalar = sp.Symbol("y", positive=True)

NAMES: dict[str, sp.Basic] = {
    "t": t, "y": y, "z": z, "w": w,
    "i": i, "k": k, "j": j, "m": m, "l": l, "n": n, "d": d, "N": N, "K": K, "D": D, "x": x, "W": W,
    "L": L, "E": E, "BCE": BCE,
}
# The options' names: in the catalogue's patterns like the rest, but in a user's LaTeX a bare c, q,
# \rho or \epsilon stays the user's own real symbol (q in (1 - y^q)/q), as before they had a meaning here.
OPTION_NAMES: dict[str, sp.Basic] = {"c": c_mask, "q": q, "rho": rho, "epsilon": epsilon, "gamma": focusing,
                                     # and the moving average's (v, theta, beta are a user's own too)
                                     "v": v, "theta": theta, "vhat": vhat, "beta": beta, "time": time,
                                     "theta_c": theta_scalar,
                                     # and the maximum-likelihood estimate's
                                     "counts": counts, "total": total, "lam": lam, "Lagrangian": Lagrangian,
                                     "yhat": yhat, "phat": phat, "successes": successes,
                                     "ell": ell}  # and the integer labels' classes
NAMES.update(OPTION_NAMES)

z_scalar = sp.Symbol("z", real=True)
w_scalar = sp.Symbol("w", positive=True)

SCALARS: dict[sp.IndexedBase, sp.Symbol] = {t: t_scalar, y: y_scalar, z: z_scalar, w: w_scalar}

LABELS = (t, t_scalar)
PREDICTIONS = (y, y_scalar)
SIZES = (N, K, D)
# The sizes an array's indices run up to, where the array fixes them.
SHAPES = {x: (N, D), W: (D, K), c_mask: (N,), rho: (K,), w: (K,), ell: (N,)}
