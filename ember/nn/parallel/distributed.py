"""``DistributedDataParallel``: one model replica per process, gradients averaged by MPI.

How a step goes. At construction rank 0's parameters and buffers are broadcast, so every
replica starts equal. Parameters are packed, in reverse order of ``parameters()`` (roughly
the order backward produces their gradients), into buckets: flat buffers of about
``bucket_cap_mb`` (the first one 1 MiB, so communication starts early). During backward each
parameter's post-accumulate-grad hook marks it ready; when every parameter of a bucket is
ready, its gradients are copied into the bucket, divided by the world size and a
non-blocking all-reduce is started while backward goes on computing the remaining
gradients. Buckets are started in index order on every rank (MPI matches collectives by
order). When the last one has started, the hook waits for all of them and copies the
averages back into ``.grad``: after ``loss.backward()`` every replica holds the same
gradients, so the same optimizer step keeps the replicas equal.
"""
from __future__ import annotations

import contextlib

import numpy as np

from ... import distributed as dist
from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ...distributed import _mpi
from ...distributed._mpi import wait_all
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n"
    "making sure all `forward` function outputs participate in calculating loss. \n"
    "If you already have done the above, then the distributed data parallel module wasn't "
    "able to locate the output tensors in the return value of your module's `forward` "
    "function. Please include the loss function and the structure of the return value of "
    "`forward` of your module when reporting this issue (e.g. list, dict, iterable).\n"
    "Parameters which did not receive grad for rank {rank}: {names}")


class _Bucket:
    """Parameters whose gradients travel together in one flat buffer."""

    __slots__ = ("params", "names", "offsets", "flat", "pending", "req")

    def __init__(self, params: list, names: list) -> None:
        self.params = params
        self.names = names
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        self.flat = np.zeros(self.offsets[-1], params[0]._data.dtype)
        self.pending = len(params)
        self.req = None

    def view(self, i: int) -> np.ndarray:
        p = self.params[i]
        return self.flat[self.offsets[i]:self.offsets[i + 1]].reshape(p._data.shape)


def _assign_buckets(params: list, first_bytes: int, cap_bytes: int) -> list:
    """Indices of ``params`` per bucket, filled in reverse order, one open bucket per dtype;
    the first bucket of each dtype is capped at ``first_bytes``."""
    open_, limit, closed = {}, {}, []
    for i in reversed(range(len(params))):
        dt = params[i]._data.dtype
        bucket = open_.setdefault(dt, [])
        bucket.append(i)
        if sum(params[j]._data.nbytes for j in bucket) >= limit.get(dt, first_bytes):
            closed.append(open_.pop(dt))
            limit[dt] = cap_bytes
    closed.extend(b for b in open_.values() if b)
    return closed


