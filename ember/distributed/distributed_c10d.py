"""Process groups and collectives (``torch.distributed``), on MPI through mpi4py.

A process group wraps an MPI communicator. Collectives run on the tensor's own NumPy buffer
in place (no pickling of tensor data): MPI reads and writes that memory directly. Each one
starts non-blocking and is waited on with the group's timeout, and, before moving data,
the ranks agree on what they are doing (operation, dtype, shape), so that a mismatched call
raises a clear error instead of overrunning a buffer.
"""
from __future__ import annotations

import enum
import hashlib
import os
import pickle
from datetime import timedelta

import numpy as np

from .._tensor import Tensor
from . import _mpi
from ._mpi import (DistBackendError, DistError, DistNetworkError, DistStoreError,
                   DistTimeoutError, byte_view, reducible, wait_all)

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "DistBackendError",
           "DistError", "DistNetworkError", "DistStoreError", "DistTimeoutError",
           "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce",
           "all_to_all", "all_to_all_single",
           "barrier", "broadcast", "broadcast_object_list", "destroy_process_group", "gather",
           "gather_object", "get_backend", "get_global_rank", "get_group_rank",
           "get_node_local_rank", "monitored_barrier",
           "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_gloo_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "is_torchelastic_launched", "isend",
           "new_group", "recv", "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter",
           "scatter_object_list", "send", "default_pg_timeout"]

default_pg_timeout = timedelta(minutes=30)


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8
    UNUSED = 9

    def __str__(self) -> str:
        return f"RedOpType.{self.name}"


class ReduceOp:
    """The reductions of ``all_reduce``, ``reduce`` and ``reduce_scatter``."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM
    UNUSED = RedOpType.UNUSED


_MPI_OP = {RedOpType.SUM: "SUM", RedOpType.AVG: "SUM", RedOpType.PRODUCT: "PROD",
           RedOpType.MIN: "MIN", RedOpType.MAX: "MAX", RedOpType.BAND: "BAND",
           RedOpType.BOR: "BOR", RedOpType.BXOR: "BXOR"}
# MPI reduces C booleans only with the logical operators.
_MPI_BOOL_OP = {"SUM": "LOR", "MAX": "LOR", "BOR": "LOR", "PROD": "LAND", "MIN": "LAND",
                "BAND": "LAND", "BXOR": "LXOR"}


class Backend(str):
    """A backend name. Both ``"gloo"`` (what CPU PyTorch scripts pass) and ``"mpi"`` run on
    MPI here."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"

    def __new__(cls, name: str) -> "Backend":
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: "
                             f"{type(name).__name__}")
        return super().__new__(cls, name.lower())


class ProcessGroup:
    """A set of ranks that run collectives together: an MPI communicator."""

    __slots__ = ("_comm", "_ranks", "_backend", "_timeout")

    def __init__(self, comm, ranks: list, backend: str, timeout: float) -> None:
        self._comm = comm
        self._ranks = ranks            # group rank i is global rank ranks[i]
        self._backend = backend
        self._timeout = timeout

    def rank(self) -> int:
        return self._comm.Get_rank()

    def size(self) -> int:
        return self._comm.Get_size()

    def name(self) -> str:
        return self._backend.upper()

    def __repr__(self) -> str:
        return f"<ember.distributed.ProcessGroup {self._backend} ranks={self._ranks}>"


class GroupMember:
    """``GroupMember.WORLD`` is the default group once initialised."""

    WORLD = None
    NON_GROUP_MEMBER = -100


class group:
    """``group.WORLD``: the default process group."""

    WORLD = None


_group_ns = group          # the functions' ``group`` parameters shadow the class


_default_pg: ProcessGroup | None = None


