"""ReLU as a rectifier diode: full-wave rectification of sin(x) with relu(s) + relu(-s), and
eight phase-shifted half waves summed into a nearly flat DC signal. Saves the plots."""
import math
import os
import sys

import ember as torch


def main(out_dir="."):
    x = torch.linspace(-10, 10, 2000)
    y = torch.sin(x)
    full_wave = torch.relu(y) + torch.relu(-y)
    print(f"full wave min/max: {full_wave.min().item():.4f} {full_wave.max().item():.4f}")
    print("equals |sin x|:", torch.allclose(full_wave, y.abs()))
    dc = sum(torch.relu(torch.sin(x + k * 0.25 * math.pi)) for k in range(8))
    print(f"dc mean {dc.mean().item():.4f} ripple {(dc.max() - dc.min()).item():.4f}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return dc
    fig, axes = plt.subplots(3, 1, figsize=(6, 6), sharex=True)
    axes[0].plot(x.numpy(), y.numpy())
    axes[0].set_title("sin(x)")
    axes[1].plot(x.numpy(), full_wave.numpy())
    axes[1].set_title("relu(s) + relu(-s): full-wave rectified")
    axes[2].plot(x.numpy(), dc.numpy())
    axes[2].set_title("sum of 8 phase-shifted half waves: nearly DC")
    fig.tight_layout()
    png = os.path.join(out_dir, "relu_rectifier.png")
    fig.savefig(png, dpi=100)
    print("plot:", png)
    return dc


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
