"""PyTorch's own test material for its losses, run through derive's built-in kernels.

The samples are PyTorch's (``torch.testing._internal``): the OpInfo sample inputs of
``nn.functional.cross_entropy``, ``nll_loss``, ``binary_cross_entropy`` and
``binary_cross_entropy_with_logits`` (op_db), the ModuleInfo inputs of CrossEntropyLoss, NLLLoss,
BCELoss and BCEWithLogitsLoss (module_db), and common_nn's criterion tests of those modules.
Each is computed by PyTorch (the loss and its gradient by the input) and by derive's kernel
(``load("ce-softmax")``, ``load("nll")``, ``load("bce")``, ``load("bce-sigmoid")``) with the same
options, and given one verdict (:func:`verdict`): the numbers agree (float64 to 1e-12 relative,
float32 to 2e-5), both refuse, derive refuses deliberately (``DELIBERATE``; README says why), derive
has no kernel for it (named in the tally) — or a failure.  Samples are neither dropped nor skipped:
every one gets a verdict, and the tally is printed (``pytest -s``) for the issue's closing note.
"""
from __future__ import annotations

import collections
import functools

import numpy as np
import pytest

from tools import require, require_torch

# Where derive refuses what PyTorch computes, on purpose (README, "PyTorch" section): the verdict's
# name for it, and the message derive's refusal carries.
DELIBERATE = {"empty batch": "hold no sample", "every sample left out of a mean": "the mean divides by 0",
              "a binary target outside [0, 1]": "targets must lie in [0, 1]"}
KERNELS = {"cross_entropy": "ce-softmax", "nll_loss": "nll", "binary_cross_entropy": "bce",
           "binary_cross_entropy_with_logits": "bce-sigmoid"}
MODULES = {"CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll_loss", "BCELoss": "binary_cross_entropy",
           "BCEWithLogitsLoss": "binary_cross_entropy_with_logits"}
OPTIONS = {"cross_entropy": ("weight", "ignore_index", "label_smoothing"), "nll_loss": ("weight", "ignore_index"),
           "binary_cross_entropy": ("weight",), "binary_cross_entropy_with_logits": ("weight", "pos_weight")}
TOLERANCE = {"float64": 1e-12, "float32": 2e-5}
FAILURES = ("numbers differ", "torch refuses, derive computes", "derive refuses, torch computes")


def _internals():
    """PyTorch's test material (it needs the expecttest package, an extra of the tests)."""
    torch = require_torch()
    try:
        from torch.testing._internal import common_methods_invocations, common_modules, common_nn
    except ImportError as missing:
        require(False, f"torch.testing._internal ({missing})")
    return torch, common_methods_invocations, common_modules, common_nn


@functools.cache
def _kernel(function: str):
    """derive's kernel for PyTorch's ``function``, or None where derive has none."""
    from derive.kernels import load

    try:
        return load(KERNELS[function])
    except ValueError:
        return None


def _numpy(value):
    return value.detach().cpu().numpy() if hasattr(value, "detach") else value