class Work:
    """A started operation: ``wait()`` blocks until it is done (or its timeout passes)."""

    __slots__ = ("_reqs", "_finish", "_timeout", "_what", "_done", "_result", "_statuses")

    def __init__(self, reqs: list, finish, timeout: float, what: str, result=None,
                 statuses=None) -> None:
        self._reqs = reqs
        self._finish = finish          # called once, after the requests complete
        self._timeout = timeout
        self._what = what
        self._done = False
        self._result = result
        self._statuses = statuses

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish(self)

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation has finished; True."""
        if not self._done:
            limit = self._timeout if timeout is None else _seconds(timeout)
            try:
                wait_all(self._reqs, limit, self._what, self._statuses)
            except _mpi.mpi().Exception as e:
                raise RuntimeError(f"{self._what} failed in MPI: {self._error(e)}") from None
            self._complete()
        return True

    def _error(self, e) -> str:
        MPI = _mpi.mpi()
        if e.Get_error_class() == MPI.ERR_IN_STATUS:     # the cause is in the statuses
            for st in self._statuses:
                code = st.Get_error()
                if code == MPI.ERR_TRUNCATE:
                    return ("the message sent is larger than the receiving tensor "
                            f"({MPI.Get_error_string(code)})")
                if code != MPI.SUCCESS:
                    return MPI.Get_error_string(code)
        return e.Get_error_string()

    def is_completed(self) -> bool:
        if not self._done and _mpi.mpi().Request.Testall(self._reqs, self._statuses):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        return self.is_completed()

    def exception(self):
        return None

    def result(self) -> list:
        self.wait()
        return self._result

    def source_rank(self) -> int:
        """The global rank a completed ``irecv`` got its message from."""
        self.wait()
        return self._result[1]

    def synchronize(self) -> None:
        self.wait()


def _done_work(result=None) -> Work:
    w = Work([], None, 0.0, "", result)
    w._done = True
    return w


# -- state --------------------------------------------------------------------------------------
def is_available() -> bool:
    """Whether ember.distributed can run: mpi4py is installed."""
    return _mpi.available()


def is_initialized() -> bool:
    return _default_pg is not None


def is_mpi_available() -> bool:
    return _mpi.available()


def is_gloo_available() -> bool:
    # "gloo" is accepted and runs on MPI.
    return _mpi.available()


def is_nccl_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def _seconds(timeout) -> float:
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    raise TypeError(f"Expected timeout argument to be of type datetime.timedelta, got "
                    f"{type(timeout).__name__}")


def _env_int(name: str) -> int | None:
    v = os.environ.get(name)
    return None if v is None else int(v)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1, rank: int = -1,
                       store=None, group_name: str = "", pg_options=None,
                       device_id=None) -> None:
    """Join the default process group of all ranks started by the MPI launcher.

    ``backend`` "gloo" or "mpi" (both on MPI). Rank and world size come from the arguments,
    else from ``RANK``/``WORLD_SIZE`` (``init_method="env://"``, set by ``ember run``), else
    from MPI; they must agree with the processes MPI started. The address in ``tcp://`` or
    ``MASTER_ADDR`` is not needed: MPI has already connected the ranks."""
    global _default_pg
    if _default_pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = Backend(backend if backend is not None else "gloo")
    if name.startswith("cpu:") or "," in name:      # "cpu:gloo,cuda:nccl"
        parts = dict(p.split(":", 1) for p in name.split(",") if ":" in p)
        name = Backend(parts.get("cpu", "gloo"))
    if name == Backend.NCCL:
        raise RuntimeError("Distributed package doesn't have NCCL built in (ember runs on the "
                           "CPU; use backend='gloo' or 'mpi')")
    if name not in (Backend.GLOO, Backend.MPI):
        raise ValueError(f"Invalid backend: '{name}' (ember.distributed offers 'gloo' and "
                         "'mpi', both running on MPI)")
    if init_method is not None and not init_method.startswith(("env://", "tcp://", "file://")):
        raise ValueError(f"unsupported init_method '{init_method}'")
    secs = _seconds(default_pg_timeout if timeout is None else timeout)
    MPI = _mpi.mpi()
    world = MPI.COMM_WORLD
    mpi_rank, mpi_size = world.Get_rank(), world.Get_size()
    if rank < 0:
        rank = _env_int("RANK")
    if world_size < 0:
        world_size = _env_int("WORLD_SIZE")
    if world_size is not None and world_size != mpi_size:
        raise RuntimeError(
            f"init_process_group: world_size={world_size} but MPI started {mpi_size} "
            "process(es). ember.distributed runs on MPI: start the ranks with "
            f"`ember run --nproc-per-node {world_size} script.py` or "
            f"`mpirun -n {world_size} ember run script.py`")
    if rank is not None and not 0 <= rank < mpi_size:
        raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                         f"[0, {mpi_size - 1}]")
    # Our own communicator, so that our collectives never match user MPI calls; ordered by
    # the requested rank (a launcher may number ranks differently from MPI).
    comm = world.Split(0, mpi_rank if rank is None else rank)
    if rank is not None and comm.Get_rank() != rank:
        raise RuntimeError(f"init_process_group: rank {rank} was requested by more than one "
                           "process")
    _mpi.install_abort_hook()
    pg = ProcessGroup(comm, list(range(mpi_size)), str(name), secs)
    _default_pg = pg
    GroupMember.WORLD = pg
    _group_ns.WORLD = pg


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group (and every group made from it)."""
    global _default_pg
    if group is None or group is _default_pg:
        _default_pg = None
        GroupMember.WORLD = None
        _group_ns.WORLD = None


