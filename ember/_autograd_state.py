"""The global switches autograd reads on every op: grad mode and anomaly mode.

They live below the Tensor (which reads them, e.g. to refuse in-place writes to a leaf) so that
imports run one way: ``_tensor`` -> this; ``autograd`` -> ``_tensor``. The public API over them
is ``ember.autograd.grad_mode`` and ``ember.autograd.anomaly_mode``.
"""
from __future__ import annotations

__all__ = ["STATE", "ANOMALY"]


class _GradState:
    # One attribute read per op ("STATE.enabled") is the cheapest global switch in Python.
    __slots__ = ("enabled", "inference", "arrays")


STATE = _GradState()
STATE.enabled = True
STATE.inference = False
# True while the engine runs a backward without create_graph: backward formulas then see
# NumPy arrays (``Node.saved``), and with create_graph tensors, so each formula is written once.
STATE.arrays = False


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")


# Set by autograd.anomaly_mode; the engine reads it once per backward.
ANOMALY = _AnomalyState()
ANOMALY.enabled = False
ANOMALY.check_nan = True
