"""Timing harness: frameworks alternate, each in a process of its own (or, with
``compare``, within one process); medians of repeats."""
from __future__ import annotations

import atexit
import gc
import json
import os
import statistics
import subprocess
import sys
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


class Worker:
    """A ``benchmarks._worker`` process running one framework."""

    def __init__(self, lib: str) -> None:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.lib = lib
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks._worker", lib],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1, cwd=root)

    def ask(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.lib} benchmark process ended (exit code "
                               f"{self.proc.wait()})")
        rep = json.loads(line)
        if "error" in rep:
            raise RuntimeError(f"{self.lib}: {rep['error']}")
        return rep["ok"]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


_WORKERS: dict = {}


def worker(lib: str) -> Worker:
    """The (one, kept) process of ``lib``: "ember", "torch" or "numpy"."""
    w = _WORKERS.get(lib)
    if w is None or w.proc.poll() is not None:
        w = _WORKERS[lib] = Worker(lib)
    return w


@atexit.register
def _close_workers() -> None:
    for w in _WORKERS.values():
        w.close()
    _WORKERS.clear()


def compare_procs(specs: dict, n: int, repeats: int = 7, warmup: int = 2,
                  pause: float = 0.0) -> dict:
    """``compare`` with each step built and run in its framework's own process: ``specs``
    maps a label to ``(lib, factory, args)``, the factory a name in ``workloads``. The
    processes take turns, so machine noise still hits every framework alike."""
    try:
        for label, (lib, factory, args) in specs.items():
            worker(lib).ask(op="build", label=label, factory=factory, args=list(args))
        for label, (lib, _, _) in specs.items():
            if warmup:
                worker(lib).ask(op="run", label=label, n=warmup)
        samples = {k: [] for k in specs}
        for r in range(repeats):
            order = list(specs) if r % 2 == 0 else list(reversed(list(specs)))
            for label in order:
                if pause:
                    time.sleep(pause)
                samples[label].append(worker(specs[label][0]).ask(op="run", label=label, n=n))
    finally:
        for lib in {lib for lib, _, _ in specs.values()}:
            if lib in _WORKERS:
                _WORKERS[lib].ask(op="drop")
    return {k: statistics.median(v) for k, v in samples.items()}


def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"
