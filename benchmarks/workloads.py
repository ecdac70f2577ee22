"""The benchmark workloads. Each ``make_<name>(lib)`` builds one step for a library (ember or
torch, written once since their APIs are the same); ``numpy_<name>()`` is the same step in
hand-written NumPy where that makes sense."""
from __future__ import annotations

import numpy as np


# -- per-op overhead ------------------------------------------------------------------------
def make_ops(lib, op: str, requires_grad: bool):
    """One small-tensor op (4 elements): framework overhead dominates."""
    a = lib.ones(4, requires_grad=requires_grad)
    b = lib.ones(4)
    m = lib.ones(4, 4, requires_grad=requires_grad)
    calls = {
        "add": lambda: a + b,
        "mul": lambda: a * b,
        "mul_scalar": lambda: a * 2.0,
        "relu": lambda: a.relu(),
        "exp": lambda: a.exp(),
        "sum": lambda: a.sum(),
        "mm": lambda: m.mm(m),
        "view": lambda: a.view(2, 2),
        "getitem": lambda: a[1:3],
    }
    return calls[op]


OPS = ["add", "mul", "mul_scalar", "relu", "exp", "sum", "mm", "view", "getitem"]


def make_backward(lib):
    """Forward and backward of a 5-op graph on 4-element tensors."""
    w = lib.ones(4, requires_grad=True)
    x = lib.ones(4)

    def step():
        y = ((w * x + 1.0).relu() * w).sum()
        y.backward()
    return step


# -- 1. the seed's linear regression step ----------------------------------------------------
def make_linreg(lib):
    lib.manual_seed(0)
    x = lib.randn(100, 3)
    y = x.mm(lib.randn(3, 1)) + 2.0
    w = lib.nn.Parameter(lib.randn(4, 1))
    opt = lib.optim.SGD([w], lr=0.01)
    loss_fn = lib.nn.MSELoss()
    ones = lib.ones((100, 1))

    def step():
        pred = lib.cat([x, ones], dim=1).matmul(w)
        loss = loss_fn(pred, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def numpy_linreg():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 3)).astype(np.float32)
    y = (x @ rng.standard_normal((3, 1)) + 2.0).astype(np.float32)
    w = rng.standard_normal((4, 1)).astype(np.float32)
    ones = np.ones((100, 1), np.float32)

    def step():
        xb = np.concatenate([x, ones], axis=1)
        err = xb @ w - y
        grad = xb.T @ (err * (2.0 / err.size))
        w[...] -= np.float32(0.01) * grad
    return step


# -- 2. micrograd-style scalar MLP ------------------------------------------------------------
def make_micrograd(lib):
    """A 2-8-8-1 MLP built from 0-d tensors (about 400 ops forward and backward)."""
    rng = np.random.default_rng(0)

    def scalars(n):
        return [lib.tensor(float(v), requires_grad=True) for v in rng.uniform(-1, 1, n)]
    layers = []
    for nin, nout in ((2, 8), (8, 8), (8, 1)):
        layers.append([(scalars(nin), lib.tensor(0.0, requires_grad=True))
                       for _ in range(nout)])
    xs = [lib.tensor(0.5), lib.tensor(-1.5)]

    def step():
        h = xs
        for li, layer in enumerate(layers):
            out = []
            for ws, b in layer:
                act = b
                for wi, xi in zip(ws, h):
                    act = act + wi * xi
                out.append(act.tanh() if li < 2 else act)
            h = out
        loss = (h[0] - 1.0) ** 2
        loss.backward()
    return step


# -- 3. MLP 784-512-512-10 ------------------------------------------------------------------
def make_mlp(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(784, 512), lib.nn.ReLU(),
                              lib.nn.Linear(512, 512), lib.nn.ReLU(),
                              lib.nn.Linear(512, 10))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    x = lib.randn(128, 784)
    y = lib.randint(0, 10, (128,))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


def numpy_mlp():
    """The same step by hand: forward, softmax cross-entropy, backward, SGD with momentum."""
    rng = np.random.default_rng(0)
    sizes = [(784, 512), (512, 512), (512, 10)]
    ws = [(rng.uniform(-1, 1, (o, i)) / np.sqrt(i)).astype(np.float32) for i, o in sizes]
    bs = [np.zeros(o, np.float32) for _, o in sizes]
    vw = [np.zeros_like(w) for w in ws]
    vb = [np.zeros_like(b) for b in bs]
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    lr, mom = np.float32(0.01), np.float32(0.9)

    def step():
        acts = [x]
        h = x
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = h @ w.T + b
            if i < 2:
                h = np.maximum(h, 0)
            acts.append(h)
        z = h - h.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        g = p
        g[np.arange(128), y] -= 1
        g /= np.float32(128)
        for i in (2, 1, 0):
            gw = g.T @ acts[i]
            gb = g.sum(axis=0)
            if i > 0:
                g = g @ ws[i]
                g *= acts[i] > 0
            vw[i] *= mom
            vw[i] += gw
            vb[i] *= mom
            vb[i] += gb
            ws[i] -= lr * vw[i]
            bs[i] -= lr * vb[i]
    return step


# -- 4. Adam over 100 parameters -------------------------------------------------------------
def make_adam(lib):
    rng = np.random.default_rng(0)
    shapes = [(int(rng.integers(1, 64)), int(rng.integers(1, 64))) for _ in range(100)]
    params = [lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(np.float32)))
              for s in shapes]
    for p in params:
        p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
    opt = lib.optim.Adam(params, lr=1e-3)

    def step():
        opt.step()
    return step


