"""A bridge into PyTorch training: derived kernels in autograd, and ``torch.nn``-style losses.

    import derive.torch
    from derive.kernels import load

    cross_entropy = derive.torch.function(load("ce-softmax"))
    loss = cross_entropy(logits, labels, reduction="mean")   # like F.cross_entropy
    loss.backward()                                           # the derived gradient

    bce = derive.torch.function(derive.gradient(latex, "z_{j}").compile())
    bce(z=z, t=t, w=2.0).backward()                          # a user's kernel: its inputs by name

    criterion = derive.torch.CrossEntropyLoss(weight=w, label_smoothing=0.1)   # like torch.nn's
    criterion(logits, labels).backward()

The function (:mod:`derive.torch_function`) runs a Numba kernel on CPU tensors, with the derived
derivative by every input that requires grad; the modules (:mod:`derive.torch_modules`) take
torch.nn's arguments and call it.  Needs the optional extra: ``pip install 'derive-steps[torch]'``.
"""
from __future__ import annotations

try:
    import torch as _torch  # noqa: F401  (here, to say how to get it where it is missing)
except ImportError as missing:  # the extra is not installed: say how to get it
    raise ImportError("derive.torch needs PyTorch: pip install 'derive-steps[torch]'") from missing

from .torch_function import function
from .torch_modules import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss", "function"]