def verdict(function: str, input, target, options: dict) -> tuple[str, str]:
    """``(verdict, detail)`` for one sample: PyTorch's ``F.<function>(input, target, **options)``
    and its gradient by the input against derive's kernel with the same options."""
    import torch
    import torch.nn.functional as F

    options = {name: value for name, value in options.items() if value is not None}
    reduction = options.pop("reduction", "mean")
    x = input.detach().clone().requires_grad_(True)
    try:
        out = getattr(F, function)(x, target.detach(), reduction=reduction, **options)
        expected_grad = torch.autograd.grad(out.sum(), x)[0] if out.numel() else torch.zeros_like(x)
        expected = (_numpy(out), _numpy(expected_grad))
        torch_error = None
    except (RuntimeError, ValueError, IndexError, TypeError) as error:
        expected, torch_error = None, error
    kernel = _kernel(function)
    if kernel is None:
        return f"no derive kernel ({function})", f"load({KERNELS[function]!r}) has none"
    arguments = {name: _numpy(options[name]) for name in OPTIONS[function] if name in options}
    unknown = set(options) - set(OPTIONS[function])
    if unknown:
        return "numbers differ", f"options derive does not read: {sorted(unknown)}"
    try:
        loss, grad = kernel.loss_and_grad(_numpy(input.detach()), _numpy(target.detach()), reduction=reduction, **arguments)
    except (ValueError, TypeError) as error:
        if torch_error is not None:
            return "both refuse", f"torch: {torch_error}; derive: {error}"
        for name, words in DELIBERATE.items():
            if words in str(error):
                return f"derive refuses deliberately: {name}", str(error)
        return "derive refuses, torch computes", str(error)
    if torch_error is not None:
        return "torch refuses, derive computes", str(torch_error)
    tolerance = TOLERANCE[str(input.dtype).replace("torch.", "")]
    for what, ours, theirs in (("loss", loss, expected[0]), ("gradient", grad, expected[1])):
        ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
        if ours.shape != theirs.shape:
            return "numbers differ", f"{what}: shape {ours.shape}, torch's {theirs.shape}"
        scale = np.abs(theirs).max() if theirs.size else 0.0
        if theirs.size and not np.allclose(ours, theirs, rtol=tolerance, atol=tolerance * scale):
            worst = np.max(np.abs(ours - theirs)) / max(scale, np.finfo(np.float64).tiny)
            return "numbers differ", f"{what}: off by {worst:.2e} of its largest entry"
    extra = [name for name, value in (("target", target), *options.items())
             if getattr(value, "requires_grad", False)]
    return ("agree" if not extra else f"agree (loss and input gradient; no gradient by {', '.join(extra)})"), ""


def _op_samples(torch, common_methods_invocations):
    for op in common_methods_invocations.op_db:
        function = op.name.removeprefix("nn.functional.")
        if not op.name.startswith("nn.functional.") or function not in KERNELS:
            continue
        for dtype in (torch.float64, torch.float32):
            if dtype not in op.dtypes:
                continue
            torch.manual_seed(0)
            for sample in op.sample_inputs("cpu", dtype, requires_grad=True):
                (target, *rest) = sample.args
                options = dict(zip(("weight",), rest), **sample.kwargs)
                yield f"op_db {function} {dtype}", function, sample.input, target, options


def _module_options(module, function: str) -> dict:
    """A loss module's options as F.<function>'s keywords, read from the module itself."""
    names = ("reduction",) + OPTIONS[function]
    return {name: getattr(module, name) for name in names if hasattr(module, name)}


def _module_samples(torch, common_modules):
    for info in common_modules.module_db:
        function = MODULES.get(info.module_cls.__name__)
        if function is None:
            continue
        for dtype in (torch.float64, torch.float32):
            if dtype not in info.dtypes:
                continue
            torch.manual_seed(0)
            for entry in info.module_inputs_func(info, device="cpu", dtype=dtype, requires_grad=True, training=True):
                module = info.module_cls(*entry.constructor_input.args, **entry.constructor_input.kwargs)
                input, target = entry.forward_input.args
                yield f"module_db {info.module_cls.__name__} {dtype}", function, input, target, _module_options(module, function)


def _criterion_samples(torch, common_nn):
    for test in common_nn.criterion_tests:
        name = test.get("fullname") or test.get("module_name", "")
        function = MODULES.get(name.split("_")[0])
        if function is None:
            continue
        torch.manual_seed(0)
        module = test["constructor"](*test.get("constructor_args", ()))
        input = test["input_fn"]() if "input_fn" in test else torch.randn(test["input_size"])
        target = test["target_fn"]() if "target_fn" in test else test["target"]
        yield f"common_nn {name.split('_')[0]}", function, input.double(), target.double() if target.is_floating_point() \
            else target, _module_options(module, function)


