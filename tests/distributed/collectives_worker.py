"""One rank of the collectives test (run by test_distributed.py under MPI); written like a
PyTorch script, run through ``ember run``. Saves what each call produced to OUT/rank<r>.pkl."""
import os
import pickle
import sys
from datetime import timedelta

import torch
import torch.distributed as dist

out_dir = sys.argv[1]
dist.init_process_group(backend="gloo", init_method="env://", timeout=timedelta(seconds=20))
r, n = dist.get_rank(), dist.get_world_size()
res = {"env": {k: os.environ[k] for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE",
                                          "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")},
       "backend": dist.get_backend(), "initialized": dist.is_initialized()}


def caught(fn):
    try:
        fn()
    except Exception as e:     # noqa: BLE001 - the test checks the class and message
        return type(e).__name__, str(e)
    return None


res["twice"] = caught(lambda: dist.init_process_group("gloo"))
for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
    t = torch.arange(4, dtype=torch.float32) + r
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    res["all_reduce_" + op] = t.numpy().copy()
t = torch.tensor([r + 1, 10 * r], dtype=torch.int64)
dist.all_reduce(t)
res["all_reduce_int64"] = t.numpy().copy()
t = torch.tensor([r == 0, False, True])
dist.all_reduce(t, op=dist.ReduceOp.MAX)
res["all_reduce_bool"] = t.numpy().copy()
t = torch.full((3,), 0.5 * (r + 1), dtype=torch.float16)
dist.all_reduce(t)
res["all_reduce_f16"] = (str(t.dtype), t.numpy().astype("float32"))
base = torch.zeros(3, 4)
view = base[:, ::2]                       # not contiguous: reduced through a copy
view.fill_(r + 1.0)
dist.all_reduce(view)
res["all_reduce_view"] = base.numpy().copy()
work = dist.all_reduce(torch.ones(5) * r, async_op=True)
res["async"] = (work.wait(), work.is_completed(), work.result()[0].numpy().copy())
t = torch.arange(3.) * (r + 1)
dist.reduce(t, dst=n - 1)
res["reduce"] = t.numpy().copy()
t = torch.full((2, 2), r, dtype=torch.int64)
dist.broadcast(t, src=n - 1)
res["broadcast"] = t.numpy().copy()
lst = [torch.zeros(2) for _ in range(n)]
dist.all_gather(lst, torch.full((2,), float(r)))
res["all_gather"] = [x.numpy().copy() for x in lst]
big = torch.zeros(n * 2, 3)
dist.all_gather_into_tensor(big, torch.full((2, 3), float(r)))
res["all_gather_into_tensor"] = big.numpy().copy()
glist = [torch.zeros(3) for _ in range(n)] if r == 0 else None
dist.gather(torch.full((3,), r + 0.5), glist, dst=0)
res["gather"] = None if glist is None else [x.numpy().copy() for x in glist]
t = torch.zeros(2)
dist.scatter(t, [torch.full((2,), 7.0 + i) for i in range(n)] if r == n - 1 else None,
             src=n - 1)
res["scatter"] = t.numpy().copy()
o = torch.zeros(2)
dist.reduce_scatter_tensor(o, torch.arange(2. * n) + r)
res["reduce_scatter_tensor"] = o.numpy().copy()
o = torch.zeros(2)
dist.reduce_scatter(o, [torch.full((2,), float(i * 10 + r)) for i in range(n)])
res["reduce_scatter"] = o.numpy().copy()
o = torch.zeros(2 * n)
dist.all_to_all_single(o, torch.arange(2. * n) + 10 * r)
res["all_to_all_single"] = o.numpy().copy()
outs = [torch.zeros(r + 1) for _ in range(n)]
dist.all_to_all(outs, [torch.full((j + 1,), float(r)) for j in range(n)])
res["all_to_all"] = [x.numpy().copy() for x in outs]
res["all_to_all_mismatch"] = caught(lambda: dist.all_to_all_single(torch.zeros(2 * n + 2 * r),
                                                                   torch.zeros(2 * n)))
# point to point: a ring, blocking and non-blocking
nxt, prv = (r + 1) % n, (r - 1) % n
got = torch.zeros(3)
if r % 2 == 0:
    dist.send(torch.full((3,), float(r)), nxt)
    sender = dist.recv(got)
else:
    sender = dist.recv(got)
    dist.send(torch.full((3,), float(r)), nxt)
res["recv"] = (sender, got.numpy().copy())
got = torch.zeros(2, dtype=torch.int32)
works = [dist.isend(torch.full((2,), r, dtype=torch.int32), nxt, tag=5),
         dist.irecv(got, prv, tag=5)]
for w in works:
    w.wait()
res["irecv"] = got.numpy().copy()
# a receive buffer of the wrong size is an error, not an overrun
if r == 0:
    dist.send(torch.zeros(4), 1)
elif r == 1:
    res["recv_mismatch"] = caught(lambda: dist.recv(torch.zeros(2), 0))
# mismatched collectives are detected on every rank
res["shape_mismatch"] = caught(lambda: dist.all_reduce(torch.zeros(2 + r)))
res["op_mismatch"] = caught(lambda: dist.broadcast(torch.zeros(2), 0) if r == 0
                            else dist.all_reduce(torch.zeros(2)))
res["bad_type"] = caught(lambda: dist.all_reduce([1.0]))
# objects
objs = [None] * n
dist.all_gather_object(objs, {"rank": r, "sq": [r] * r})
res["all_gather_object"] = objs
lst = [r, "x" * r, None]
dist.broadcast_object_list(lst, src=n - 1)
res["broadcast_object_list"] = lst
gl = [None] * n if r == 0 else None
dist.gather_object(("g", r), gl, dst=0)
res["gather_object"] = gl
so = [None]
dist.scatter_object_list(so, [{"to": i} for i in range(n)] if r == 0 else None, src=0)
res["scatter_object_list"] = so
# groups
g0 = dist.new_group([0])
res["group0"] = (dist.get_rank(g0), dist.get_world_size(g0))
evens = dist.new_group([i for i in range(n) if i % 2 == 0])
t = torch.ones(1) * r
dist.all_reduce(t, group=evens)
res["group_evens"] = t.numpy().copy()
dist.barrier()
dist.monitored_barrier(timeout=timedelta(seconds=10))
res["node_local_rank"] = dist.get_node_local_rank()
dist.destroy_process_group()
res["after_destroy"] = dist.is_initialized()
with open(os.path.join(out_dir, f"rank{r}.pkl"), "wb") as f:
    pickle.dump(res, f)
