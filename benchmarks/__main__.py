"""Run the benchmark suite: ``python -m benchmarks [--quick] [--only NAME ...]``.

Each workload runs on ember, on PyTorch (when installed) and, where it makes sense, as
hand-written NumPy, each in a process of its own (``benchmarks/_worker.py``), the processes
taking turns; the table reports medians of repeats and the ratios, and is written to
benchmarks/RESULTS.md with the machine's core count and versions. ``--same-process`` runs them
all in this process instead.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

from . import workloads as W
from ._harness import compare, compare_procs, fmt_time, worker

HERE = os.path.dirname(os.path.abspath(__file__))


def _libs():
    """The frameworks to compare, by module name (PyTorch when installed; found without
    importing it here: each framework runs in a process of its own)."""
    import importlib.util
    return ["ember"] + (["torch"] if importlib.util.find_spec("torch") else [])


_SAME_PROCESS = False


def _measure(libs, factory: str, args=(), n: int = 1, repeats: int = 7, warmup: int = 2,
             numpy: str | None = None, extra: dict | None = None) -> dict:
    """Median seconds per step of ``workloads.<factory>(lib, *args)`` for each framework (and
    of ``workloads.<numpy>()``, the hand-written NumPy step); ``extra``: more labelled
    ``(lib, factory, args)`` steps."""
    specs = {k: (k, factory, tuple(args)) for k in libs}
    if numpy is not None:
        specs["numpy"] = ("numpy", numpy, ())
    specs.update(extra or {})
    if not _SAME_PROCESS:
        return compare_procs(specs, n, repeats, warmup)
    import importlib
    steps = {}
    for label, (lib, fac, a) in specs.items():
        make = getattr(W, fac)
        steps[label] = make(*a) if lib == "numpy" else make(importlib.import_module(lib), *a)
    return compare(steps, n, repeats, warmup)


def _row(name, times, target=None, note="", np_target=None):
    """A table row; ``target`` bounds ember/PyTorch, ``np_target`` ember/NumPy (both must
    hold for "met")."""
    e = times.get("ember")
    t = times.get("torch")
    n = times.get("numpy")
    ratio = e / t if e and t else None
    ratio_np = e / n if e and n else None
    ok = "" if target is None or ratio is None else ("yes" if ratio <= target else "no")
    if ok and np_target is not None and ratio_np is not None and ratio_np > np_target:
        ok = "no"
    return {"name": name, "ember": e, "torch": t, "numpy": n, "ratio": ratio,
            "ratio_np": ratio_np, "target": target, "ok": ok, "note": note}


def bench_ops(libs, quick):
    rows = []
    n = 2000 if quick else 20000
    for grad in (False, True):
        for op in W.OPS:
            rows.append(_row(f"op {op}{' (requires_grad)' if grad else ''}",
                             _measure(libs, "make_ops", (op, grad), n, 5 if quick else 9),
                             1.5 if op in ("view", "getitem") else None))
    rows.append(_row("5-op forward+backward",
                     _measure(libs, "make_backward", (), n // 4, 5 if quick else 9)))
    return rows


def bench_workloads(libs, quick):
    r = 3 if quick else 9
    rows = []
    rows.append(_row("1. linear regression step (seed)",
                     _measure(libs, "make_linreg", (), 200, r, numpy="numpy_linreg"), 0.35))
    rows.append(_row("2. micrograd 2-8-8-1 scalar MLP", _measure(libs, "make_micrograd", (),
                                                                 20, r), 0.5))
    rows.append(_row("3. MLP 784-512-512-10, batch 128",
                     _measure(libs, "make_mlp", (), 10, r, numpy="numpy_mlp"), 1.0,
                     "also <= 1.03x NumPy", np_target=1.03))
    rows.append(_row("4. Adam step, 100 params", _measure(libs, "make_adam", (), 20, r), 1.0))
    rows.append(_row("5. DataLoader epoch, 60000x784",
                     _measure(libs, "make_dataloader", (), 1, 3 if quick else 5), 1.0))
    times = _measure(libs, "make_dataloader_workers", (2,), 1, 3 if quick else 5, warmup=1,
                     extra={"ember, 0 workers": ("ember", "make_dataloader_workers", (0,))})
    single = times.pop("ember, 0 workers")
    rows.append(_row("5b. DataLoader, CPU-bound transforms, 2 workers", times, 1.0,
                     f"ember with 0 workers: {fmt_time(single)} "
                     f"({single / times['ember']:.2f}x slower)"))
    rows += bench_cnn(libs, quick)
    return rows


def bench_cnn(libs, quick):
    r = 3 if quick else 7
    rows = []
    rows.append(_row("8. MNIST convnet step (pytorch/examples), batch 64, Adadelta",
                     _measure(libs, "make_mnist_cnn", (), 1, r), 1.25))
    rows.append(_row("9. LeNet-5 step, 1x32x32, batch 64, SGD",
                     _measure(libs, "make_lenet", (), 3, r), 1.0))
    rows.append(_row("10. conv2d fwd+bwd, 32x64x32x32, 64 3x3 filters",
                     _measure(libs, "make_conv2d", (), 1, r),
                     note="one layer, all three gradients"))
    return rows


def bench_models(libs, quick):
    """The language models of issue 11: a word-level LSTM step and a small GPT step."""
    r = 3 if quick else 7
    rows = []
    rows.append(_row("12. word-LM LSTM step (10000 vocab, 2x200, seq 35, batch 20)",
                     _measure(libs, "make_lstm_lm", (), 1, r, warmup=1), 1.5))
    for sdpa, label in ((False, "attention written out"), (True, "scaled_dot_product_attention")):
        rows.append(_row(f"13. GPT step (4x128, 4 heads, block 64, batch 12), {label}",
                         _measure(libs, "make_gpt", (sdpa,), 1, r, warmup=1), 1.0))
    mem = {k: _child(_GPT_PEAK.format(mod=k))[1] / 1024 for k in libs}
    rows.append({"name": "14. peak RSS, GPT step", "ember": None, "torch": None, "numpy": None,
                 "ratio": mem["ember"] / mem["torch"] if "torch" in mem else None,
                 "ratio_np": None, "target": 1.0,
                 "ok": "" if "torch" not in mem else ("yes" if mem["ember"] <= mem["torch"]
                                                      else "no"),
                 "note": ", ".join(f"{k} {v:.0f} MiB" for k, v in mem.items())})
    return rows


def _child(code: str) -> tuple:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=600, cwd=os.path.dirname(HERE))
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    secs, rss = out.stdout.split()
    return float(secs), int(rss)


# Peak RSS from VmHWM: ru_maxrss would include the (large) parent this child was forked from.
_PEAK = ("[int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')]"
         "[0]")
_IMPORT = ("import time; t = time.perf_counter(); import {mod}; d = time.perf_counter() - t; "
           "print(d, " + _PEAK + ")")
_TRAIN = ("import time, benchmarks.workloads as W, {mod} as lib; "
          "s = W.make_mlp(lib); t = time.perf_counter(); [s() for _ in range(20)]; "
          "print(time.perf_counter() - t, " + _PEAK + ")")
_GPT_PEAK = ("import benchmarks.workloads as W, {mod} as lib; s = W.make_gpt(lib, True); "
             "[s() for _ in range(3)]; print(0, " + _PEAK + ")")


def bench_processes(libs, quick):
    rows = []
    reps = 3 if quick else 7
    # Measure ember as an installed package runs: with its bytecode compiled, like torch's
    # (an editable install under PYTHONDONTWRITEBYTECODE would recompile every module).
    import compileall
    import ember
    compileall.compile_dir(os.path.dirname(ember.__file__), quiet=1)
    imp = {k: [_child(_IMPORT.format(mod=k)) for _ in range(reps)] for k in libs}
    times = {k: statistics.median(v[0] for v in vals) for k, vals in imp.items()}
    rss = {k: max(v[1] for v in vals) / 1024 for k, vals in imp.items()}
    row = _row("6. import time", times, 0.10,
               "peak RSS " + ", ".join(f"{k} {v:.0f} MiB" for k, v in rss.items())
               + " (target <= 40 MiB)")
    if row["ok"] == "yes" and rss.get("ember", 0) > 40:
        row["ok"] = "no"
    rows.append(row)
    mem = {k: _child(_TRAIN.format(mod=k))[1] / 1024 for k in libs}
    rows.append(_mem_row("7. peak RSS training workload 3", mem, 1.0))
    mem = {k: _child(_TRAIN.replace("make_mlp", "make_mnist_cnn").replace("range(20)",
                                                                          "range(3)")
                     .format(mod=k))[1] / 1024 for k in libs}
    rows.append(_mem_row("11. peak RSS training workload 8 (MNIST convnet)", mem, 1.5))
    return rows


def _mem_row(name, mem, target):
    ratio = mem["ember"] / mem["torch"] if "torch" in mem else None
    return {"name": name, "ember": None, "torch": None, "numpy": None, "ratio": ratio,
            "ratio_np": None, "target": target,
            "ok": "" if ratio is None else ("yes" if ratio <= target else "no"),
            "note": ", ".join(f"{k} {v:.0f} MiB" for k, v in mem.items())}


def _cell(v):
    return "" if v is None else fmt_time(v)


def _table(rows) -> str:
    lines = ["| benchmark | ember | PyTorch | NumPy | ember/PyTorch | ember/NumPy | target "
             "| met | note |", "|---|---:|---:|---:|---:|---:|---:|:-:|---|"]
    for r in rows:
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.3f}"
        rnp = "" if r["ratio_np"] is None else f"{r['ratio_np']:.3f}"
        tgt = "" if r["target"] is None else f"<= {r['target']}"
        lines.append(f"| {r['name']} | {_cell(r['ember'])} | {_cell(r['torch'])} | "
                     f"{_cell(r['numpy'])} | {ratio} | {rnp} | {tgt} | {r['ok']} | "
                     f"{r['note']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    ap.add_argument("--quick", action="store_true", help="fewer repeats (a rough look)")
    ap.add_argument("--only", nargs="*", choices=["ops", "workloads", "cnn", "processes",
                                                   "models"])
    ap.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--same-process", action="store_true",
                    help="run every framework in this one process (as before: ember's import "
                    "then tunes the allocator for PyTorch and NumPy too)")
    args = ap.parse_args(argv)
    global _SAME_PROCESS
    _SAME_PROCESS = args.same_process
    libs = _libs()
    parts = args.only or ["ops", "workloads", "processes", "models"]
    started = time.time()
    sections = []
    for part in parts:
        rows = {"ops": bench_ops, "workloads": bench_workloads, "cnn": bench_cnn,
                "processes": bench_processes, "models": bench_models}[part](libs, args.quick)
        table = _table(rows)
        print(f"\n## {part}\n\n{table}", flush=True)
        sections.append((part, table))
    import ember
    versions = [f"ember {ember.__version__}", f"NumPy {np.__version__}",
                f"Python {platform.python_version()}"]
    if "torch" in libs:
        info = worker("torch").ask(op="info")
        versions.append(f"PyTorch {info['version']} ({info['threads']} threads)")
    header = (f"# Benchmark results\n\nMachine: {os.cpu_count()} cores, "
              f"{platform.machine()}, {platform.system()}; {', '.join(versions)}.\n"
              f"Run: `python -m benchmarks{' --quick' if args.quick else ''}` on "
              f"{time.strftime('%Y-%m-%d')}, {time.time() - started:.0f} s. Times are medians "
              "of repeats with the frameworks taking turns, "
              + ("all in one process" if args.same_process else "each in a process of its own")
              + "; ratios below 1 mean ember is faster.\n")
    body = "\n".join(f"\n## {name}\n\n{table}\n" for name, table in sections)
    with open(args.out, "w") as f:
        f.write(header + body)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