def _default() -> ProcessGroup:
    if _default_pg is None:
        raise ValueError("Default process group has not been initialized, please make sure "
                         "to call init_process_group.")
    return _default_pg


def _group(g) -> ProcessGroup | None:
    """The group to use; None when this rank is not a member of ``g``."""
    if g is None:
        return _default()
    if g is GroupMember.NON_GROUP_MEMBER:
        return None
    _default()
    return g


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (-1 when it is not a member)."""
    pg = _group(group)
    return -1 if pg is None else pg.rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    pg = _group(group)
    return -1 if pg is None else pg.size()


def get_backend(group: ProcessGroup | None = None) -> Backend:
    pg = _group(group)
    if pg is None:
        raise ValueError("Invalid process group specified")
    return Backend(pg._backend)


def get_process_group_ranks(group: ProcessGroup) -> list:
    pg = _group(group)
    return list(pg._ranks)


def get_global_rank(group: ProcessGroup, group_rank: int) -> int:
    pg = _group(group)
    if not 0 <= group_rank < len(pg._ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg._ranks[group_rank]


def get_group_rank(group: ProcessGroup, global_rank: int) -> int:
    pg = _group(group)
    try:
        return pg._ranks.index(global_rank)
    except ValueError:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}") from None


def new_group(ranks: list | None = None, timeout: timedelta | None = None,
              backend: str | None = None, pg_options=None,
              use_local_synchronization: bool = False, group_desc: str | None = None):
    """A group of some global ranks (all of them by default); ``GroupMember.NON_GROUP_MEMBER``
    on the ranks left out. Called by the members (MPI creates it among them only)."""
    world = _default()
    members = sorted(set(range(world.size()) if ranks is None else ranks))
    for r in members:
        if not 0 <= r < world.size():
            raise ValueError(f"Invalid rank {r}, rank should be in the interval "
                             f"[0, {world.size() - 1}]")
    secs = world._timeout if timeout is None else _seconds(timeout)
    if world.rank() not in members:
        return GroupMember.NON_GROUP_MEMBER
    sub = world._comm.Create_group(world._comm.Get_group().Incl(members))
    return ProcessGroup(sub, members, world._backend if backend is None else str(backend),
                        secs)


# -- argument checks ------------------------------------------------------------------------------
def _tensor_arg(t, name: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor but got {type(t)} instead.")
    return t


def _list_arg(ts, name: str) -> list:
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        "List[torch.Tensor] but got " + repr(type(ts)) + " instead.")
    return list(ts)


def _desc(t: Tensor) -> str:
    return f"{t._data.dtype}{list(t._data.shape)}"


def _agree(pg: ProcessGroup, what: str) -> None:
    """All ranks check that they are running the same call (name, dtypes, shapes, root).

    One tiny all-reduce of a hash of ``what`` (max of h and of -h: equal only when all
    agree); on a mismatch every rank sees it, gathers the descriptions, and raises."""
    MPI = _mpi.mpi()
    h = int.from_bytes(hashlib.blake2b(what.encode(), digest_size=7).digest(), "little")
    buf = np.array([h, -h], dtype=np.int64)
    req = pg._comm.Iallreduce(MPI.IN_PLACE, buf, op=MPI.MAX)
    wait_all([req], pg._timeout, what)
    if buf[0] != -buf[1]:
        everyone = pg._comm.allgather(what)
        lines = "; ".join(f"rank {pg._ranks[i]}: {w}" for i, w in enumerate(everyone))
        raise RuntimeError(f"mismatched collective across ranks (different operations, "
                           f"dtypes or shapes): {lines}")


def _root(pg: ProcessGroup, global_rank: int, name: str) -> int:
    try:
        return pg._ranks.index(global_rank)
    except ValueError:
        raise ValueError(f"{name}: global rank {global_rank} is not part of group "
                         f"{pg}") from None


def _contig(t: Tensor) -> np.ndarray:
    a = t._data
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _write_back(t: Tensor, a: np.ndarray) -> None:
    """Store ``a`` into ``t`` (nothing to copy when ``a`` is t's own buffer)."""
    if a is not t._data:
        t._data[...] = a
    t._bump()


def _run(reqs: list, finish, pg: ProcessGroup, what: str, async_op: bool, result=None):
    work = Work(reqs, finish, pg._timeout, what, result)
    if async_op:
        return work
    work.wait()
    return None


def _mpi_op(op, dtype: np.dtype):
    MPI = _mpi.mpi()
    try:
        name = _MPI_OP[RedOpType(op)]
    except (KeyError, ValueError):
        raise ValueError(f"ReduceOp {op!r} is not supported by ember.distributed") from None
    if dtype == np.bool_:
        name = _MPI_BOOL_OP[name]
    return getattr(MPI, name)


def _reduce_buffer(t: Tensor):
    """The array MPI reduces for ``t``: its own buffer when possible, else a float32 (for
    float16/bfloat16, which MPI cannot add) or contiguous copy."""
    a = t._data
    if not reducible(a.dtype):
        return a.astype(np.float32)
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def _finish_reduce(t: Tensor, w: np.ndarray, op, size: int):
    def finish(_work):
        if RedOpType(op) == RedOpType.AVG:
            divide = np.true_divide if w.dtype.kind in "fc" else np.floor_divide
            divide(w, size, out=w)
        if w is not t._data:
            t._data[...] = w.astype(t._data.dtype, copy=False)
        t._bump()
    return finish


# -- collectives -------------------------------------------------------------------------------
def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over the ranks, in place on every rank."""
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    what = f"all_reduce({_desc(tensor)}, {RedOpType(op).name})"
    _agree(pg, what)
    w = _reduce_buffer(tensor)
    MPI = _mpi.mpi()
    req = pg._comm.Iallreduce(MPI.IN_PLACE, w, op=_mpi_op(op, w.dtype))
    return _run([req], _finish_reduce(tensor, w, op, pg.size()), pg, what, async_op,
                [tensor])


def reduce(tensor: Tensor, dst: int = 0, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over the ranks into rank ``dst``'s tensor."""
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, dst, "reduce")
    what = f"reduce({_desc(tensor)}, {RedOpType(op).name}, dst={dst})"
    _agree(pg, what)
    w = _reduce_buffer(tensor)
    MPI = _mpi.mpi()
    mop = _mpi_op(op, w.dtype)
    if pg.rank() == root:
        req = pg._comm.Ireduce(MPI.IN_PLACE, w, op=mop, root=root)
        finish = _finish_reduce(tensor, w, op, pg.size())
    else:
        req = pg._comm.Ireduce(w, None, op=mop, root=root)
        finish = None
    return _run([req], finish, pg, what, async_op, [tensor])