# -- 5. DataLoader ------------------------------------------------------------------------------
def make_dataloader(lib):
    """One shuffled epoch over 60,000 x 784 in batches of 128."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((60000, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 60000))
    data = lib.utils.data.TensorDataset(x, y)
    loader = lib.utils.data.DataLoader(data, batch_size=128, shuffle=True)

    def step():
        for xb, yb in loader:
            pass
    return step


# -- 5b. DataLoader with CPU-bound transforms in worker processes --------------------------------
class TransformDataset:
    """64x64 float32 images whose transform costs a few milliseconds of NumPy work each, as
    augmentations do: loading is CPU-bound, so worker processes pay off."""

    def __init__(self, lib, n: int = 256) -> None:
        self.lib = lib
        self.images = np.random.default_rng(0).standard_normal((n, 64, 64)).astype(np.float32)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i):
        x = self.images[i]
        for _ in range(100):
            x = np.sqrt(np.abs(np.sin(x) * 1.5 + 0.1))
        return self.lib.from_numpy(x), i % 10


def make_dataloader_workers(lib, num_workers: int):
    """One epoch of 256 transformed samples in batches of 32 with ``num_workers`` workers
    (started for each epoch, as without persistent_workers)."""
    loader = lib.utils.data.DataLoader(TransformDataset(lib), batch_size=32,
                                       num_workers=num_workers)

    def step():
        for xb, yb in loader:
            pass
    return step


# -- 8. pytorch/examples' MNIST convnet --------------------------------------------------------
def make_mnist_cnn(lib):
    """One training step of pytorch/examples' MNIST net (batch 64, Adadelta)."""
    nn, F = lib.nn, lib.nn.functional
    lib.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3, 1)
            self.conv2 = nn.Conv2d(32, 64, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.dropout2 = nn.Dropout(0.5)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = self.dropout2(x)
            return F.log_softmax(self.fc2(x), dim=1)

    model = Net()
    opt = lib.optim.Adadelta(model.parameters(), lr=1.0)
    x = lib.randn(64, 1, 28, 28)
    y = lib.randint(0, 10, (64,))

    def step():
        opt.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        opt.step()
    return step


# -- 9. LeNet-5 ----------------------------------------------------------------------------------
def make_lenet(lib):
    """One SGD step of LeNet-5 on 1x32x32 images, batch 64."""
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                          nn.Linear(84, 10))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x = lib.randn(64, 1, 32, 32)
    y = lib.randint(0, 10, (64,))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


# -- 10. one convolution layer ---------------------------------------------------------------
def make_conv2d(lib):
    """conv2d forward and backward, (32, 64, 32, 32) input, 64 3x3 filters, padding 1."""
    lib.manual_seed(0)
    x = lib.randn(32, 64, 32, 32, requires_grad=True)
    w = lib.randn(64, 64, 3, 3, requires_grad=True)
    b = lib.randn(64, requires_grad=True)

    def step():
        lib.nn.functional.conv2d(x, w, b, padding=1).sum().backward()
    return step


# -- 12. word-language-model LSTM step ----------------------------------------------------------
def make_lstm_lm(lib):
    """pytorch/examples' word_language_model step: Embedding 10000->200, 2-layer LSTM 200,
    decoder to 10000, seq 35, batch 20, clip_grad_norm_ then a manual SGD update."""
    lib.manual_seed(0)
    nn = lib.nn
    enc, rnn, dec = nn.Embedding(10000, 200), nn.LSTM(200, 200, 2), nn.Linear(200, 10000)
    params = list(enc.parameters()) + list(rnn.parameters()) + list(dec.parameters())
    rng = np.random.default_rng(0)
    data = lib.tensor(rng.integers(0, 10000, (35, 20)))
    target = lib.tensor(rng.integers(0, 10000, 35 * 20))
    crit = nn.CrossEntropyLoss()
    state = {"h": (lib.zeros(2, 20, 200), lib.zeros(2, 20, 200))}

    def step():
        h = tuple(s.detach() for s in state["h"])
        for p in params:
            p.grad = None
        out, state["h"] = rnn(enc(data), h)
        loss = crit(dec(out).view(-1, 10000), target)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 0.25)
        with lib.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-20.0)
    return step


# -- 13. a small GPT training step -----------------------------------------------------------------
def make_gpt(lib, sdpa: bool):
    """nanoGPT-style: vocab 65, block 64, n_embd 128, 4 heads, 4 layers, batch 12, AdamW;
    attention written out (softmax of masked q.k^T) or through scaled_dot_product_attention."""
    lib.manual_seed(0)
    nn, F = lib.nn, lib.nn.functional
    V, T, C, H, L, B = 65, 64, 128, 4, 4, 12

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.attn, self.proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.fc, self.out = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
            self.register_buffer("mask", lib.tril(lib.ones(T, T)).view(1, 1, T, T) == 0)

        def forward(self, x):
            q, k, v = self.attn(self.ln1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
            if sdpa:
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / (C // H) ** 0.5)
                y = F.softmax(att.masked_fill(self.mask, float("-inf")), dim=-1) @ v
            x = x + self.proj(y.transpose(1, 2).contiguous().view(B, T, C))
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
            self.blocks = nn.Sequential(*[Block() for _ in range(L)])
            self.ln_f, self.head = nn.LayerNorm(C), nn.Linear(C, V, bias=False)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(lib.arange(T))
            return self.head(self.ln_f(self.blocks(x)))

    model = GPT()
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.integers(0, V, (B, T)))
    y = lib.tensor(rng.integers(0, V, (B, T)))

    def step():
        loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step
