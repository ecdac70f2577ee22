"""The course lessons ember exists for: each reproduces the numbers PyTorch prints for it.

Expected strings are what PyTorch 2.13 printed for the same code (the lessons' slides)."""
import math
import subprocess
import sys

import numpy as np
import pytest

import ember as torch
import ember.nn as nn


def test_derivatives_and_graph_of_relu_wx_plus_b():
    x = torch.tensor(3.0, requires_grad=True)
    y = x.mul(x)
    y.backward()
    assert str(x.grad) == "tensor(6.)"

    x = torch.tensor(1.0, requires_grad=True)
    y = torch.tensor(1.0, requires_grad=True)
    f = x.pow(2) + torch.tensor(2.0).mul(y.pow(2)) + x.mul(y)
    f.backward()
    assert (str(x.grad), str(y.grad)) == ("tensor(3.)", "tensor(5.)")

    A = torch.tensor([[1.0, 1.0], [1.0, 2.0]])
    b = torch.tensor([[1.0], [0.0]])
    x = torch.tensor([[1.0], [2.0]], requires_grad=True)
    f = x.t().mm(A).mm(x) + x.t().mm(b)
    f.backward()
    assert str(f) == "tensor([[14.]], grad_fn=<AddBackward0>)"
    assert str(x.grad) == "tensor([[ 7.],\n        [10.]])"

    x = torch.tensor(3.0, requires_grad=False)
    w = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    u = x * w
    v = u + b
    u.retain_grad()
    a = nn.ReLU(True)(v)
    a.backward()
    assert [str(t) for t in (w.grad, b.grad, u.grad)] == ["tensor(3.)", "tensor(1.)",
                                                         "tensor(1.)"]
    assert (x.is_leaf, w.is_leaf, u.is_leaf, v.is_leaf, a.is_leaf) == (True, True, False,
                                                                       False, False)
    assert (u.grad_fn.name(), a.grad_fn.name()) == ("MulBackward0", "ReluBackward0")
    assert type(v.grad_fn).__name__ == "ReluBackward0"  # v was overwritten in place
    printed = " ".join(str(v) for v in (x.data, x.dtype, x.shape, x.device, x.requires_grad))
    assert printed == "tensor(3.) torch.float32 torch.Size([]) cpu False"
    assert f"{x.data}" == "3.0"  # format() of a 0-d tensor goes through item(), as in torch


@pytest.mark.parametrize("case,grad", [("positive", 1.0), ("zero", 0.0), ("negative", 0.0)])
def test_relu_gradient_when_wx_positive_zero_negative(case, grad):
    torch.manual_seed(12)
    x = torch.ones([4, 3])
    if case == "zero":
        x[:, 1] = torch.zeros([4])
        x[:, 2] = -torch.ones([4])
    elif case == "negative":
        x = torch.ones([4, 3]) * (-1)
    y = torch.rand([4, 1])
    para = nn.Parameter(torch.ones([3, 1]))
    pred = nn.ReLU()(torch.mm(x, para))
    torch.mean(pred - y).backward()
    assert x.grad is None
    assert para.grad.tolist() == [[grad]] * 3


def test_relu_inplace_changes_mid_but_not_the_gradient():
    outputs = []
    for m in (nn.ReLU(inplace=False), nn.ReLU(inplace=True)):
        np.random.seed(1)
        W = torch.Tensor(np.random.randn(7, 3))
        W.requires_grad = True
        inp = torch.Tensor(np.random.randn(1, 7))
        mid = torch.mm(inp, W)
        out = m(mid)
        torch.sum(out).backward()
        outputs.append((str(out), str(W.grad), str(mid), repr(m)))
    (o1, g1, mid1, r1), (o2, g2, mid2, r2) = outputs
    assert (r1, r2) == ("ReLU()", "ReLU(inplace=True)")
    assert o1 == o2 == "tensor([[1.8603, 0.7530, 0.0000]], grad_fn=<ReluBackward0>)"
    assert g1 == g2
    assert g1.splitlines()[-1] == "        [-0.9358, -0.9358, -0.0000]])"  # sign of zero kept
    assert mid1 == "tensor([[ 1.8603,  0.7530, -4.0126]], grad_fn=<MmBackward0>)"
    assert mid2 == "tensor([[1.8603, 0.7530, 0.0000]], grad_fn=<ReluBackward0>)"


