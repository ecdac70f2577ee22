"""The benchmark table's bookkeeping (the timings themselves are not tested: speed is measured
by ``python -m benchmarks``, never asserted)."""
from benchmarks.__main__ import _row, _table


def test_a_row_is_met_only_when_every_target_holds():
    times = {"ember": 1.0, "torch": 2.0, "numpy": 0.9}
    assert _row("a", times, 1.0)["ok"] == "yes"
    assert _row("a", times, 0.4)["ok"] == "no"
    assert _row("a", times, 1.0, np_target=1.05)["ok"] == "no"      # 1.11x NumPy
    assert _row("a", times, 1.0, np_target=1.2)["ok"] == "yes"
    assert _row("a", {"ember": 1.0}, 1.0)["ok"] == ""                 # no PyTorch: no verdict


def test_table_lists_ratios():
    table = _table([_row("a", {"ember": 2e-6, "torch": 4e-6}, 0.5)])
    assert "| a | 2.0 µs | 4.0 µs |  | 0.500 |  | <= 0.5 | yes |  |" in table


def test_each_framework_runs_in_a_process_of_its_own():
    """compare_procs builds and times the steps in one worker process per framework; the
    NumPy worker never imports ember (whose import tunes the process's allocator)."""
    import pytest

    from benchmarks import _harness as H
    try:
        specs = {"e": ("ember", "make_ops", ("add", True)),
                 "n": ("numpy", "numpy_linreg", ())}
        times = H.compare_procs(specs, n=5, repeats=3, warmup=1)
        assert set(times) == {"e", "n"} and all(0 < t < 1 for t in times.values())
        assert H.worker("numpy").ask(op="info")["ember_loaded"] is False
        assert H.worker("ember").ask(op="info")["ember_loaded"] is True
        with pytest.raises(RuntimeError, match="numpy: AttributeError"):
            H.worker("numpy").ask(op="build", label="x", factory="no_such_step")
        with pytest.raises(RuntimeError, match="KeyError"):     # dropped after compare
            H.worker("ember").ask(op="run", label="e", n=1)
    finally:
        H._close_workers()
