"""ember.distributed, DistributedDataParallel and the launcher, in real multi-process runs.

Each multi-process test starts one MPI job (2 or 4 ranks on this machine) that runs a worker
script written for PyTorch through ``ember run``; the ranks save what they saw, and the test
compares it with the values expected in closed form or computed here, in one process, by
PyTorch itself."""
import importlib.util
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def _has_mpi() -> bool:
    return importlib.util.find_spec("mpi4py") is not None


needs_mpi = pytest.mark.skipif(not _has_mpi(), reason="the distributed extra (mpi4py) is "
                               "not installed")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    # CI runs as root; Open MPI refuses that unless told it is intended.
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    return env


def _ember(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "ember", *args], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=timeout)


def _mpiexec() -> str:
    from ember.distributed.run import find_mpiexec
    return find_mpiexec()


def _load(out: Path, n: int) -> list:
    return [pickle.loads((out / f"rank{r}.pkl").read_bytes()) for r in range(n)]


# -- without MPI ----------------------------------------------------------------------------------
def test_importable_without_mpi4py():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import importlib.util as u; u.find_spec = lambda name, *a: None\n"
            "import ember.distributed as dist\n"
            "print(dist.is_available(), dist.is_initialized())\n"
            "try:\n    dist.init_process_group('gloo')\n"
            "except RuntimeError as e:\n    print('RuntimeError', e)\n")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    first, second = p.stdout.splitlines()[:2]
    assert first == "False False"
    assert second.startswith("RuntimeError") and "pip install 'ember[distributed]'" in second


def test_not_initialized_errors_match_torch():
    import ember.distributed as dist
    for fn in (dist.get_rank, dist.get_world_size):
        with pytest.raises(ValueError) as ours:
            fn()
        with pytest.raises(ValueError) as theirs:
            getattr(torch.distributed, fn.__name__)()
        assert str(ours.value) == str(theirs.value)
    assert str(dist.ReduceOp.SUM) == str(torch.distributed.ReduceOp.SUM)
    assert dist.Backend("GLOO") == torch.distributed.Backend("GLOO") == "gloo"
    # a timeout is a backend error, as in PyTorch, and a RuntimeError
    assert issubclass(dist.DistTimeoutError, dist.DistBackendError)
    assert dist.DistBackendError.__mro__[1:3] == (dist.DistError, RuntimeError)


@pytest.mark.parametrize("n", [0, 1, 7, 10, 23])
def test_distributed_sampler_matches_torch(n):
    import ember
    from torch.utils.data import DistributedSampler as TorchSampler
    from ember.utils.data import DistributedSampler
    assert ember.utils.data.DistributedSampler is DistributedSampler
    for world in (1, 2, 3, 4):
        for rank in range(world):
            for shuffle in (True, False):
                for drop_last in (True, False):
                    kw = dict(num_replicas=world, rank=rank, shuffle=shuffle, seed=11,
                              drop_last=drop_last)
                    ours, theirs = DistributedSampler(range(n), **kw), TorchSampler(range(n),
                                                                                   **kw)
                    for epoch in (0, 5):
                        ours.set_epoch(epoch)
                        theirs.set_epoch(epoch)
                        assert len(ours) == len(theirs)
                        assert list(ours) == list(theirs)
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                       r"\[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