def broadcast(tensor: Tensor, src: int = 0, group=None, async_op: bool = False):
    """Copy rank ``src``'s tensor into every rank's tensor."""
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, src, "broadcast")
    what = f"broadcast({_desc(tensor)}, src={src})"
    _agree(pg, what)
    a = _contig(tensor)
    req = pg._comm.Ibcast(byte_view(a), root=root)
    return _run([req], lambda _w: _write_back(tensor, a), pg, what, async_op, [tensor])


def _same_as(ts: list, ref: Tensor, name: str, what: str) -> None:
    for t in ts:
        if t._data.shape != ref._data.shape or t._data.dtype != ref._data.dtype:
            raise RuntimeError(f"{what}: every tensor of {name} must have the input's dtype and "
                               f"shape {_desc(ref)}, got {_desc(t)}")


def all_gather(tensor_list: list, tensor: Tensor, group=None, async_op: bool = False):
    """Every rank's ``tensor`` into ``tensor_list[rank]``, on every rank."""
    tensor_list = _list_arg(tensor_list, "tensor_list")
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    what = f"all_gather({_desc(tensor)})"
    if len(tensor_list) != pg.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors, the group "
                         f"has {pg.size()} ranks")
    _same_as(tensor_list, tensor, "tensor_list", "all_gather")
    _agree(pg, what)
    out = np.empty((pg.size(),) + tensor._data.shape, tensor._data.dtype)
    req = pg._comm.Iallgather(byte_view(_contig(tensor)), byte_view(out))
    return _run([req], _scatter_rows(tensor_list, out), pg, what, async_op, tensor_list)


