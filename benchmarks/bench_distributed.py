"""Benchmark ember.distributed: all-reduce bandwidth and the DDP training step's scaling.

    python benchmarks/bench_distributed.py [--quick] [--nproc 2]

1. ``all_reduce`` of float32 buffers from 1 KB to 64 MB on ``--nproc`` processes (MPI over
   shared memory), against a local copy of the same buffer (``np.copyto``): the time, the
   algorithm bandwidth (bytes / time) and the time as a multiple of the copy; "MPI alone"
   is the same all-reduce by bare mpi4py (what ember's checks and bookkeeping add to it).
2. The MLP benchmark's step (784-512-512-10, SGD with momentum, global batch 128) in one
   process, then with DistributedDataParallel on ``--nproc`` processes of 128/N samples
   each; scaling efficiency = (one-process time / N-process time) / N. The N-process step is
   split into its compute (the same step under ``no_sync()``) and what the gradient
   all-reduce adds, which is where the time goes when the efficiency is poor.

Every process runs with one BLAS thread (``OMP_NUM_THREADS=1``, as torchrun sets); the
one-process step is also timed with the machine's default threading. Needs mpi4py.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SIZES = [1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26]


def _fmt_bytes(n: int) -> str:
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n >> 10} KB"


def _fmt_time(s: float) -> str:
    return f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def _median_time(fn, reps: int, before=None) -> float:
    """Median seconds of ``fn()``; ``before()`` (untimed) runs ahead of each call."""
    times = []
    for _ in range(reps):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# -- workers (one per rank, under ember run) --------------------------------------------------
def worker_allreduce(quick: bool) -> None:
    import ember as torch
    import ember.distributed as dist
    from mpi4py import MPI
    dist.init_process_group("gloo")
    comm = dist.group.WORLD._comm
    yield_ = getattr(os, "sched_yield", lambda: None)
    rows = []
    for nbytes in SIZES[:7] if quick else SIZES:
        t = torch.ones(nbytes // 4)
        src = np.ones(nbytes // 4, np.float32)
        dst = np.empty_like(src)
        reps = max(5, min(200, (64 << 20) // nbytes // 4))

        def bare_mpi():                 # the floor: MPI alone, no ember around it
            req = comm.Iallreduce(MPI.IN_PLACE, src)
            while not req.Test():
                yield_()
        # Ranks line up (untimed) before each call, so one rank's lag is not counted.
        ar = _median_time(lambda: dist.all_reduce(t), reps, comm.Barrier)
        mpi = _median_time(bare_mpi, reps, comm.Barrier)
        copy = _median_time(lambda: np.copyto(dst, src), reps)
        rows.append({"bytes": nbytes, "all_reduce": ar, "mpi": mpi, "copy": copy})
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps({"world": dist.get_world_size(), "rows": rows}))
    dist.destroy_process_group()


def _mlp_step(torch, batch: int, ddp: bool):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 10))
    if ddp:
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.randn(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model, step


def worker_ddp(quick: bool) -> None:
    import ember as torch
    import ember.distributed as dist
    reps = 20 if quick else 60
    if "RANK" not in os.environ:               # the one-process baseline
        _, step = _mlp_step(torch, 128, ddp=False)
        for _ in range(3):
            step()
        print("RESULT " + json.dumps({"step": _median_time(step, reps)}))
        return
    dist.init_process_group("gloo")
    n = dist.get_world_size()
    model, step = _mlp_step(torch, 128 // n, ddp=True)
    for _ in range(3):
        step()

    def synced():
        dist.barrier()               # every rank starts the step together
        step()

    def local():
        dist.barrier()
        with model.no_sync():
            step()
    t_ddp = _median_time(synced, reps)
    t_local = _median_time(local, reps)
    grads = torch.zeros(sum(p.numel() for p in model.parameters()))
    t_ar = _median_time(lambda: dist.all_reduce(grads), reps)
    t_barrier = _median_time(dist.barrier, reps)
    if dist.get_rank() == 0:
        print("RESULT " + json.dumps({"world": n, "ddp": t_ddp - t_barrier,
                                      "local": t_local - t_barrier, "allreduce": t_ar,
                                      "grad_bytes": grads.numel() * 4,
                                      "buckets": len(model._buckets)}))
    dist.destroy_process_group()


# -- driver ----------------------------------------------------------------------------------
def _launch(args: list, threads: str | None = "1") -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        env.pop(k, None)
    if threads is None:
        env.pop("OMP_NUM_THREADS", None)
    else:
        env["OMP_NUM_THREADS"] = threads
    out = subprocess.run([sys.executable, "-m", "ember", "run", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"benchmark run failed:\n{out.stdout}\n{out.stderr}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes up to 4 MB, fewer repeats")
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "RESULTS_distributed.md"),
                    help="also write the tables here (markdown)")
    ap.add_argument("--worker", choices=["allreduce", "ddp"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker == "allreduce":
        return worker_allreduce(args.quick)
    if args.worker == "ddp":
        return worker_ddp(args.quick)

    me = os.path.abspath(__file__)
    extra = ["--quick"] if args.quick else []
    n = args.nproc
    lines = []

    def emit(line: str = "") -> None:     # to the terminal and to --out
        lines.append(line)
        sys.stdout.write(line + "\n")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    emit("# ember.distributed benchmarks\n")
    emit(f"Machine: {os.cpu_count()} cores, load average {load:.1f} at the start; {n} "
         f"processes, one BLAS thread each; {time.strftime('%Y-%m-%d')}. Run: `python "
         f"benchmarks/bench_distributed.py{' --quick' if args.quick else ''}`.\n")
    res = _launch(["--nproc-per-node", str(n), me, "--worker", "allreduce", *extra])
    emit(f"## all_reduce (SUM, float32) on {n} processes vs a local copy of the buffer")
    emit("\n| size | all_reduce | bandwidth | MPI alone | local copy | all_reduce / copy |")
    emit("|---:|---:|---:|---:|---:|---:|")
    for r in res["rows"]:
        bw = r["bytes"] / r["all_reduce"] / 1e9
        emit(f"| {_fmt_bytes(r['bytes'])} | {_fmt_time(r['all_reduce'])} | {bw:.2f} GB/s | "
             f"{_fmt_time(r['mpi'])} | {_fmt_time(r['copy'])} | "
             f"{r['all_reduce'] / r['copy']:.1f} |")

    one = _launch([me, "--worker", "ddp", *extra])["step"]
    one_default = _launch([me, "--worker", "ddp", *extra], threads=None)["step"]
    ddp = _launch(["--nproc-per-node", str(n), me, "--worker", "ddp", *extra])
    eff = one / ddp["ddp"] / n
    emit(f"\n## DDP step, MLP 784-512-512-10, SGD momentum, global batch 128 "
         f"({ddp['grad_bytes'] / 2**20:.1f} MB of gradients in {ddp['buckets']} buckets)\n")
    emit("| run | step | speedup | scaling efficiency |")
    emit("|---|---:|---:|---:|")
    emit(f"| 1 process, 1 thread, batch 128 | {_fmt_time(one)} | 1.00 | |")
    emit(f"| 1 process, default threads, batch 128 | {_fmt_time(one_default)} | "
         f"{one / one_default:.2f} | |")
    emit(f"| {n} processes DDP, batch {128 // n} each | {_fmt_time(ddp['ddp'])} | "
         f"{one / ddp['ddp']:.2f} | {eff:.0%} |")
    emit(f"| {n} processes, compute only (no_sync) | {_fmt_time(ddp['local'])} | "
         f"{one / ddp['local']:.2f} | {one / ddp['local'] / n:.0%} |")
    emit(f"| {n} processes, all_reduce of all gradients alone | "
         f"{_fmt_time(ddp['allreduce'])} | | |")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
