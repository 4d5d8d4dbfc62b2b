"""derive.torch's torch.nn-style losses: the same arguments, buffers and numbers as torch.nn's own
modules on the same inputs (float64, 1e-12 relative), gradients included."""
import warnings

import pytest

from tools import require_torch

try:
    import torch

    import derive.torch as bridge
except ImportError:  # the autouse fixture below skips, or fails under CI
    torch = bridge = None


@pytest.fixture(autouse=True)
def _pytorch():
    require_torch()


def _generator(seed):
    return torch.Generator().manual_seed(seed)


def _categorical(seed, log_probabilities=False, ignored=-100):
    generator = _generator(seed)
    logits = 4 * torch.randn(12, 5, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 5, (12,), generator=generator)
    labels[::4] = ignored  # ignored, by the default ignore_index or the one given
    return (torch.log_softmax(logits, 1) if log_probabilities else logits), labels


def _binary(seed, probabilities=False, shape=(10, 3)):
    generator = _generator(seed)
    logits = 6 * torch.randn(shape, generator=generator, dtype=torch.float64)
    targets = torch.rand(shape, generator=generator, dtype=torch.float64)
    return (torch.sigmoid(logits) if probabilities else logits), targets


def _weight(size, seed=1):
    return torch.rand(size, generator=_generator(seed), dtype=torch.float64) + 0.5


CASES = [
    ("CrossEntropyLoss", {}, _categorical),
    ("CrossEntropyLoss", {"reduction": "sum"}, _categorical),
    ("CrossEntropyLoss", {"weight": _weight(5), "label_smoothing": 0.15, "reduction": "none"}, _categorical),
    ("CrossEntropyLoss", {"ignore_index": 2, "weight": _weight(5)}, lambda seed: _categorical(seed, ignored=2)),
    ("BCEWithLogitsLoss", {}, _binary),
    ("BCEWithLogitsLoss", {"weight": _weight(3), "pos_weight": _weight(3, 2), "reduction": "sum"}, _binary),
    ("BCEWithLogitsLoss", {"pos_weight": _weight(3, 3), "reduction": "none"}, _binary),
    ("BCELoss", {}, lambda seed: _binary(seed, probabilities=True, shape=(10,))),
    ("BCELoss", {"reduction": "none"}, lambda seed: _binary(seed, probabilities=True, shape=(10,))),
    ("BCELoss", {}, lambda seed: _binary(seed, probabilities=True)),
    ("BCELoss", {"weight": _weight(3)}, lambda seed: _binary(seed, probabilities=True)),
    ("NLLLoss", {}, lambda seed: _categorical(seed, log_probabilities=True)),
    ("NLLLoss", {"weight": _weight(5), "reduction": "sum"}, lambda seed: _categorical(seed, True)),
]


@pytest.mark.parametrize("name, arguments, inputs", CASES)
def test_a_module_gives_torchs_numbers_and_gradient(name, arguments, inputs):
    ours, theirs = getattr(bridge, name)(**arguments), getattr(torch.nn, name)(**arguments)
    assert isinstance(ours, torch.nn.Module) and ours.reduction == theirs.reduction
    x, target = inputs(5)
    a_input, b_input = x.clone().requires_grad_(), x.clone().requires_grad_()
    a, b = ours(a_input, target), theirs(b_input, target)
    outer = torch.rand(a.shape, generator=_generator(9), dtype=torch.float64) + 0.5
    (a * outer).sum().backward()
    (b * outer).sum().backward()
    assert a.shape == b.shape and a.dtype == b.dtype
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-15)
    torch.testing.assert_close(a_input.grad, b_input.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("size_average, reduce", [(None, False), (False, None), (False, True), (True, False),
                                                  (True, None), (None, True), (False, False)])
def test_the_legacy_arguments_map_to_torchs_reduction(size_average, reduce):
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = bridge.CrossEntropyLoss(size_average=size_average, reduce=reduce, reduction="sum")
    with warnings.catch_warnings(record=True) as torch_warned:
        warnings.simplefilter("always")
        theirs = torch.nn.CrossEntropyLoss(size_average=size_average, reduce=reduce, reduction="sum")
    assert ours.reduction == theirs.reduction
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in torch_warned] != []
    logits, labels = _categorical(2)
    torch.testing.assert_close(ours(logits, labels), theirs(logits, labels), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name, arguments", [
    ("CrossEntropyLoss", {"weight": _weight(5)}), ("CrossEntropyLoss", {}),
    ("BCEWithLogitsLoss", {"weight": _weight(3), "pos_weight": _weight(3, 2)}), ("BCEWithLogitsLoss", {}),
    ("NLLLoss", {"weight": _weight(5)}), ("BCELoss", {"weight": _weight(3)})])
def test_buffers_state_dict_and_dtype_are_torchs(name, arguments):
    ours, theirs = getattr(bridge, name)(**arguments), getattr(torch.nn, name)(**arguments)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.to(torch.float32), theirs.to(torch.float32)
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].dtype == value.dtype == torch.float32
    fresh = getattr(bridge, name)(**arguments).double()
    fresh.load_state_dict({key: 2 * value.double() for key, value in theirs.state_dict().items()})
    for key, value in theirs.state_dict().items():
        torch.testing.assert_close(fresh.state_dict()[key], 2 * value.double())


def test_a_module_after_to_float32_computes_in_float32():
    ours, theirs = bridge.CrossEntropyLoss(weight=_weight(5)).float(), torch.nn.CrossEntropyLoss(weight=_weight(5)).float()
    logits, labels = _categorical(4)
    a, b = ours(logits.float(), labels), theirs(logits.float(), labels)
    assert a.dtype == torch.float32
    torch.testing.assert_close(a, b, rtol=2e-6, atol=1e-7)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="reduction must be one of mean, sum, none, got 'avg'"):
        bridge.CrossEntropyLoss(reduction="avg")
    with pytest.raises(TypeError, match="weight must be a torch.Tensor or None, got list"):
        bridge.BCEWithLogitsLoss(weight=[1.0, 2.0])
    with pytest.raises(TypeError, match="pos_weight must be a torch.Tensor or None, got float"):
        bridge.BCEWithLogitsLoss(pos_weight=2.0)
    with pytest.raises(TypeError, match="size_average must be True, False or None, got 'yes'"):
        bridge.BCELoss(size_average="yes")
    with pytest.raises(ValueError, match="input is on meta; derive's kernels run on the CPU"):
        bridge.CrossEntropyLoss()(torch.zeros(3, 4, device="meta"), torch.zeros(3, dtype=torch.int64))
