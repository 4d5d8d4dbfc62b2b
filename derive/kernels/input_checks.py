"""Input checks for the kernels: every problem is a ValueError that names it (a
:class:`~derive.errors.KernelInputError` for labels)."""
from __future__ import annotations

import numpy as np

from ..errors import KernelInputError

INT64 = np.iinfo(np.int64)  # PyTorch's labels, and the kernels' once checked


def as_targets(T) -> np.ndarray:
    """``T`` as an array, refusing labels that would silently become other numbers: a Python
    integer past int64 makes NumPy turn the whole list into float64 (2**63 becomes 9.2e18, and 1
    becomes 1.0) or into an array of objects; an unsigned 64-bit label past int64's largest would
    wrap around to a negative one where the kernels read labels as int64."""
    array = T if isinstance(T, np.ndarray) else np.asarray(T)
    if array.dtype.kind == "O" or (array.dtype.kind == "f" and isinstance(T, (list, tuple))):
        items = np.asarray(T, dtype=object).ravel() if array.dtype.kind == "f" else array.ravel()
        for item in items:
            if isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)) \
                    and not INT64.min <= int(item) <= INT64.max:
                raise KernelInputError(f"label {int(item)} is past int64 ({INT64.min} to {INT64.max}), the type of "
                                       "PyTorch's labels; NumPy would have turned it into another number")
        if array.dtype.kind == "O":
            raise KernelInputError("targets must be an array of numbers (integer labels or probabilities), "
                                   f"got an array of Python objects{_first_type(array)}")
    # int(): NumPy < 2 compares a uint64 with an int64 as float64, where 2**63 equals INT64.max.
    if array.dtype.kind == "u" and array.dtype.itemsize >= 8 and array.size and int(array.max()) > INT64.max:
        raise KernelInputError(f"label {int(array.max())} is past int64 ({INT64.max} at most), the type of "
                               "PyTorch's labels; read as int64 it would wrap around to a negative number")
    return array


def _first_type(array: np.ndarray) -> str:
    kinds = sorted({type(item).__name__ for item in array.ravel()[:1000]})
    return f" ({', '.join(kinds)})" if kinds else ""


def one_sample(X, T, categorical: bool):
    """``(X, T)`` as a batch of one where PyTorch takes one sample unbatched (cross-entropy: logits
    (C,) with a label () or probabilities (C,)), else None."""
    if not categorical or np.ndim(X) != 1:
        return None
    X = np.asarray(X)
    if (T.ndim == 0 and T.dtype.kind in "iu") or (T.shape == X.shape and T.dtype.kind == "f"):
        return X[None], T[None]
    raise ValueError(f"for one sample of {X.shape[0]} classes (logits of shape {X.shape}) the target is a label "
                     f"of shape () or probabilities of shape {X.shape}; got shape {T.shape} and dtype {T.dtype}")


def sums_to_one_per_row(X, T: np.ndarray) -> bool:
    """Whether each row of target probabilities sums to one, as precisely as the inputs are given."""
    single = np.asarray(X).dtype.itemsize < 8 or T.dtype.itemsize < 8
    sums = T.sum(axis=1, dtype=np.float64)
    return bool(np.allclose(sums, 1.0, rtol=0, atol=1e-4 if single else 1e-9)) if sums.size else True


def floating_array(array, what: str) -> np.ndarray:
    array = np.asarray(array) if not isinstance(array, np.ndarray) else array
    if array.dtype not in (np.float32, np.float64):
        raise ValueError(f"{what} must be float32 or float64, got dtype {array.dtype}")
    return array


def require_finite(array: np.ndarray, what: str) -> None:
    if not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "infinity"
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(f"{what} contains {bad} at index {where}")


def require_unit_interval(array: np.ndarray, what: str) -> None:
    outside = (array < 0) | (array > 1)
    if outside.any():
        where = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(f"{what} must lie in [0, 1]; found {array[where]} at index {where}")


def check_result(X, T, rows: np.ndarray, categorical: bool, logits: bool) -> None:
    """The kernels add NaN to the loss of a row whose inputs hold a NaN or an infinity, or (binary
    losses) a target outside [0, 1], in a pass they make anyway; a non-finite loss sends us to
    find and name the entry.  Called after the kernel for what ``check_inputs`` left to it."""
    if not np.isfinite(rows).all():
        check_inputs(X, T, categorical, logits, True, in_kernel=False)
        require_finite(X, "logits" if logits else "probabilities")