# -- collectives on 2 processes, started by a user's own mpiexec ----------------------------------
@needs_mpi
def test_collectives_two_processes(tmp_path):
    cmd = [_mpiexec(), "-n", "2", "--oversubscribe", sys.executable, "-m", "ember", "run",
           str(HERE / "collectives_worker.py"), str(tmp_path)]
    p = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    n = 2
    res = _load(tmp_path, n)
    for r, d in enumerate(res):
        assert d["env"] == {"RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": "2",
                            "LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
                            "MASTER_PORT": "29500"}
        assert d["backend"] == "gloo" and d["initialized"] and not d["after_destroy"]
        assert d["twice"] == ("ValueError", "trying to initialize the default process group "
                                            "twice!")
        base = np.arange(4, dtype=np.float32)
        each = [base + k for k in range(n)]
        np.testing.assert_array_equal(d["all_reduce_SUM"], sum(each))
        np.testing.assert_array_equal(d["all_reduce_AVG"], sum(each) / n)
        np.testing.assert_array_equal(d["all_reduce_MAX"], each[-1])
        np.testing.assert_array_equal(d["all_reduce_MIN"], each[0])
        np.testing.assert_array_equal(d["all_reduce_PRODUCT"], np.prod(each, axis=0))
        assert d["all_reduce_SUM"].dtype == np.float32
        np.testing.assert_array_equal(d["all_reduce_int64"], [3, 10])
        assert d["all_reduce_int64"].dtype == np.int64
        np.testing.assert_array_equal(d["all_reduce_bool"], [True, False, True])
        assert d["all_reduce_f16"][0] == "torch.float16"
        np.testing.assert_array_equal(d["all_reduce_f16"][1], [1.5] * 3)
        expect = np.zeros((3, 4), np.float32)
        expect[:, ::2] = 3.0            # the strided view was reduced; the rest untouched
        np.testing.assert_array_equal(d["all_reduce_view"], expect)
        assert d["async"][:2] == (True, True)
        np.testing.assert_array_equal(d["async"][2], np.ones(5))
        np.testing.assert_array_equal(d["reduce"], [0, 3, 6] if r == 1 else [0, 1, 2])
        np.testing.assert_array_equal(d["broadcast"], np.ones((2, 2)))
        np.testing.assert_array_equal(np.stack(d["all_gather"]), [[0, 0], [1, 1]])
        np.testing.assert_array_equal(d["all_gather_into_tensor"],
                                      np.repeat([0., 1.], 6).reshape(4, 3))
        if r == 0:
            np.testing.assert_array_equal(np.stack(d["gather"]), [[0.5] * 3, [1.5] * 3])
        else:
            assert d["gather"] is None
        np.testing.assert_array_equal(d["scatter"], [7.0 + r] * 2)
        full = sum(np.arange(4.) + k for k in range(n))
        np.testing.assert_array_equal(d["reduce_scatter_tensor"], full[2 * r:2 * r + 2])
        np.testing.assert_array_equal(d["reduce_scatter"], [20 * r + 1] * 2)
        np.testing.assert_array_equal(d["all_to_all_single"],
                                      [2 * r + 10 * k + j for k in range(n) for j in (0, 1)])
        for k, x in enumerate(d["all_to_all"]):
            np.testing.assert_array_equal(x, [k] * (r + 1))
        assert d["all_to_all_mismatch"][0] == "RuntimeError"
        sender, got = d["recv"]
        assert sender == (r - 1) % n
        np.testing.assert_array_equal(got, [float((r - 1) % n)] * 3)
        np.testing.assert_array_equal(d["irecv"], [(r - 1) % n] * 2)
        assert d["irecv"].dtype == np.int32
        kind, msg = d["shape_mismatch"]
        assert kind == "RuntimeError"
        assert "rank 0: all_reduce(float32[2], SUM); rank 1: all_reduce(float32[3], SUM)" in msg
        kind, msg = d["op_mismatch"]
        assert kind == "RuntimeError" and "broadcast(float32[2]" in msg and "all_reduce" in msg
        assert d["bad_type"][0] == "TypeError"
        assert d["all_gather_object"] == [{"rank": 0, "sq": []}, {"rank": 1, "sq": [1]}]
        assert d["broadcast_object_list"] == [1, "x", None]
        assert d["gather_object"] == ([("g", 0), ("g", 1)] if r == 0 else None)
        assert d["scatter_object_list"] == [{"to": r}]
        assert d["group0"] == ((0, 1) if r == 0 else (-1, -1))
        np.testing.assert_array_equal(d["group_evens"], [r])
        assert d["node_local_rank"] == r
    kind, msg = res[1]["recv_mismatch"]
    assert kind == "RuntimeError" and "larger than the receiving tensor" in msg


# -- DistributedDataParallel on 4 processes, started by the launcher -------------------------------
def _reference():
    """The single-process results with real PyTorch, from the worker's own helpers."""
    spec = importlib.util.spec_from_file_location("_ddp_worker_ref", HERE / "ddp_worker.py")
    w = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(w)
    assert w.torch is torch                   # the helpers run on PyTorch here
    x, y = w.data()
    model = w.mlp(100)
    init = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    w.train(model, x, y)
    trained = {"module." + k: v.numpy() for k, v in model.state_dict().items()}
    acc = w.accumulated_grads(w.mlp(7), x, y)
    torch.manual_seed(3)
    br = w.Branchy()
    grads = {}
    for r in range(4):                       # b is used by rank 0 only
        br.zero_grad()
        br(torch.ones(2, 3) * (r + 1), use_b=(r == 0)).sum().backward()
        for k, p in br.named_parameters():
            if p.grad is not None:
                grads[k] = grads.get(k, 0) + p.grad.numpy() / 4
    return init, trained, acc, grads


