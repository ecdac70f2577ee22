"""One rank of the DistributedDataParallel test, written as a PyTorch script (run through
``ember run --nproc-per-node 4``). The helpers at the top also build the single-process
reference in the test, with real PyTorch. Saves what each rank saw to OUT/rank<r>.pkl."""
import os
import pickle
import sys

import torch
import torch.nn as nn

GLOBAL_BATCH = 16


def data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(GLOBAL_BATCH, 6, generator=g), torch.randn(GLOBAL_BATCH, 2, generator=g)


def mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                         nn.Linear(8, 2))


def train(model, x, y, steps=3):
    """SGD with momentum on mean squared error; returns the losses."""
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def accumulated_grads(model, x, y):
    """Two micro-batches: the first one's gradient kept local (no_sync when distributed)."""
    half = x.shape[0] // 2
    ctx = model.no_sync() if hasattr(model, "no_sync") else _Null()
    with ctx:
        nn.functional.mse_loss(model(x[:half]), y[:half]).backward()
    nn.functional.mse_loss(model(x[half:]), y[half:]).backward()
    return {n: p.grad.numpy().copy() for n, p in model.named_parameters()}


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class Branchy(nn.Module):
    """``b`` is used only when asked; ``never`` is never used."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(2, 2)
        self.never = nn.Linear(2, 2)

    def forward(self, x, use_b):
        h = self.a(x)
        return self.b(h) if use_b else h


def main():
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP
    from torch.utils.data import DistributedSampler

    dist.init_process_group("gloo")
    r = dist.get_rank()
    res = {"env": {k: os.environ[k] for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE",
                                              "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                              "MASTER_PORT", "GROUP_RANK")}}
    x, y = data()
    # each rank its share of the global batch: the sampler's indices without shuffling
    mine = list(DistributedSampler(range(GLOBAL_BATCH), shuffle=False))
    res["indices"] = mine
    xs, ys = x[mine], y[mine]

    # 1. replicas start from rank 0's weights; training equals full-batch training
    model = DDP(mlp(100 + r), bucket_cap_mb=0.0001)      # several buckets
    res["buckets"] = len(model._buckets)
    res["init"] = {k: v.numpy().copy() for k, v in model.module.state_dict().items()}
    res["losses"] = train(model, xs, ys)
    res["trained"] = {k: v.numpy().copy() for k, v in model.state_dict().items()}

    # 2. no_sync: local accumulation, then one averaged reduction of the sums
    acc = DDP(mlp(7))
    res["no_sync"] = accumulated_grads(acc, xs, ys)

    # 3. find_unused_parameters: b used on rank 0 only, never used anywhere
    torch.manual_seed(3)
    br = DDP(Branchy(), find_unused_parameters=True)
    xb = torch.ones(2, 3) * (r + 1)
    br(xb, use_b=(r == 0)).sum().backward()
    res["unused"] = {k: (None if p.grad is None else p.grad.numpy().copy())
                     for k, p in br.module.named_parameters()}

    # 4. without it, an unused parameter is reported at the next forward
    torch.manual_seed(3)
    branchy = Branchy()
    branchy.never.requires_grad_(False)
    strict = DDP(branchy)
    strict(xb, use_b=True).sum().backward()      # never unused: no error
    try:
        strict(xb, use_b=True).sum().backward()
        res["strict_ok"] = True
    except RuntimeError as e:
        res["strict_ok"] = str(e)
    try:
        strict(xb, use_b=False).sum().backward()
        strict(xb, use_b=False)
        res["strict_error"] = None
    except RuntimeError as e:
        res["strict_error"] = str(e)

    # 5. buffers come from rank 0 at every forward; replicas must have the same model
    bn = DDP(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)))
    bn.module[1].running_mean.fill_(float(r))
    bn(torch.randn(4, 2))
    res["running_mean"] = bn.module[1].running_mean.numpy().copy()
    try:
        DDP(nn.Linear(6, 8 + (r == 1)))
        res["mismatch"] = None
    except RuntimeError as e:
        res["mismatch"] = str(e)
    res["repr"] = repr(DDP(nn.Linear(2, 3)))
    dist.destroy_process_group()
    with open(os.path.join(sys.argv[1], f"rank{r}.pkl"), "wb") as f:
        pickle.dump(res, f)


if __name__ == "__main__":
    main()
