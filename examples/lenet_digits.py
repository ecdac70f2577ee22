"""LeNet-style convnet on scikit-learn's 8x8 digits, written for PyTorch.

Runs unchanged under PyTorch (``python examples/lenet_digits.py``) and under ember
(``ember run examples/lenet_digits.py``): the images are upsampled to 16x16 with
``F.interpolate``, then two convolution + max-pooling stages and three linear layers classify
them. Run: python examples/lenet_digits.py [EPOCHS]
"""
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)     # 16x16 -> 16x16, pooled to 8x8
        self.conv2 = nn.Conv2d(6, 16, 5)               # 8x8 -> 4x4, pooled to 2x2
        self.fc1 = nn.Linear(16 * 2 * 2, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def main(epochs=10):
    torch.manual_seed(0)
    digits = load_digits()
    x = torch.tensor(digits.images.astype(np.float32) / 16.0).unsqueeze(1)   # N x 1 x 8 x 8
    y = torch.tensor(digits.target.astype(np.int64))
    perm = torch.randperm(len(x))
    train, test = perm[:1400], perm[1400:]
    loader = DataLoader(TensorDataset(x[train], y[train]), batch_size=32, shuffle=True)

    model = LeNet()
    print(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        model.eval()
        with torch.no_grad():
            acc = (model(x[test]).argmax(1) == y[test]).float().mean().item()
        print(f"epoch {epoch + 1}: train loss {total / len(train):.4f}, test accuracy {acc:.2%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