def _scatter_rows(tensor_list: list, out: np.ndarray):
    def finish(_work):
        for i, t in enumerate(tensor_list):
            t._data[...] = out[i]
            t._bump()
    return finish


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group=None,
                           async_op: bool = False):
    """Every rank's input, concatenated (or stacked) in rank order into ``output_tensor``."""
    _tensor_arg(output_tensor, "output_tensor")
    _tensor_arg(input_tensor, "input_tensor")
    pg = _group(group)
    if pg is None:
        return None
    what = f"all_gather_into_tensor({_desc(input_tensor)})"
    if output_tensor._data.size != pg.size() * input_tensor._data.size \
            or output_tensor._data.dtype != input_tensor._data.dtype:
        raise ValueError(f"all_gather_into_tensor: output tensor {_desc(output_tensor)} must "
                         f"hold {pg.size()} x input {_desc(input_tensor)} of the same dtype")
    _agree(pg, what)
    out = _contig(output_tensor)
    req = pg._comm.Iallgather(byte_view(_contig(input_tensor)), byte_view(out))
    return _run([req], lambda _w: _write_back(output_tensor, out), pg, what, async_op,
                [output_tensor])


def gather(tensor: Tensor, gather_list: list | None = None, dst: int = 0, group=None,
           async_op: bool = False):
    """Every rank's ``tensor`` into ``gather_list`` on rank ``dst``."""
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, dst, "gather")
    what = f"gather({_desc(tensor)}, dst={dst})"
    is_root = pg.rank() == root
    if is_root:
        gather_list = _list_arg(gather_list, "gather_list")
        if len(gather_list) != pg.size():
            raise ValueError(f"gather: gather_list has {len(gather_list)} tensors, the group "
                             f"has {pg.size()} ranks")
        _same_as(gather_list, tensor, "gather_list", "gather")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    _agree(pg, what)
    out = np.empty((pg.size(),) + tensor._data.shape, tensor._data.dtype) if is_root else None
    req = pg._comm.Igather(byte_view(_contig(tensor)),
                           byte_view(out) if is_root else None, root=root)
    finish = _scatter_rows(gather_list, out) if is_root else None
    return _run([req], finish, pg, what, async_op, gather_list)


def scatter(tensor: Tensor, scatter_list: list | None = None, src: int = 0, group=None,
            async_op: bool = False):
    """``scatter_list[i]`` on rank ``src`` into ``tensor`` on rank i."""
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    root = _root(pg, src, "scatter")
    what = f"scatter({_desc(tensor)}, src={src})"
    is_root = pg.rank() == root
    if is_root:
        scatter_list = _list_arg(scatter_list, "scatter_list")
        if len(scatter_list) != pg.size():
            raise ValueError(f"scatter: scatter_list has {len(scatter_list)} tensors, the "
                             f"group has {pg.size()} ranks")
        _same_as(scatter_list, tensor, "scatter_list", "scatter")
        send = np.stack([t._data for t in scatter_list])
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source "
                         "ranks.")
    _agree(pg, what)
    a = _contig(tensor)
    req = pg._comm.Iscatter(byte_view(send) if is_root else None, byte_view(a), root=root)
    return _run([req], lambda _w: _write_back(tensor, a), pg, what, async_op, [tensor])