@pytest.fixture(scope="module")
def tally():
    """Every sample of PyTorch's material with its verdict: {source: Counter(verdict)}, and the
    failures (source, verdict, detail)."""
    torch, common_methods_invocations, common_modules, common_nn = _internals()
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures = []
    for source in (_op_samples(torch, common_methods_invocations), _module_samples(torch, common_modules),
                   _criterion_samples(torch, common_nn)):
        for where, function, input, target, options in source:
            result, detail = verdict(function, input, target, options)
            counts[where][result] += 1
            if result in FAILURES:
                failures.append((where, result, detail, tuple(input.shape), tuple(target.shape),
                                 {k: getattr(v, "shape", v) for k, v in options.items()}))
    print("\nPyTorch's test material through derive:")
    for where in sorted(counts):
        print(f"  {where}: {sum(counts[where].values())} samples: " + ", ".join(f"{n} {v}" for v, n in counts[where].most_common()))
    total = collections.Counter()
    for counter in counts.values():
        total.update(counter)
    print(f"  all: {sum(total.values())} samples: " + ", ".join(f"{n} {v}" for v, n in total.most_common()))
    return counts, failures


def test_every_sample_of_pytorchs_material_agrees_or_is_refused_by_both(tally):
    counts, failures = tally
    assert not failures, "\n".join(map(str, failures[:20]))


def test_the_material_reaches_every_function_derive_has_a_kernel_for(tally):
    counts, _ = tally
    for function in ("cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"):
        agreeing = sum(n for where, counter in counts.items() if function in where or MODULES_OF[function] in where
                       for verdict_, n in counter.items() if verdict_.startswith("agree"))
        assert agreeing >= 10, f"only {agreeing} samples of {function} were compared"
    assert any("float32" in where for where in counts), "no float32 sample was run"


MODULES_OF = {function: module for module, function in MODULES.items()}


def test_a_disagreement_is_seen():
    """The verdict is no rubber stamp: a kernel computing another loss is caught."""
    torch = require_torch()
    input, target = torch.randn(4, 3, dtype=torch.float64), torch.tensor([0, 1, 2, 1])
    assert verdict("cross_entropy", input, target, {})[0] == "agree"
    assert verdict("cross_entropy", input, target, {"label_smoothing": 0.2})[0] == "agree"
    assert verdict("cross_entropy", input, target, {"reduction": "none"})[0] == "agree"
    shifted = functools.partial(verdict, "cross_entropy")
    wrong = {"weight": torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)}
    original = _kernel("cross_entropy")

    class Unweighted:  # the kernel, ignoring the weight it is given
        def loss_and_grad(self, X, T, reduction="mean", weight=None, **options):
            return original.loss_and_grad(X, T, reduction=reduction, **options)
    _kernel.cache_clear()
    try:
        import derive.kernels as kernels
        real = kernels.load
        kernels.load = lambda name: Unweighted() if name == "ce-softmax" else real(name)
        assert shifted(input, target, wrong)[0] == "numbers differ"
    finally:
        kernels.load = real
        _kernel.cache_clear()


def test_torch_refusing_is_matched_by_derive():
    """ignore_index names a class, with target probabilities: PyTorch refuses, and so does derive."""
    torch = require_torch()
    input = torch.randn(2, 3, dtype=torch.float64)
    probabilities = torch.softmax(torch.randn(2, 3, dtype=torch.float64), dim=1)
    assert verdict("cross_entropy", input, probabilities, {"ignore_index": 1})[0] == "both refuse"
    assert verdict("cross_entropy", input, probabilities, {"ignore_index": -1})[0] == "agree"  # torch: any negative one is no class


def test_an_empty_batch_is_refused_deliberately():
    torch = require_torch()
    input, target = torch.zeros(0, 3, dtype=torch.float64), torch.zeros(0, dtype=torch.int64)
    assert verdict("cross_entropy", input, target, {})[0] == "derive refuses deliberately: empty batch"
