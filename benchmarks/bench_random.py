"""Benchmark: 10 million float32 normals from ember vs NumPy (and PyTorch when installed).

    python benchmarks/bench_random.py [N]

ember reproduces PyTorch's generator bit for bit, so it emulates PyTorch's float32
Box-Muller kernel operation by operation; the target is at most 3x NumPy's
``default_rng().standard_normal`` time.
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import ember  # noqa: E402


def best_of(fn, repeat=5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    t_ember = best_of(lambda: ember.randn(n))
    t_np64 = best_of(lambda: rng.standard_normal(n))
    t_np32 = best_of(lambda: rng.standard_normal(n, dtype=np.float32))
    print(f"{n:,} float32 normals (best of 5)")
    print(f"  ember.randn                              {t_ember * 1e3:8.1f} ms")
    print(f"  numpy default_rng().standard_normal      {t_np64 * 1e3:8.1f} ms   "
          f"ember / numpy = {t_ember / t_np64:.2f}x")
    print(f"  numpy standard_normal(dtype=float32)     {t_np32 * 1e3:8.1f} ms   "
          f"ember / numpy = {t_ember / t_np32:.2f}x")
    try:
        import torch
    except ImportError:
        print("  torch not installed")
    else:
        torch.manual_seed(0)
        t_torch = best_of(lambda: torch.randn(n))
        print(f"  torch.randn                              {t_torch * 1e3:8.1f} ms   "
              f"ember / torch = {t_ember / t_torch:.2f}x")
        ember.manual_seed(1)
        torch.manual_seed(1)
        same = np.array_equal(ember.randn(n).numpy().view(np.int32),
                              torch.randn(n).numpy().view(np.int32))
        print(f"  identical to torch.randn: {same}")
    others = [("rand", lambda: ember.rand(n)),
              ("randn float64", lambda: ember.randn(n, dtype=ember.float64)),
              ("randint(0, 10)", lambda: ember.randint(0, 10, (n,))),
              ("randperm(1e6)", lambda: ember.randperm(1_000_000))]
    for name, fn in others:
        print(f"  ember.{name:35s}{best_of(fn, 3) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