def check_gradient(X: np.ndarray, G: np.ndarray) -> None:
    """A gradient in probabilities is NaN where the derived formula divides 0 by 0: ``-t/y`` at a
    target 0 and a probability 0, ``(y - t)/(y (1 - y))`` at a probability of exactly 0 or 1
    equal to its target.  The derivations hold for probabilities strictly between 0 and 1; such
    an entry is named rather than returned as NaN (the loss itself is defined there: 0 log 0 = 0)."""
    undefined = np.isnan(G)
    if undefined.any():
        where = tuple(int(i) for i in np.argwhere(undefined)[0])
        raise ValueError(f"the gradient is undefined (0/0) at index {where}, where the probability is {X[where].item()!r}: "
                         "the derivation's gradient holds for probabilities strictly between 0 and 1")


def check_inputs(X, T, categorical: bool, logits: bool, check: bool = True, in_kernel: bool = True,
                 sum_to_one: bool = True):
    """``(X, T, kind)`` ready for the kernel; kind is ``labels`` or ``targets``.  With
    ``in_kernel`` the kernel itself flags NaN and infinity in ``X`` and, for binary losses, bad
    targets (``check_result`` names them after it); the rest is checked here.  ``sum_to_one``:
    target probabilities must sum to one in each row (the loss was derived assuming so)."""
    what = "logits" if logits else "probabilities"
    X, T = floating_array(X, what), as_targets(T)
    # One memory layout (C order): one compiled kernel per dtype, and rows that vectorise.
    X, T = (np.ascontiguousarray(a) if a.ndim else a for a in (X, T))
    labels = categorical and T.ndim == 1 and T.dtype.kind in "iu"
    # Shapes and label bounds keep the kernels' memory accesses in range: checked even with
    # check=False, which skips only the O(N K) scans of the values.
    _check_shapes(X, T, categorical, labels, what)  # X's NaN and infinity: see check_result
    if check and not logits:
        require_finite(X, what)  # a kernel reads only the labelled class: a NaN elsewhere would pass unseen
        require_unit_interval(X, what)
    if labels:
        K = X.shape[1]
        if T.size and (T.min() < 0 or T.max() >= K):
            bad = int(T[(T < 0) | (T >= K)][0])
            raise KernelInputError(f"labels must be in 0..{K - 1} for {K} classes; found {bad}")
        return X, T.astype(np.int64, copy=False), "labels"
    if T.dtype.kind not in "fiub":
        raise ValueError(f"targets must be numeric, got dtype {T.dtype}")
    given = T.dtype
    T = T.astype(X.dtype, copy=False)
    if check and (categorical or not in_kernel):
        require_finite(T, "targets")
        require_unit_interval(T, "targets")
        if categorical and sum_to_one:
            sums = T.sum(axis=1, dtype=np.float64)
            single = X.dtype.itemsize < 8 or (given.kind == "f" and given.itemsize < 8)
            tolerance = 1e-4 if single else 1e-9  # as precise as the coarser of the inputs and the targets as given
            if not np.allclose(sums, 1.0, rtol=0, atol=tolerance):
                row = int(np.argmax(np.abs(sums - 1)))
                raise ValueError(f"target probabilities must sum to 1 in each row; row {row} sums to {sums[row]}")
    return X, T, "targets"


def _check_shapes(X: np.ndarray, T: np.ndarray, categorical: bool, labels: bool, what: str) -> None:
    if categorical:
        if X.ndim != 2:
            raise ValueError(f"{what} must have shape (N, K); got shape {X.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"{what} hold no sample: shape {X.shape}.  derive refuses an empty batch: its mean "
                             "over no sample is undefined (PyTorch returns nan)")
        if X.shape[1] == 0:
            raise ValueError(f"{what} are empty: shape {X.shape}")
        if labels:
            if T.shape != (X.shape[0],):
                raise ValueError(f"labels must have shape ({X.shape[0]},) to match {what} {X.shape}; got {T.shape}")
        elif T.shape != X.shape:
            raise ValueError(f"targets must be integer labels ({X.shape[0]},) or probabilities {X.shape}; "
                             f"got shape {T.shape} and dtype {T.dtype}")
    else:
        if X.ndim != 1:
            raise ValueError(f"{what} must have shape (N,); got shape {X.shape}")
        if X.shape[0] == 0:
            raise ValueError(f"{what} hold no sample.  derive refuses an empty batch: its mean over no sample is "
                             "undefined (PyTorch returns nan)")
        if T.shape != X.shape:
            raise ValueError(f"targets must have shape {X.shape} to match {what}; got {T.shape}")
