"""The slides' linear regression: an nn.Module with one Parameter, trained by SGD on MSELoss,
tested, plotted, saved and reloaded. Run: python examples/linear_regression.py [EPOCHS]"""
import os
import sys
import tempfile

import ember as torch
import ember.nn as nn


class LinearRegression(nn.Module):
    def __init__(self, in_dim):
        super().__init__()
        self.w = nn.Parameter(torch.randn(in_dim + 1, 1))

    def forward(self, x):
        x = torch.cat([x, torch.ones((x.shape[0], 1))], dim=1)  # the bias as a constant input
        return x.matmul(self.w)


def main(epochs=2000, out_dir=None):
    torch.manual_seed(0)
    in_dim = 3
    w_true = torch.randn(in_dim, 1)
    x_train = torch.randn(200, in_dim)
    y_train = x_train.mm(w_true) + 2.0 + 0.1 * torch.randn(200, 1)
    x_test = torch.randn(50, in_dim)
    y_test = x_test.mm(w_true) + 2.0 + 0.1 * torch.randn(50, 1)

    model = LinearRegression(in_dim)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    for epoch in range(epochs):
        loss = loss_fn(model(x_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % 500 == 0:
            print(f"epoch: {epoch}, loss is: {loss.item():.4f}")
    print("true w:", w_true.flatten(), "learned:", model.w.detach().flatten())
    with torch.no_grad():
        mse = loss_fn(model(x_test), y_test).item()
    print(f"test MSE: {mse:.4f}")

    out_dir = out_dir or tempfile.mkdtemp()
    path = os.path.join(out_dir, "linear.pth")
    torch.save(model.state_dict(), path)
    reloaded = LinearRegression(in_dim)
    reloaded.load_state_dict(torch.load(path))
    with torch.no_grad():
        print(f"reloaded test MSE: {loss_fn(reloaded(x_test), y_test).item():.4f}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        with torch.no_grad():
            pred = model(x_test)
        plt.figure(figsize=(4, 4))
        plt.scatter(y_test.numpy(), pred.numpy(), s=10)
        lo, hi = y_test.min().item(), y_test.max().item()
        plt.plot([lo, hi], [lo, hi], "r--", lw=1)
        plt.xlabel("true y")
        plt.ylabel("predicted y")
        plt.title("linear regression fit (test set)")
        png = os.path.join(out_dir, "linear_fit.png")
        plt.tight_layout()
        plt.savefig(png, dpi=100)
        print("plot:", png)
    except ImportError:
        pass
    return mse


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
