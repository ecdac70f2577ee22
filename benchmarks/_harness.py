"""Timing harness: frameworks alternate within one process; medians of repeats."""
from __future__ import annotations

import gc
import statistics
import time


def time_steps(step, n: int) -> float:
    """Seconds per call of ``step`` over ``n`` calls."""
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def compare(steps: dict, n: int, repeats: int = 7, warmup: int = 2) -> dict:
    """Median seconds per step for each named step function, run alternately so that machine
    noise (another process, frequency changes) hits every framework alike."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples = {k: [] for k in steps}
    gc_was = gc.isenabled()
    try:
        for r in range(repeats):
            order = list(steps) if r % 2 == 0 else list(reversed(list(steps)))
            for name in order:
                gc.collect()
                gc.disable()
                samples[name].append(time_steps(steps[name], n))
                if gc_was:
                    gc.enable()
    finally:
        if gc_was:
            gc.enable()
    return {k: statistics.median(v) for k, v in samples.items()}


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"
