"""``ember demo``: train a small network on handwritten digits, end to end.

Uses scikit-learn's bundled 8x8 digits (no download), shows a tqdm progress bar with the running
loss, prints the test accuracy, writes a loss curve (PNG) and a checkpoint, then reloads the
checkpoint into a fresh model and checks that it scores the same. Written exactly as a PyTorch
user would write it, with ``import ember as torch``.
"""
from __future__ import annotations

import os
import time

import numpy as np

import ember as torch
from ember import nn
from ember.utils.data import DataLoader, TensorDataset


def _load_digits():
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # the demo's data comes with the 'examples' extra
        raise SystemExit("The demo needs scikit-learn: pip install 'ember[examples]'") from e
    digits = load_digits()
    x = digits.data.astype(np.float32) / 16.0     # pixels 0..16 -> 0..1
    y = digits.target.astype(np.int64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(x))
    split = int(0.8 * len(x))
    return x[order[:split]], y[order[:split]], x[order[split:]], y[order[split:]]


def make_model(kind: str = "mlp") -> nn.Module:
    """The MLP, or a small convnet that sees each row of 64 pixels as a 1x8x8 image."""
    if kind == "cnn":
        return nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 16 x 4 x 4
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 32 x 2 x 2
            nn.Flatten(), nn.Linear(128, 10),
        )
    return nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def accuracy(model: nn.Module, x, y) -> float:
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    return (pred == y).float().mean().item()


def main(epochs: int | None = None, out_dir: str = "ember_demo_out", plot: bool = True,
         model_kind: str = "mlp") -> int:
    """Train, evaluate, plot, checkpoint, reload. Returns 0 when the reload scores the same."""
    start = time.perf_counter()
    epochs = (40 if model_kind == "mlp" else 12) if epochs is None else epochs
    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = _load_digits()
    train = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    loader = DataLoader(train, batch_size=32, shuffle=True)
    x_test_t, y_test_t = torch.from_numpy(x_test), torch.from_numpy(y_test)

    model = make_model(model_kind)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3 if model_kind == "mlp" else 3e-3)
    loss_fn = nn.CrossEntropyLoss()
    print(f"Training {sum(p.numel() for p in model.parameters())}-parameter "
          f"{model_kind.upper()} on "
          f"{len(train)} 8x8 digits, testing on {len(x_test)}")

    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    losses = []
    steps = range(epochs)
    bar = tqdm(total=epochs * len(loader), unit="step", ncols=80) if tqdm else None
    for epoch in steps:
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if bar is not None:
                bar.update(1)
                # no redraw per step: the bar refreshes on its own clock
                bar.set_postfix(epoch=epoch + 1, loss=f"{np.mean(losses[-20:]):.4f}",
                                refresh=False)
    if bar is not None:
        bar.close()

    acc = accuracy(model, x_test_t, y_test_t)
    print(f"test accuracy: {acc:.2%}")

    os.makedirs(out_dir, exist_ok=True)
    if plot:
        png = os.path.join(out_dir, "loss_curve.png")
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            fig, ax = plt.subplots(figsize=(6, 3.5))
            ax.plot(losses, lw=0.8, label="batch loss")
            window = 20
            if len(losses) >= window:
                smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
                ax.plot(np.arange(window - 1, len(losses)), smooth, lw=2, label="moving mean")
            ax.set_yscale("log")
            ax.set_xlabel("step")
            ax.set_ylabel("cross-entropy loss")
            ax.set_title(f"ember: digits {model_kind.upper()}, test accuracy {acc:.2%}")
            ax.legend()
            fig.tight_layout()
            fig.savefig(png, dpi=120)
            plt.close(fig)
            print(f"loss curve: {png}")
        except ImportError:
            print("matplotlib not installed: no loss curve (pip install 'ember[examples]')")

    ckpt = os.path.join(out_dir, f"digits_{model_kind}.pt")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epochs": epochs, "test_accuracy": acc}, ckpt)
    restored = make_model(model_kind)
    state = torch.load(ckpt)
    restored.load_state_dict(state["model"])
    acc2 = accuracy(restored, x_test_t, y_test_t)
    same = acc2 == acc
    print(f"checkpoint: {ckpt} (reloaded model scores {acc2:.2%}: "
          f"{'same' if same else 'DIFFERENT'})")
    print(f"done in {time.perf_counter() - start:.1f}s")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