@needs_mpi
def test_ddp_four_processes_equals_one_process_full_batch(tmp_path):
    start = time.monotonic()
    p = _ember("run", "--nproc-per-node", "4", str(HERE / "ddp_worker.py"), str(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    res = _load(tmp_path, 4)
    init, trained, acc, unused = _reference()
    for r, d in enumerate(res):
        assert d["env"] == {"RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": "4",
                            "LOCAL_WORLD_SIZE": "4", "MASTER_ADDR": "127.0.0.1",
                            "MASTER_PORT": "29500", "GROUP_RANK": "0"}
        assert d["indices"] == list(range(r, 16, 4))
        assert d["buckets"] == 3
        # every replica starts from rank 0's initialisation (seed 100 here, like torch)
        for k, v in init.items():
            np.testing.assert_array_equal(d["init"][k], v)
        # three steps of 4 replicas x 4 samples == three steps on all 16 samples
        assert sorted(d["trained"]) == sorted(trained)
        for k, v in trained.items():
            np.testing.assert_allclose(d["trained"][k], v, rtol=1e-5, atol=1e-6)
        # no_sync: the two micro-batches' gradients summed locally, averaged once
        for k, v in acc.items():
            np.testing.assert_allclose(d["no_sync"]["module." + k], v, rtol=1e-5, atol=1e-6)
        # find_unused_parameters: b averaged with zeros from the ranks not using it;
        # never used anywhere: its grad stays None
        assert d["unused"]["never.weight"] is None and d["unused"]["never.bias"] is None
        for k, v in unused.items():
            np.testing.assert_allclose(d["unused"][k], v, rtol=1e-5, atol=1e-6)
        assert d["strict_ok"] is True
        assert d["strict_error"].startswith("Expected to have finished reduction in the prior "
                                            "iteration before starting a new one.")
        assert "['b.bias', 'b.weight']" in d["strict_error"]
        np.testing.assert_array_equal(d["running_mean"], res[0]["running_mean"])
        assert np.abs(d["running_mean"]).max() < 0.5      # started from rank 0's zeros
        assert d["mismatch"].startswith("DDP expects same model across all ranks, but Rank 1")
        assert d["repr"] == ("DistributedDataParallel(\n  (module): Linear(in_features=2, "
                             "out_features=3, bias=True)\n)")
    assert time.monotonic() - start < 60


# -- faults: nothing hangs -------------------------------------------------------------------------
FAULTY = """
import os, sys, time
from datetime import timedelta
import torch, torch.distributed as dist
dist.init_process_group("gloo", timeout=timedelta(seconds=float(sys.argv[2])))
r = dist.get_rank()
dist.barrier()
mode = sys.argv[1]
if r == 1:
    if mode == "kill":
        os.kill(os.getpid(), 9)
    if mode in ("hang", "interrupt"):
        print("ready", flush=True)
        time.sleep(120)
dist.all_reduce(torch.ones(3))
"""


@needs_mpi
@pytest.mark.parametrize("mode,marker", [
    # rank 0 times out waiting for rank 1 and raises; that aborts the job, rank 1 included
    ("hang", "all_reduce(float32[3], SUM) timed out after 2 s"),
    ("kill", "exited on signal 9"),
])
def test_a_failing_rank_ends_the_job(tmp_path, mode, marker):
    script = tmp_path / "faulty.py"
    script.write_text(FAULTY)
    start = time.monotonic()
    p = _ember("run", "--nproc-per-node", "2", str(script), mode, "2", timeout=60)
    elapsed = time.monotonic() - start
    assert p.returncode != 0
    assert marker in " ".join((p.stdout + p.stderr).split())   # MPI wraps its lines
    assert elapsed < 30, elapsed
    assert _processes_running(str(script)) == []          # no rank left behind


@needs_mpi
def test_ctrl_c_stops_every_rank(tmp_path):
    script = tmp_path / "faulty.py"
    script.write_text(FAULTY)
    proc = subprocess.Popen([sys.executable, "-m", "ember", "run", "--nproc-per-node", "2",
                             str(script), "interrupt", "600"], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    assert proc.stdout.readline().strip() == "ready"     # rank 1 sleeps, rank 0 waits on it
    os.killpg(proc.pid, signal.SIGINT)                   # what Ctrl-C in a terminal does
    proc.wait(timeout=30)
    assert proc.returncode != 0
    proc.stdout.close()
    assert _processes_running(str(script)) == []


def _processes_running(needle: str) -> list:
    """pids whose command line mentions ``needle`` (Linux /proc)."""
    pids = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and needle in (d / "cmdline").read_bytes().decode():
                pids.append(int(d.name))
        except OSError:
            pass
    return pids


def test_launcher_without_flags_runs_in_process(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text("import os, torch\nprint(torch.__name__, os.environ.get('RANK'))\n")
    p = _ember("run", str(script))
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["ember", "None"]
    p = _ember("run", "--nnodes", "2", "--nproc-per-node", "2", str(script))
    assert p.returncode != 0 and "hostfile" in p.stderr


@needs_mpi
def test_example_ddp_digits_equals_one_process(tmp_path, monkeypatch):
    """examples/ddp_digits.py on 2 ember processes == the same script on one PyTorch one."""
    pytest.importorskip("sklearn")
    import runpy
    example = ROOT / "examples" / "ddp_digits.py"
    p = _ember("run", "--nproc-per-node", "2", str(example), "--epochs", "1", "--save",
               str(tmp_path / "ddp.npz"))
    assert p.returncode == 0, p.stdout + p.stderr
    assert "(2 processes)" in p.stdout
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.setattr(sys, "argv", [str(example), "--epochs", "1", "--save",
                                      str(tmp_path / "one.npz")])
    runpy.run_path(str(example), run_name="__main__")      # real PyTorch, one process
    ours, theirs = np.load(tmp_path / "ddp.npz"), np.load(tmp_path / "one.npz")
    assert sorted(ours) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    for k in ours:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-5, atol=1e-6)
