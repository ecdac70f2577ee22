"""The fast engine against the reference engine (``python -m benchmarks.bench_engine``): the
same steps, run alternately; what the fast engine's tape-ordered walk and its shortcuts buy on
each workload. "tape" is the default (a plain backward walks in tape order), "counting" the
fast engine with its dependency counts, "reference" the plain algorithm."""
from __future__ import annotations

import ember
from ember.autograd import engine

from . import workloads as W
from ._harness import compare, fmt_time


def _on(engine_is_reference: bool, step, tape: bool = False):
    def run():
        prev = engine.use_reference_engine(engine_is_reference)
        prev_tape = engine.use_tape_order(tape)
        try:
            step()
        finally:
            engine.use_reference_engine(prev)
            engine.use_tape_order(prev_tape)
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
    print("| workload | tape | counting | reference | tape/counting | counting/reference |\n"
          "|---|---:|---:|---:|---:|---:|")
    for name, step, n in rows:
        t = compare({"tape": _on(False, step, True), "fast": _on(False, step),
                     "ref": _on(True, step)}, n, repeats=9)
        print(f"| {name} | {fmt_time(t['tape'])} | {fmt_time(t['fast'])} | "
              f"{fmt_time(t['ref'])} | {t['tape'] / t['fast']:.3f} | "
              f"{t['fast'] / t['ref']:.3f} |")


if __name__ == "__main__":
    main()