def reduce_scatter_tensor(output: Tensor, input: Tensor, op=ReduceOp.SUM, group=None,
                          async_op: bool = False):
    """Reduce ``input`` over the ranks; rank i keeps the i-th block in ``output``."""
    _tensor_arg(output, "output")
    _tensor_arg(input, "input")
    pg = _group(group)
    if pg is None:
        return None
    what = f"reduce_scatter_tensor({_desc(output)}, {_desc(input)}, {RedOpType(op).name})"
    if input._data.size != pg.size() * output._data.size \
            or output._data.dtype != input._data.dtype:
        raise ValueError(f"reduce_scatter_tensor: input tensor {_desc(input)} must hold "
                         f"{pg.size()} x output {_desc(output)} of the same dtype")
    _agree(pg, what)
    src = _reduce_buffer(input)
    w = _reduce_buffer(output)
    req = pg._comm.Ireduce_scatter_block(src, w, op=_mpi_op(op, src.dtype))
    return _run([req], _finish_reduce(output, w, op, pg.size()), pg, what, async_op, [output])


def reduce_scatter(output: Tensor, input_list: list, op=ReduceOp.SUM, group=None,
                   async_op: bool = False):
    """Reduce ``input_list[i]`` over the ranks into ``output`` on rank i."""
    _tensor_arg(output, "output")
    input_list = _list_arg(input_list, "input_list")
    pg = _group(group)
    if pg is None:
        return None
    if len(input_list) != pg.size():
        raise ValueError(f"reduce_scatter: input_list has {len(input_list)} tensors, the group "
                         f"has {pg.size()} ranks")
    _same_as(input_list, output, "input_list", "reduce_scatter")
    stacked = Tensor._wrap(np.stack([t._data for t in input_list]))
    return reduce_scatter_tensor(output, stacked, op, group, async_op)


def all_to_all_single(output: Tensor, input: Tensor, output_split_sizes=None,
                      input_split_sizes=None, group=None, async_op: bool = False):
    """Rank i's j-th block of ``input`` (split along dim 0) into rank j's i-th block of
    ``output``; equal blocks, or the given split sizes."""
    _tensor_arg(output, "output")
    _tensor_arg(input, "input")
    pg = _group(group)
    if pg is None:
        return None
    n = pg.size()
    if output._data.dtype != input._data.dtype:
        raise ValueError(f"all_to_all_single: output {_desc(output)} and input {_desc(input)} "
                         "must have the same dtype")
    what = f"all_to_all_single({_desc(input)}, {_desc(output)})"

    def counts(t: Tensor, splits, name: str) -> np.ndarray:
        rows = t._data.shape[0] if t._data.ndim else 1
        if splits is None:
            if rows % n:
                raise ValueError(f"all_to_all_single: {name} {_desc(t)} does not split into "
                                 f"{n} equal blocks along dim 0")
            splits = [rows // n] * n
        if len(splits) != n or sum(splits) != rows:
            raise ValueError(f"all_to_all_single: {name} split sizes {list(splits)} must be "
                             f"{n} sizes adding up to {rows}")
        row_bytes = t._data.nbytes // max(rows, 1)
        return np.asarray(splits, dtype=np.int64) * row_bytes
    send_counts = counts(input, input_split_sizes, "input")
    recv_counts = counts(output, output_split_sizes, "output")
    _agree(pg, "all_to_all_single")
    # Every rank must receive what its peers send it: check, on all ranks together, before
    # moving any byte.
    MPI = _mpi.mpi()
    sent_to_me = np.empty(n, np.int64)
    wait_all([pg._comm.Ialltoall(send_counts, sent_to_me)], pg._timeout, what)
    fits = np.array_equal(sent_to_me, recv_counts)
    ok = np.array([int(fits)], np.int64)
    wait_all([pg._comm.Iallreduce(MPI.IN_PLACE, ok, op=MPI.MIN)], pg._timeout, what)
    if not ok[0]:
        raise RuntimeError(
            f"{what}: peers send {sent_to_me.tolist()} bytes, but the output blocks hold "
            f"{recv_counts.tolist()} bytes" if not fits else
            f"{what}: another rank's output blocks do not match what is sent to it")
    out = _contig(output)

    def displs(c: np.ndarray) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(c)[:-1]])
    req = pg._comm.Ialltoallv(
        [byte_view(_contig(input)), send_counts, displs(send_counts), MPI.BYTE],
        [byte_view(out), recv_counts, displs(recv_counts), MPI.BYTE])
    return _run([req], lambda _w: _write_back(output, out), pg, what, async_op, [output])