def test_numpy_relu_backward_equals_autograd():
    rng = np.random.RandomState(123)
    x_np = rng.random_sample((3, 7)) - 0.5
    d_np = rng.random_sample((3, 7))
    x = torch.tensor(x_np, requires_grad=True)
    out = torch.nn.ReLU()(x)
    out.backward(torch.tensor(d_np, requires_grad=True))
    np.testing.assert_array_equal(out.data.numpy(), np.where(x_np > 0, x_np, 0))
    np.testing.assert_array_equal(x.grad.data.numpy(), d_np * (x_np >= 0))
    assert x.grad.dtype is torch.float64


def test_rectifier_numbers():
    x = torch.linspace(-10, 10, 2000)
    y = torch.sin(x)
    full_wave = torch.relu(y) + torch.relu(-y)
    assert f"{full_wave.min().item():.4f} {full_wave.max().item():.4f}" == "0.0049 1.0000"
    assert torch.allclose(full_wave, y.abs())
    dc = sum(torch.relu(torch.sin(x + k * 0.25 * math.pi)) for k in range(8))
    assert f"{dc.mean().item():.4f} {(dc.max() - dc.min()).item():.4f}" == "2.5474 0.1989"
    assert str(dc[:5]) == "tensor([2.5697, 2.5743, 2.5787, 2.5828, 2.5866])"


def test_linear_regression_lesson():
    sys.path.insert(0, "examples")
    try:
        from linear_regression import LinearRegression
    finally:
        sys.path.pop(0)
    torch.manual_seed(0)
    w_true = torch.randn(3, 1)
    x_train = torch.randn(200, 3)
    y_train = x_train.mm(w_true) + 2.0 + 0.1 * torch.randn(200, 1)
    x_test = torch.randn(50, 3)
    y_test = x_test.mm(w_true) + 2.0 + 0.1 * torch.randn(50, 1)
    model = LinearRegression(3)
    assert str(model.w) == ("Parameter containing:\ntensor([[ 0.5684],\n        [ 2.1975],\n"
                            "        [-0.2325],\n        [ 0.3877]], requires_grad=True)")
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.MSELoss()
    first = None
    for epoch in range(2000):
        loss = loss_fn(model(x_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert f"{first:.4f}" == "13.4211" and f"{loss.item():.4f}" == "0.0097"
    assert str(w_true.flatten()) == "tensor([ 1.5410, -0.2934, -2.1788])"
    assert str(model.w.detach().flatten()) == "tensor([ 1.5460, -0.2990, -2.1697,  2.0015])"
    with torch.no_grad():
        assert f"{loss_fn(model(x_test), y_test).item():.4f}" == "0.0103"


def _run(args, cwd=None):
    out = subprocess.run([sys.executable] + args, capture_output=True, text=True, timeout=300,
                         cwd=cwd)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_examples_run(tmp_path):
    assert "reloaded test MSE" in _run(["examples/linear_regression.py", "300"])
    assert "dc mean 2.5474" in _run(["examples/relu_rectifier.py", str(tmp_path)])
    assert (tmp_path / "relu_rectifier.png").stat().st_size > 0
    assert "forward equal: True  backward equal: True" in _run(["examples/relu_numpy_vs_ember.py"])


def test_demo_trains_to_97_percent_and_reloads(tmp_path):
    pytest.importorskip("sklearn")
    out = _run(["-m", "ember", "demo", "--out", str(tmp_path)])
    acc = float(out.split("test accuracy: ")[1].split("%")[0])
    assert acc >= 97.0, out
    assert "same" in out and (tmp_path / "digits_mlp.pt").exists()
    assert (tmp_path / "loss_curve.png").stat().st_size > 1000
