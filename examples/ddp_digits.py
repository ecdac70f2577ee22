"""Train an MLP on the handwritten digits with DistributedDataParallel.

A PyTorch script, unchanged for ember:

    ember run --nproc-per-node 2 examples/ddp_digits.py     # ember: 2 processes, on MPI
    torchrun --nproc-per-node 2 examples/ddp_digits.py      # PyTorch: the same script
    python examples/ddp_digits.py                           # PyTorch, one process

Each of the N processes takes 1/N of every global batch (``DistributedSampler``) and DDP
averages the gradients, so the weights after training equal those of one process training
on the whole batches (up to float32 rounding): ``--save weights.npz`` writes them to check.
"""
import argparse
import importlib.util
import os

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset


def digits():
    """8x8 digit images as 64 features in [0, 1]; the first 1500 train, the rest test."""
    # The file scikit-learn's load_digits() reads: reading it directly spares every process
    # the seconds of importing scikit-learn.
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise SystemExit("the digits come with scikit-learn: pip install scikit-learn")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data",
                        "digits.csv.gz")
    data = np.loadtxt(path, delimiter=",", dtype=np.float32)
    x = torch.tensor(data[:, :-1] / 16.0)
    y = torch.tensor(data[:, -1].astype(np.int64))
    return TensorDataset(x[:1500], y[:1500]), (x[1500:], y[1500:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--save", default=None, help="write the final weights (.npz)")
    args = parser.parse_args()

    distributed = "RANK" in os.environ          # set by torchrun / ember run
    if distributed:
        dist.init_process_group("gloo")
    rank = dist.get_rank() if distributed else 0
    world = dist.get_world_size() if distributed else 1
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must divide among {world} ranks")

    train, (x_test, y_test) = digits()
    torch.manual_seed(0)                       # DDP copies rank 0's weights anyway
    net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    model = DistributedDataParallel(net) if distributed else net
    # Rank r takes every world-th index of the shuffled order: the ranks' batches together
    # are exactly the single-process batch.
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(train, batch_size=args.batch_size // world, sampler=sampler)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)               # a new shuffle each epoch, the same on all ranks
        total = torch.zeros(2)
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            total += torch.tensor([loss.item() * len(yb), len(yb)])
        if distributed:
            dist.all_reduce(total)
        with torch.no_grad():
            acc = (net(x_test).argmax(1) == y_test).float().mean().item()
        if rank == 0:
            print(f"epoch {epoch + 1}: train loss {total[0].item() / total[1].item():.4f}  "
                  f"test accuracy {acc:.3f}  ({world} process{'es' if world > 1 else ''})")

    if args.save and rank == 0:
        np.savez(args.save, **{k: v.detach().numpy() for k, v in net.state_dict().items()})
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