def all_to_all(output_tensor_list: list, input_tensor_list: list, group=None,
               async_op: bool = False):
    """``input_tensor_list[j]`` of rank i into ``output_tensor_list[i]`` of rank j."""
    outs = _list_arg(output_tensor_list, "output_tensor_list")
    ins = _list_arg(input_tensor_list, "input_tensor_list")
    pg = _group(group)
    if pg is None:
        return None
    if len(outs) != pg.size() or len(ins) != pg.size():
        raise ValueError(f"all_to_all: the tensor lists must hold {pg.size()} tensors, got "
                         f"{len(outs)} outputs and {len(ins)} inputs")
    flat_in = Tensor._wrap(np.concatenate([t._data.reshape(-1) for t in ins]))
    flat_out = Tensor._wrap(np.empty(sum(t._data.size for t in outs), flat_in._data.dtype))
    work = all_to_all_single(flat_out, flat_in, [t._data.size for t in outs],
                             [t._data.size for t in ins], group, async_op=True)
    write_flat = work._finish

    def finish(w):
        write_flat(w)
        offset = 0
        for t in outs:
            k = t._data.size
            t._data[...] = flat_out._data[offset:offset + k].reshape(t._data.shape)
            t._bump()
            offset += k
    work._finish = finish
    if async_op:
        return work
    work.wait()
    return None


def barrier(group=None, async_op: bool = False, device_ids=None):
    """Wait until every rank of the group has reached the barrier."""
    pg = _group(group)
    if pg is None:
        return None
    _agree(pg, "barrier()")
    req = pg._comm.Ibarrier()
    return _run([req], None, pg, "barrier()", async_op)


def monitored_barrier(group=None, timeout: timedelta | None = None,
                      wait_all_ranks: bool = False) -> None:
    """A barrier that raises :class:`DistTimeoutError` when a rank does not arrive within
    ``timeout`` (the group's by default)."""
    pg = _group(group)
    if pg is None:
        return
    limit = pg._timeout if timeout is None else _seconds(timeout)
    wait_all([pg._comm.Ibarrier()], limit, "monitored_barrier()")


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """This process's rank on its machine: ``LOCAL_RANK``, set by the launcher."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank "
                       "to allow `get_node_local_rank` to work, assuming you are not running "
                       "in a multi-device context and want the code to run locally instead.")


# -- point to point ----------------------------------------------------------------------------
def isend(tensor: Tensor, dst: int, group=None, tag: int = 0) -> Work | None:
    """Start sending ``tensor`` to global rank ``dst``."""
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    a = _contig(tensor)
    req = pg._comm.Isend(byte_view(a), dest=_root(pg, dst, "send"), tag=tag)
    return Work([req], None, pg._timeout, f"send({_desc(tensor)}, dst={dst}, tag={tag})")


def irecv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0) -> Work | None:
    """Start receiving into ``tensor`` from global rank ``src`` (any rank when None)."""
    _tensor_arg(tensor)
    pg = _group(group)
    if pg is None:
        return None
    MPI = _mpi.mpi()
    a = _contig(tensor)
    source = MPI.ANY_SOURCE if src is None else _root(pg, src, "recv")
    req = pg._comm.Irecv(byte_view(a), source=source, tag=tag)
    status = MPI.Status()
    what = f"recv({_desc(tensor)}, src={src}, tag={tag})"

    def finish(work):
        got = status.Get_count(MPI.BYTE)
        sender = pg._ranks[status.Get_source()]
        if got != a.nbytes:
            raise RuntimeError(f"{what}: rank {sender} sent {got} bytes, but the receiving "
                               f"tensor {_desc(tensor)} holds {a.nbytes} bytes")
        _write_back(tensor, a)
        work._result = [tensor, sender]
    return Work([req], finish, pg._timeout, what, [tensor, src], [status])


def send(tensor: Tensor, dst: int, group=None, tag: int = 0) -> None:
    """Send ``tensor`` to global rank ``dst`` (returns when it has been taken)."""
    work = isend(tensor, dst, group, tag)
    if work is not None:
        work.wait()


def recv(tensor: Tensor, src: int | None = None, group=None, tag: int = 0) -> int:
    """Receive into ``tensor``; returns the sender's global rank."""
    work = irecv(tensor, src, group, tag)
    if work is None:
        return -1
    work.wait()
    return work._result[1]


