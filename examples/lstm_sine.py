"""Sine-wave prediction with two stacked ``nn.LSTMCell``s trained by ``optim.LBFGS`` (the
shape of pytorch/examples' time_sequence_prediction, smaller): each series is a sine with a
random phase; the model reads it one step at a time, predicts the next value, then continues
the wave on its own. The loss falls by orders of magnitude within a few LBFGS steps.

Runs unchanged under PyTorch (``python examples/lstm_sine.py``) and ember
(``ember run examples/lstm_sine.py``). Argument: the number of LBFGS steps (default 6)."""
import sys

import numpy as np
import torch
import torch.nn as nn


class Sequence(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        n = input.size(0)
        h1 = c1 = h2 = c2 = torch.zeros(n, self.hidden, dtype=torch.double)
        outputs = []
        output = None
        for x in input.split(1, dim=1):
            h1, c1 = self.lstm1(x, (h1, c1))
            h2, c2 = self.lstm2(h1, (h2, c2))
            output = self.linear(h2)
            outputs.append(output)
        for _ in range(future):          # feed the predictions back in
            h1, c1 = self.lstm1(output, (h1, c1))
            h2, c2 = self.lstm2(h1, (h2, c2))
            output = self.linear(h2)
            outputs.append(output)
        return torch.cat(outputs, dim=1)


def make_data(n=24, length=60, period=20.0, seed=2):
    rng = np.random.default_rng(seed)
    x = np.arange(length)[None, :] + rng.integers(-4 * period, 4 * period, (n, 1))
    return np.sin(x / period * 2 * np.pi).astype("float64")


def main(steps=6):
    torch.manual_seed(0)
    data = torch.from_numpy(make_data())
    inp, target = data[3:, :-1], data[3:, 1:]
    test_inp, test_target = data[:3, :-1], data[:3, 1:]
    seq = Sequence().double()
    criterion = nn.MSELoss()
    optimizer = torch.optim.LBFGS(seq.parameters(), lr=0.8, max_iter=10)
    for i in range(steps):
        def closure():
            optimizer.zero_grad()
            loss = criterion(seq(inp), target)
            loss.backward()
            return loss
        loss = optimizer.step(closure)
        with torch.no_grad():
            future = 20
            pred = seq(test_inp, future=future)
            test_loss = criterion(pred[:, :-future], test_target)
        print(f"step {i}  train loss {loss.item():.6f}  test loss {test_loss.item():.6f}")
    return test_loss.item()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
