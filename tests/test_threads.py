"""Rows shared among threads: the ranges cover every row once, and the numbers do not depend on
how many threads computed them."""
import numpy as np
import pytest

from derive.kernels import compiler, load, threads


def test_ranges_cover_every_row_once_on_whole_steps():
    for rows in (1, 2, 63, 64, 65, 1000, 4097):
        for parts in (1, 2, 3, 7, 64):
            for step in (1, 64):
                ranges = threads.split(rows, parts, step)
                assert 1 <= len(ranges) <= parts
                assert ranges[0][0] == 0 and ranges[-1][1] == rows
                assert all(a < b for a, b in ranges)
                assert all(b == a2 for (_, b), (a2, _) in zip(ranges, ranges[1:]))  # contiguous
                assert all(a % step == 0 for a, _ in ranges)
                sizes = [-(-(b - a) // step) for a, b in ranges]
                assert max(sizes) - min(sizes) <= 1  # as even as whole steps allow
    assert threads.split(0, 4) == []


@pytest.mark.parametrize("name, shape, layout", [("ce-softmax", (20000, 10), "blocks"), ("ce-softmax", (300, 700), "rows"),
                                                 ("bce-sigmoid", (262_144,), "rows")])
def test_more_threads_give_the_same_bits(monkeypatch, name, shape, layout):
    """Bit-identical, because the code fixes the order of operations: each row (each entry, for BCE)
    is computed by the same loop whichever thread runs it, a row's sums running over its classes in
    one order.  The BCE size splits into ranges that are multiples of 64 entries, so every entry is
    computed in the vector body of the loop in both runs, never in a scalar remainder loop (which may
    contract multiply-adds differently from the vector body on some CPUs)."""
    kernel = load(name)
    rng = np.random.default_rng(11)
    X = rng.normal(size=shape) * 5
    T = rng.integers(0, shape[1], shape[0]) if len(shape) == 2 else rng.uniform(size=shape)
    seen = []

    def recording(kernel_function, arguments, rows, entries_per_row=1, step=1):
        def run(*call):
            seen.append(len(call[0]))  # the rows this call was given
            return kernel_function(*call)
        return threads.run_rows(run, arguments, rows, entries_per_row, step)
    monkeypatch.setattr(compiler, "run_rows", recording)
    monkeypatch.setattr(threads, "thread_count", lambda: 1)
    one = kernel.loss_and_grad(X, T, reduction="none", layout=layout)
    assert seen == [shape[0]]
    seen.clear()
    monkeypatch.setattr(threads, "thread_count", lambda: 4)
    four = kernel.loss_and_grad(X, T, reduction="none", layout=layout)
    assert len(seen) == 4 and sum(seen) == shape[0]
    if layout == "blocks":  # whole blocks in every thread but the last
        assert sum(rows % compiler.BLOCK_ROWS != 0 for rows in seen) <= 1
    np.testing.assert_array_equal(one[0], four[0])
    np.testing.assert_array_equal(one[1], four[1])


def test_a_small_call_stays_on_the_calling_thread(monkeypatch):
    monkeypatch.setattr(threads, "thread_count", lambda: 4)
    calls = []
    threads.run_rows(lambda *a: calls.append(a), ("x",), rows=100, entries_per_row=10)
    assert calls == [("x",)]
    threads.run_rows(lambda *a: calls.append(a), ("x",), rows=0)
    assert len(calls) == 1