# -- objects (pickled) ---------------------------------------------------------------------------
def _pickled(obj) -> np.ndarray:
    return np.frombuffer(pickle.dumps(obj), dtype=np.uint8)


def _wait(pg: ProcessGroup, req, what: str) -> None:
    wait_all([req], pg._timeout, what)


def _gather_bytes(pg: ProcessGroup, data: np.ndarray, what: str) -> list:
    """Every rank's byte string, on every rank (sizes first, then the bytes)."""
    sizes = np.zeros(pg.size(), dtype=np.int64)
    _wait(pg, pg._comm.Iallgather(np.array([data.size], np.int64), sizes), what)
    out = np.empty(int(sizes.sum()), np.uint8)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    _wait(pg, pg._comm.Iallgatherv(data, [out, sizes, offsets, _mpi.mpi().BYTE]), what)
    return [out[o:o + n] for o, n in zip(offsets, sizes)]


def _bcast_bytes(pg: ProcessGroup, data: np.ndarray | None, root: int, what: str) -> np.ndarray:
    size = np.array([0 if data is None else data.size], np.int64)
    _wait(pg, pg._comm.Ibcast(size, root=root), what)
    buf = data if pg.rank() == root else np.empty(int(size[0]), np.uint8)
    _wait(pg, pg._comm.Ibcast(buf, root=root), what)
    return buf


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Every rank's picklable ``obj`` into ``object_list[rank]``."""
    pg = _group(group)
    if pg is None:
        return
    _agree(pg, "all_gather_object()")
    for i, b in enumerate(_gather_bytes(pg, _pickled(obj), "all_gather_object")):
        object_list[i] = pickle.loads(b.tobytes())


def gather_object(obj, object_gather_list: list | None = None, dst: int = 0,
                  group=None) -> None:
    """Every rank's picklable ``obj`` into ``object_gather_list`` on rank ``dst``."""
    pg = _group(group)
    if pg is None:
        return
    root = _root(pg, dst, "gather_object")
    _agree(pg, f"gather_object(dst={dst})")
    parts = _gather_bytes(pg, _pickled(obj), "gather_object")
    if pg.rank() == root:
        for i, b in enumerate(parts):
            object_gather_list[i] = pickle.loads(b.tobytes())


def broadcast_object_list(object_list: list, src: int = 0, group=None, device=None) -> None:
    """Rank ``src``'s picklable objects into ``object_list`` on every rank."""
    pg = _group(group)
    if pg is None:
        return
    root = _root(pg, src, "broadcast_object_list")
    _agree(pg, f"broadcast_object_list(src={src})")
    data = _pickled(list(object_list)) if pg.rank() == root else None
    got = pickle.loads(_bcast_bytes(pg, data, root, "broadcast_object_list").tobytes())
    if len(got) != len(object_list):
        raise RuntimeError(f"broadcast_object_list: rank {src} sent {len(got)} objects into a "
                           f"list of {len(object_list)}")
    object_list[:] = got


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list=None,
                        src: int = 0, group=None) -> None:
    """``scatter_object_input_list[i]`` on rank ``src`` into
    ``scatter_object_output_list[0]`` on rank i."""
    pg = _group(group)
    if pg is None:
        return
    root = _root(pg, src, "scatter_object_list")
    _agree(pg, f"scatter_object_list(src={src})")
    data = _pickled(list(scatter_object_input_list)) if pg.rank() == root else None
    got = pickle.loads(_bcast_bytes(pg, data, root, "scatter_object_list").tobytes())
    scatter_object_output_list[0] = got[pg.rank()]
