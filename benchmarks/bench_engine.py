"""The fast engine against the reference engine (``python -m benchmarks.bench_engine``): the
same steps, run alternately; what the fast engine's shortcuts buy on each workload."""
from __future__ import annotations

import ember
from ember.autograd import engine

from . import workloads as W
from ._harness import compare, fmt_time


def _on(engine_is_reference: bool, step):
    def run():
        prev = engine.use_reference_engine(engine_is_reference)
        try:
            step()
        finally:
            engine.use_reference_engine(prev)
    return run


def _chain(n: int = 300):
    x = ember.tensor(1.0, requires_grad=True)

    def step():
        y = x
        for _ in range(n):
            y = y * 1.0001
        y.backward()
    return step


def main() -> None:
    rows = [("300-op 0-d chain", _chain(), 30), ("micrograd 2-8-8-1", W.make_micrograd(ember), 20),
            ("MLP 784-512-512-10 step", W.make_mlp(ember), 10)]
    print("| workload | fast | reference | fast/reference |\n|---|---:|---:|---:|")
    for name, step, n in rows:
        t = compare({"fast": _on(False, step), "ref": _on(True, step)}, n, repeats=9)
        print(f"| {name} | {fmt_time(t['fast'])} | {fmt_time(t['ref'])} | "
              f"{t['fast'] / t['ref']:.3f} |")


if __name__ == "__main__":
    main()
