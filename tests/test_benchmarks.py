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