def _leaves_reached(outputs) -> set:
    """ids of the leaf tensors the autograd graph of ``outputs`` leads to."""
    stack, seen, leaves = [], set(), set()

    def collect(o):
        if isinstance(o, Tensor):
            if o.grad_fn is not None:
                stack.append(o.grad_fn)
            elif o.requires_grad:
                leaves.add(id(o))
        elif isinstance(o, (list, tuple)):
            for x in o:
                collect(x)
        elif isinstance(o, dict):
            for x in o.values():
                collect(x)
    collect(outputs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        var = getattr(node, "variable", None)
        if var is not None:
            leaves.add(id(var))
        for nxt, _ in node.next_functions:
            if nxt is not None:
                stack.append(nxt)
    return leaves


class DistributedDataParallel(Module):
    """Data parallelism across processes: wraps ``module`` and averages its gradients over
    the ranks of ``process_group`` during backward."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None,
                 device_mesh=None) -> None:
        super().__init__()
        pg = dist.distributed_c10d._group(process_group)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self.module = module
        self.process_group = pg
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb)
                                    * 1024 * 1024)
        self._verify_same_model(named)
        if init_sync:
            self._sync_module_states(list(module.parameters()) + list(module.buffers()))
        params = [p for _, p in named]
        # A small first bucket (with the default cap) starts communication early.
        first = _DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self._names = {id(p): n for n, p in named}
        self._buckets = [_Bucket([params[i] for i in idx], [named[i][0] for i in idx])
                         for idx in _assign_buckets(params, first, self.bucket_bytes_cap)]
        self._where = {id(p): (b, i) for b in self._buckets for i, p in enumerate(b.params)}
        self._ready = set()
        self._next = 0                 # the next bucket to start (they start in order)
        self._armed = False            # a forward with gradient sync expects a backward
        self._require_finalize = False
        self._locally_used = None
        self._hooks = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]

    # -- construction ----------------------------------------------------------------------
    def _verify_same_model(self, named: list) -> None:
        """Every rank must hold parameters of the same names, shapes and dtypes."""
        mine = [(n, tuple(p._data.shape), str(p._data.dtype)) for n, p in named]
        everyone = [None] * self.process_group.size()
        dist.all_gather_object(everyone, mine, group=self.process_group)
        for r, theirs in enumerate(everyone):
            if theirs != everyone[0]:
                diff = next(((a, b) for a, b in zip(everyone[0], theirs) if a != b), None)
                detail = (f"{len(theirs)} params, while rank 0 has {len(everyone[0])}"
                          if diff is None else f"parameter {diff[1]} where rank 0 has {diff[0]}")
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {r} has "
                                   f"{detail}")

    def _sync_module_states(self, tensors: list) -> None:
        """Broadcast rank 0's values of ``tensors``, packed into one buffer per dtype."""
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t._data.dtype, []).append(t)
        pg = self.process_group
        src = pg._ranks[0]
        for group in by_dtype.values():
            flat = Tensor._wrap(np.concatenate([t._data.reshape(-1) for t in group]))
            dist.broadcast(flat, src=src, group=pg)
            offset = 0
            for t in group:
                n = t._data.size
                t._data[...] = flat._data[offset:offset + n].reshape(t._data.shape)
                offset += n

    # -- forward -----------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._require_finalize:
            missing = [self._names[id(p)] for b in self._buckets for p in b.params
                       if id(p) not in self._ready]
            raise RuntimeError(_UNFINISHED.format(rank=dist.get_rank(), names=missing))
        if self.broadcast_buffers and self.require_forward_param_sync:
            buffers = list(self.module.buffers())
            if buffers and self.process_group.size() > 1:
                self._sync_module_states(buffers)
        out = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self._prepare_for_backward(out)
        else:
            self._armed = False
        return out

    def _prepare_for_backward(self, out) -> None:
        self._armed = True
        self._ready = set()
        self._next = 0
        for b in self._buckets:
            b.pending = len(b.params)
            b.req = None
        self._locally_used = None
        if self.find_unused_parameters:
            # Parameters outside the output's graph get no gradient this iteration: they
            # count as ready now (their share of a bucket is zeros), or backward never ends.
            reached = _leaves_reached(out)
            self._locally_used = np.array([id(p) in reached for b in self._buckets
                                           for p in b.params], dtype=np.uint8)
            for b in self._buckets:
                for p in b.params:
                    if id(p) not in reached:
                        self._mark_ready(p)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside this context accumulate local gradients without
        all-reducing them; the first backward after it averages the sums."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # -- backward: the reducer -------------------------------------------------------------------
    def _grad_ready(self, p: Tensor) -> None:
        if not self._armed:
            return
        self._require_finalize = True
        self._mark_ready(p)

    def _mark_ready(self, p: Tensor) -> None:
        if id(p) in self._ready:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. Parameter "
                f"{self._names[id(p)]} was marked ready twice in one iteration: it is used "
                "in more than one reentrant backward, or the module's output was "
                "differentiated twice without a forward in between.")
        self._ready.add(id(p))
        bucket, _ = self._where[id(p)]
        bucket.pending -= 1
        if bucket.pending == 0:
            self._start_ready_buckets()
        else:
            _mpi.progress([b.req for b in self._buckets[:self._next]])

    def _start_ready_buckets(self) -> None:
        MPI = _mpi.mpi()
        buckets = self._buckets
        world = self.process_group.size()
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            b = buckets[self._next]
            for i, p in enumerate(b.params):
                v = b.view(i)
                g = p._grad
                if g is None:
                    v.fill(0)
                elif g._data is not v:
                    v[...] = g._data
            np.divide(b.flat, world, out=b.flat)
            b.req = self.process_group._comm.Iallreduce(MPI.IN_PLACE, b.flat, op=MPI.SUM)
            self._next += 1
        if self._next == len(buckets):
            self._finalize()

    def _finalize(self) -> None:
        """Wait for every bucket and write the averaged gradients into ``.grad``."""
        pg = self.process_group
        wait_all([b.req for b in self._buckets], pg._timeout,
                 "DistributedDataParallel gradient all-reduce")
        used = None
        if self._locally_used is not None:
            used = self._locally_used.copy()
            MPI = _mpi.mpi()
            wait_all([pg._comm.Iallreduce(MPI.IN_PLACE, used, op=MPI.MAX)], pg._timeout,
                     "DistributedDataParallel unused-parameter map")
        k = 0
        for b in self._buckets:
            for i, p in enumerate(b.params):
                if used is not None and not used[k]:
                    k += 1
                    continue               # unused on every rank: its .grad stays as it was
                k += 1
                v = b.view(i)
                g = p._grad
                if self.gradient_as_bucket_view:
                    if g is None or g._data is not v:
                        p.grad = Tensor._wrap(v)
                elif g is None:
                    p.grad = Tensor._wrap(v.copy())
                else:
                    g._data[...] = v
        self._armed = False
        self._require_finalize = False
