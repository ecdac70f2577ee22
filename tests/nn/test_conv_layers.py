"""Convolution, pooling, padding and instance-norm modules against PyTorch: seeded init is
bit-identical, outputs and gradients agree within float tolerance, reprs and errors match."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import ember

RTOL, ATOL = 1e-5, 1e-5


def _pair(name, *args, seed=0, **kwargs):
    ember.manual_seed(seed)
    e = getattr(ember.nn, name)(*args, **kwargs)
    torch.manual_seed(seed)
    t = getattr(torch.nn, name)(*args, **kwargs)
    return e, t


def _check_module(name, args, kwargs, shape, forward_kw=None, seed=0):
    e, t = _pair(name, *args, seed=seed, **kwargs)
    assert repr(e) == repr(t)
    for (ne, pe), (nt, pt) in zip(e.named_parameters(), t.named_parameters()):
        assert ne == nt
        assert np.array_equal(pe.detach().numpy(), pt.detach().numpy()), ne
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ye = e(xe, **(forward_kw or {}))
    yt = t(xt, **(forward_kw or {}))
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape)).astype(np.float32)
    ye.backward(ember.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=RTOL, atol=ATOL)
    for (ne, pe), (_, pt) in zip(e.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=ne)
    return e, t


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Conv1d", (3, 5, 3), {}, (2, 3, 11)),
    ("Conv1d", (4, 6, 3), dict(stride=2, padding=2, dilation=2, groups=2), (2, 4, 13)),
    ("Conv1d", (2, 4, 4), dict(padding="same", padding_mode="circular"), (3, 2, 9)),
    ("Conv2d", (3, 8, 3), {}, (2, 3, 9, 8)),
    ("Conv2d", (3, 8, (3, 2)), dict(stride=(2, 1), padding=(1, 0), bias=False), (2, 3, 9, 8)),
    ("Conv2d", (4, 4, 3), dict(groups=4, padding=1), (2, 4, 7, 7)),          # depthwise
    ("Conv2d", (6, 4, 3), dict(groups=2, dilation=2, padding=2), (1, 6, 9, 10)),
    ("Conv2d", (3, 5, 4), dict(padding="same"), (2, 3, 8, 7)),
    ("Conv2d", (3, 5, 3), dict(padding="valid"), (3, 8, 7)),                 # unbatched
    ("Conv2d", (3, 5, 3), dict(padding=2, padding_mode="reflect"), (2, 3, 8, 7)),
    ("Conv2d", (3, 5, 3), dict(padding=(1, 2), padding_mode="replicate"), (2, 3, 8, 7)),
    ("Conv2d", (3, 5, 3), dict(padding=1, padding_mode="circular"), (2, 3, 8, 7)),
    ("Conv3d", (2, 4, 3), dict(padding=1, stride=(1, 2, 1)), (2, 2, 5, 6, 4)),
    ("Conv2d", (32, 24, 3), dict(padding=1, groups=2), (2, 32, 6, 5)),       # >= 16 per group
    ("Conv2d", (16, 20, 3), dict(stride=2, dilation=2, padding=2), (2, 16, 9, 8)),
    ("ConvTranspose2d", (16, 32, 3), dict(stride=2), (2, 16, 4, 3)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2), (2, 3, 6)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, padding=1, output_padding=1, groups=2),
     (2, 4, 5, 4)),
    ("ConvTranspose2d", (3, 2, (2, 3)), dict(dilation=2, bias=False), (3, 4, 5)),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 3, 3, 2)),
])
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv_modules_match_torch(name, args, kwargs, shape):
    _check_module(name, args, kwargs, shape)


def test_conv_transpose_output_size():
    _check_module("ConvTranspose2d", (3, 4, 3), dict(stride=2, padding=1), (2, 3, 5, 5),
                  forward_kw=dict(output_size=[10, 10]))
    e, t = _pair("ConvTranspose2d", 3, 4, 3, stride=2, padding=1)
    x = np.zeros((2, 3, 5, 5), np.float32)
    with pytest.raises(ValueError) as ei:
        e(ember.tensor(x), output_size=[12, 12])
    with pytest.raises(ValueError) as ti:
        t(torch.tensor(x), output_size=[12, 12])
    assert str(ei.value) == str(ti.value)


def test_lazy_conv_materialises_like_torch():
    e, t = _pair("LazyConv2d", 6, 3, padding=1)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    ye, yt = e(ember.tensor(x)), t(torch.tensor(x))
    assert type(e).__name__ == type(t).__name__ == "Conv2d"
    assert np.array_equal(e.weight.detach().numpy(), t.weight.detach().numpy())
    assert np.array_equal(e.bias.detach().numpy(), t.bias.detach().numpy())
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("kwargs,msg", [
    (dict(in_channels=3, out_channels=4, kernel_size=3, groups=2), "in_channels must be"),
    (dict(in_channels=4, out_channels=3, kernel_size=3, groups=2), "out_channels must be"),
    (dict(in_channels=3, out_channels=4, kernel_size=3, padding="foo"), "Invalid padding"),
    (dict(in_channels=3, out_channels=4, kernel_size=3, padding="same", stride=2), "same"),
    (dict(in_channels=3, out_channels=4, kernel_size=3, padding_mode="x"), "padding_mode"),
])
def test_conv_module_errors(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        ember.nn.Conv2d(**kwargs)
    with pytest.raises(ValueError, match=msg):
        torch.nn.Conv2d(**kwargs)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 10)),
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 8, 9)),
    ("MaxPool2d", ((2, 3),), dict(dilation=2), (3, 9, 9)),
    ("MaxPool3d", (2,), dict(ceil_mode=True), (1, 2, 5, 4, 5)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, count_include_pad=False), (2, 3, 10)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, ceil_mode=True), (2, 3, 8, 9)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (2, 3, 8, 8)),
    ("AvgPool3d", (2,), dict(padding=1, count_include_pad=False), (1, 2, 5, 4, 5)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool3d", ((2, 3, 1),), {}, (1, 2, 5, 4, 5)),
    ("AdaptiveMaxPool1d", (4,), {}, (2, 3, 10)),
    ("LPPool2d", (2, 3), dict(stride=2), (2, 3, 8, 9)),     # an even power: any sign
    ("AdaptiveMaxPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveMaxPool3d", ((2, 3, 1),), {}, (1, 2, 5, 4, 5)),
])
def test_pool_modules_match_torch(name, args, kwargs, shape):
    _check_module(name, args, kwargs, shape)


def test_max_pool_ties_pick_torchs_element():
    # integers: every window has ties; the gradient must go to the element PyTorch picks
    x = np.random.default_rng(0).integers(0, 3, (2, 3, 9, 9)).astype(np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
               dict(kernel_size=3, stride=2, dilation=2, ceil_mode=True)):
        xe = ember.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye, ie = ember.nn.functional.max_pool2d(xe, return_indices=True, **kw)
        yt, it = torch.nn.functional.max_pool2d(xt, return_indices=True, **kw)
        assert np.array_equal(ie.numpy(), it.numpy())
        assert ie.dtype == ember.int64
        ye.sum().backward()
        yt.sum().backward()
        assert np.array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_max_pool_nan_and_signed_zero_pick_torchs_element():
    # PyTorch's rule: greater or NaN replaces, so the LAST NaN of a window wins and a tie of
    # zeros keeps the first zero's sign; values (bits), indices and gradients must agree
    nan = np.nan
    x = np.array([[[[1.0, nan, 0.0, -0.0, 2.0, 2.0],
                    [nan, 0.0, -0.0, 0.0, nan, 2.0],
                    [-0.0, 0.0, -np.inf, -np.inf, 3.0, nan],
                    [0.0, -0.0, -np.inf, -np.inf, nan, 3.0]]]], dtype=np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=(2, 3), stride=1)):
        xe = ember.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye, ie = ember.nn.functional.max_pool2d(xe, return_indices=True, **kw)
        yt, it = torch.nn.functional.max_pool2d(xt, return_indices=True, **kw)
        assert np.array_equal(ie.numpy(), it.numpy())
        a, b = ye.detach().numpy(), yt.detach().numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b))
        assert np.array_equal(np.signbit(a[~np.isnan(a)]), np.signbit(b[~np.isnan(b)]))
        assert np.array_equal(a[~np.isnan(a)], b[~np.isnan(b)])
        ye.sum().backward()
        yt.sum().backward()
        assert np.array_equal(xe.grad.numpy(), xt.grad.numpy())


def test_max_pool_nonfinite_gradient_reaches_only_the_chosen_element():
    x = np.random.default_rng(0).integers(0, 3, (2, 2, 6, 6)).astype(np.float32)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        xe = ember.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye = ember.nn.functional.max_pool2d(xe, **kw)
        yt = torch.nn.functional.max_pool2d(xt, **kw)
        g = np.ones(tuple(yt.shape), np.float32)
        g[0, 0, 0, 0], g[1, 1, -1, -1] = np.nan, np.inf
        ye.backward(ember.tensor(g))
        yt.backward(torch.tensor(g))
        assert np.array_equal(xe.grad.numpy(), xt.grad.numpy(), equal_nan=True)


@pytest.mark.parametrize("name,args,shape", [
    ("ZeroPad1d", (2,), (2, 3, 5)), ("ZeroPad2d", ((1, 2, 0, 3),), (2, 3, 4, 5)),
    ("ZeroPad3d", (1,), (1, 2, 3, 3, 3)), ("ConstantPad1d", ((1, 2), 3.5), (2, 3, 5)),
    ("ConstantPad2d", (1, -1.0), (3, 4, 5)), ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 2.0),
                                               (1, 2, 3, 3, 3)),
    ("ReflectionPad1d", ((2, 3),), (2, 3, 5)), ("ReflectionPad2d", (2,), (2, 3, 4, 5)),
    ("ReflectionPad3d", (1,), (1, 2, 3, 3, 3)), ("ReplicationPad1d", (3,), (2, 3, 5)),
    ("ReplicationPad2d", ((1, 2, 3, 0),), (3, 4, 5)),
    ("ReplicationPad3d", (2,), (1, 2, 3, 3, 3)), ("CircularPad1d", ((2, 1),), (2, 3, 5)),
    ("CircularPad2d", ((1, 2, 3, 0),), (2, 3, 4, 5)), ("CircularPad3d", (1,), (1, 2, 3, 3, 3)),
])
def test_padding_modules_match_torch(name, args, shape):
    _check_module(name, args, {}, shape)


def test_pad_all_modes_over_many_shapes():
    """F.pad, including circular padding with negative (cropping) amounts, equals PyTorch."""
    rng = np.random.default_rng(0)
    checked = 0
    for shape in [(1, 2, 5), (2, 3, 4, 5), (1, 1, 3, 4, 5), (3, 4), (2, 6, 3)]:
        for mode in ("constant", "reflect", "replicate", "circular"):
            for k in range(1, min(3, len(shape) - 1) + 1):
                for lo, hi in itertools.product(range(-2, 4), repeat=2):
                    pad = (lo, hi) * k
                    kept = [shape[-1 - i] + min(lo, 0) + min(hi, 0) for i in range(k)]
                    # PyTorch reads outside its buffer when circular padding exceeds what the
                    # crop leaves, and gives empty or garbage results for crops to nothing
                    if min(kept) <= 0 or (mode == "circular" and max(lo, hi) > min(kept)):
                        continue
                    x = rng.standard_normal(shape)
                    try:
                        want = torch.nn.functional.pad(torch.tensor(x), pad, mode=mode)
                    except RuntimeError:
                        with pytest.raises(RuntimeError):
                            ember.nn.functional.pad(ember.tensor(x), pad, mode=mode)
                        continue
                    got = ember.nn.functional.pad(ember.tensor(x), pad, mode=mode)
                    np.testing.assert_array_equal(got.numpy(), want.numpy(),
                                                  err_msg=f"{mode} {shape} {pad}")
                    checked += 1
    assert checked > 500


def test_pad_gradients_match_torch():
    rng = np.random.default_rng(1)
    for mode, pad in (("circular", (-1, 2, 2, -1)), ("reflect", (2, -1, 1, 1)),
                      ("replicate", (3, -1, -1, 2)), ("constant", (-1, 2, 1, -2))):
        x = rng.standard_normal((2, 3, 5, 6))
        xe = ember.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        ye = ember.nn.functional.pad(xe, pad, mode=mode)
        yt = torch.nn.functional.pad(xt, pad, mode=mode)
        g = rng.standard_normal(tuple(yt.shape))
        ye.backward(ember.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
        assert ye.grad_fn.name() == yt.grad_fn.name()


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("InstanceNorm1d", (3,), {}, (2, 3, 7)),
    ("InstanceNorm2d", (3,), dict(affine=True), (2, 3, 5, 4)),
    ("InstanceNorm2d", (3,), dict(track_running_stats=True), (2, 3, 5, 4)),
    ("InstanceNorm3d", (2,), dict(affine=True), (2, 2, 3, 4, 3)),
    ("InstanceNorm2d", (3,), {}, (3, 5, 4)),
    ("LocalResponseNorm", (3,), dict(alpha=0.1, k=2.0), (2, 5, 4, 3)),
    ("LocalResponseNorm", (2,), {}, (2, 5, 6)),
])
def test_instance_norm_modules_match_torch(name, args, kwargs, shape):
    e, t = _check_module(name, args, kwargs, shape)
    if kwargs.get("track_running_stats"):
        np.testing.assert_allclose(e.running_mean.numpy(), t.running_mean.numpy(), rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(e.running_var.numpy(), t.running_var.numpy(), rtol=1e-5,
                                   atol=1e-6)


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))


def test_cnn_trains_like_torch():
    """A LeNet-style net with BatchNorm2d: seeded init identical, five SGD steps agree."""
    ember.manual_seed(0)
    e = _cnn(ember)
    torch.manual_seed(0)
    t = _cnn(torch)
    for pe, pt in zip(e.parameters(), t.parameters()):
        assert np.array_equal(pe.detach().numpy(), pt.detach().numpy())
    oe = ember.optim.SGD(e.parameters(), lr=0.05, momentum=0.9)
    ot = torch.optim.SGD(t.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.standard_normal((8, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 8)
        le = ember.nn.functional.cross_entropy(e(ember.tensor(x)), ember.tensor(y))
        lt = torch.nn.functional.cross_entropy(t(torch.tensor(x)), torch.tensor(y))
        np.testing.assert_allclose(le.item(), lt.item(), rtol=1e-4)
        oe.zero_grad()
        ot.zero_grad()
        le.backward()
        lt.backward()
        oe.step()
        ot.step()
    for pe, pt in zip(e.parameters(), t.parameters()):
        np.testing.assert_allclose(pe.detach().numpy(), pt.detach().numpy(), rtol=1e-3,
                                   atol=1e-4)
    bn_e, bn_t = e[1], t[1]
    np.testing.assert_allclose(bn_e.running_var.numpy(), bn_t.running_var.numpy(), rtol=1e-4)


def test_conv_double_backward_gradient_penalty():
    """The gradient-penalty pattern: d/dw of ||dy/dx||^2 equals PyTorch's."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 6))
    w = rng.standard_normal((4, 3, 3, 3))
    res = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.conv2d(xt, wt, stride=2, padding=1).tanh().sum()
        (gx,) = lib.autograd.grad(y, xt, create_graph=True)
        (gw,) = lib.autograd.grad((gx ** 2).sum(), wt)
        res.append(gw.detach().numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Upsample", (), dict(scale_factor=2), (2, 3, 4, 5)),
    ("Upsample", (), dict(size=(7, 3), mode="bilinear"), (2, 3, 4, 5)),
    ("Upsample", (), dict(scale_factor=1.5, mode="bicubic", align_corners=True), (1, 2, 4, 5)),
    ("Upsample", (), dict(scale_factor=(2, 1, 3), mode="trilinear"), (1, 2, 2, 3, 2)),
    ("Upsample", (), dict(size=9, mode="linear"), (2, 3, 5)),
    ("Upsample", (), dict(scale_factor=0.5, mode="area"), (2, 3, 8, 6)),
    ("Upsample", (), dict(scale_factor=1.7, mode="nearest-exact"), (2, 3, 5, 4)),
    ("UpsamplingNearest2d", (), dict(scale_factor=3), (1, 2, 3, 3)),
    ("UpsamplingBilinear2d", (), dict(size=(5, 7)), (1, 2, 3, 4)),
    ("PixelShuffle", (2,), {}, (2, 8, 3, 4)),
    ("PixelUnshuffle", (3,), {}, (2, 1, 6, 9)),
    ("ChannelShuffle", (2,), {}, (2, 6, 3, 3)),
    ("Unfold", ((2, 3),), dict(padding=1, stride=2), (2, 3, 6, 7)),
    ("Fold", ((5, 6), 2), dict(stride=(1, 2), padding=(0, 1)), (2, 12, 16)),
])
def test_resampling_modules_match_torch(name, args, kwargs, shape):
    _check_module(name, args, kwargs, shape)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic", "area"])
def test_interpolate_many_sizes(mode):
    """Sizes and scale factors whose source indices fall on rounding boundaries."""
    rng = np.random.default_rng(0)
    ac = dict(align_corners=False) if mode in ("bilinear", "bicubic") else {}
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((1, 2, 7, 10)).astype(dtype)
        for kw in (dict(size=(3, 19)), dict(size=(14, 5)), dict(scale_factor=1.3),
                   dict(scale_factor=(0.7, 2.5)), dict(scale_factor=3.0),
                   dict(scale_factor=1.9, recompute_scale_factor=True)):
            got = ember.nn.functional.interpolate(ember.tensor(x), mode=mode, **ac, **kw)
            want = torch.nn.functional.interpolate(torch.tensor(x), mode=mode, **ac, **kw)
            tol = 1e-5 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol,
                                       err_msg=f"{mode} {kw} {dtype}")


def test_top_level_functions_match_torch():
    """torch.conv2d, torch.max_pool2d, torch.constant_pad_nd... exist and agree."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)

    def calls(lib):
        X, W = lib.tensor(x), lib.tensor(w)
        return [lib.conv2d(X, W, padding=1), lib.conv1d(X[:, :, 0], W[:, :, 0], stride=2),
                lib.conv_transpose2d(X, W.transpose(0, 1)), lib.max_pool2d(X, 2),
                lib.max_pool1d(X[0], 2), lib.max_pool1d_with_indices(X[0], 3)[1],
                lib.max_pool3d(X, 2), lib.avg_pool1d(X[0], 2), lib.adaptive_avg_pool1d(X[0], 3),
                lib.constant_pad_nd(X, (1, -1), 2.0), lib.channel_shuffle(X[:, :2], 2),
                lib.pixel_shuffle(lib.cat([X, X[:, :1]], 1), 2), lib.pixel_unshuffle(X, 2),
                lib.convolution(X, W, None, [2, 1], [0, 1], [1, 1], False, [0, 0], 1)]
    for a, b in zip(calls(ember), calls(torch)):
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_max_unpool_modules_match_torch(n):
    shape = (2, 3) + (6,) * n
    x = np.random.default_rng(n).standard_normal(shape)
    res = []
    for lib in (ember, torch):
        pool = getattr(lib.nn, f"MaxPool{n}d")(2, return_indices=True)
        unpool = getattr(lib.nn, f"MaxUnpool{n}d")(2)
        xt = lib.tensor(x, requires_grad=True)
        y, idx = pool(xt)
        u = unpool(y, idx, output_size=(7,) * n)
        (g,) = lib.autograd.grad((u * u).sum(), xt)
        res.append((repr(unpool), u.detach().numpy(), g.numpy()))
    assert res[0][0] == res[1][0]
    np.testing.assert_array_equal(res[0][1], res[1][1])
    np.testing.assert_allclose(res[0][2], res[1][2], rtol=1e-12)


def test_recycled_window_buffers_never_alias_live_ones(monkeypatch):
    """Big window matrices go back to a spare list after backward; with the size bar lowered,
    overlapping graphs (one kept with retain_graph) still get PyTorch's gradients."""
    from ember.ops import conv
    monkeypatch.setattr(conv, "_BIG", 1 << 10)
    monkeypatch.setattr(conv, "_IN_CACHE", 0)     # the column product from a spare buffer
    monkeypatch.setattr(conv, "_SPARE", [])
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal((3, 8, 9, 9)).astype(np.float32) for _ in range(4)]
    w = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    res = []
    for lib in (ember, torch):
        wt = lib.tensor(w, requires_grad=True)
        xt = [lib.tensor(x, requires_grad=True) for x in xs]
        f = lib.nn.functional.conv2d
        y = [f(x, wt).square().sum() for x in xt[:2]]
        y[0].backward(retain_graph=True)        # keeps its windows
        y[1].backward()                         # frees its windows and column product
        if lib is ember:
            assert len(conv._SPARE) == 2
        y += [f(x, wt).square().sum() for x in xt[2:]]     # take both spare buffers
        if lib is ember:
            assert not conv._SPARE
        for k in (0, 2, 3):
            y[k].backward()                     # each graph's windows are still its own
        res.append([wt.grad.numpy()] + [x.grad.numpy() for x in xt])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("batch_last", [False, True])
@pytest.mark.parametrize("shape,wshape,kw", [
    ((3, 4, 9, 8), (6, 2, 3, 2), {"stride": (2, 1), "padding": (1, 0), "groups": 2}),
    ((2, 3, 11), (5, 3, 3), {"dilation": 2, "padding": 3}),
    ((2, 2, 5, 6, 4), (4, 2, 3, 2, 2), {"stride": (1, 2, 1), "padding": 1}),
    ((5, 6, 14, 14), (16, 6, 5, 5), {}),
    ((2, 4, 6, 7), (12, 2, 3, 3), {"groups": 2, "padding": 1, "dilation": (2, 1)}),
])
def test_conv_both_window_layouts(monkeypatch, batch_last, shape, wshape, kw):
    """The window matrix with the batch innermost or outermost gives PyTorch's output and
    all three gradients, whichever layout is forced (the weight gradient reuses the
    forward's windows, the input gradient shares the output gradient's layout)."""
    from ember.ops import conv
    monkeypatch.setattr(conv, "_batch_last", lambda *a: batch_last)
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(shape), rng.standard_normal(wshape)
    b = rng.standard_normal(wshape[0])
    n = len(wshape) - 2
    res = []
    for lib in (ember, torch):
        ts = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = getattr(lib.nn.functional, f"conv{n}d")(*ts, **kw)
        y.backward(lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))))
        res.append([y.detach().numpy()] + [t.grad.numpy() for t in ts])
    for a, e in zip(*res):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-10)


def test_batch_innermost_windows_where_runs_are_short():
    """The batch goes innermost for LeNet's second layer (10-wide output rows), not for
    layers whose output rows are long or whose output is large next to their windows."""
    from ember.ops.conv import _batch_last
    x = np.empty((64, 6, 14, 14), np.float32)
    assert _batch_last(x, 16, (5, 5), (10, 10))
    assert not _batch_last(np.empty((64, 1, 32, 32), np.float32), 6, (5, 5), (28, 28))
    assert not _batch_last(np.empty((64, 32, 26, 26), np.float32), 64, (3, 3), (24, 24))
    # too big to stay in cache
    assert not _batch_last(np.empty((4096, 6, 14, 14), np.float32), 16, (5, 5), (10, 10))


@pytest.mark.parametrize("in_cache", [0, 1 << 40])
@pytest.mark.parametrize("shape,wshape,kw", [
    ((3, 4, 9, 8), (6, 2, 3, 2), {"stride": (2, 1), "padding": (1, 0), "groups": 2}),
    ((2, 3, 11), (5, 3, 3), {"dilation": 2, "padding": 3}),
    ((2, 2, 5, 6, 4), (4, 2, 3, 2, 2), {"stride": (1, 2, 1), "padding": 1}),
    ((4, 6, 7, 7), (3, 6, 5, 5), {}),
    # unit stride, more filters than channels: flattened planes when outside the cache
    ((2, 3, 8, 9), (12, 3, 3, 2), {"padding": (1, 2), "dilation": (2, 1)}),
    ((2, 4, 6, 7), (12, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 2, 5, 6, 4), (9, 2, 2, 3, 2), {"padding": (0, 1, 1), "dilation": (1, 2, 1)}),
])
def test_conv_input_gradient_both_product_layouts(monkeypatch, in_cache, shape, wshape, kw):
    """The input gradient puts the batch innermost for products that fit in cache and
    outermost for larger ones (with each plane flattened at unit stride); every layout gives
    PyTorch's gradient."""
    from ember.ops import conv
    monkeypatch.setattr(conv, "_IN_CACHE", in_cache)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(wshape)
    n = len(wshape) - 2
    res = []
    for lib in (ember, torch):
        xt = lib.tensor(x, requires_grad=True)
        y = getattr(lib.nn.functional, f"conv{n}d")(xt, lib.tensor(w), **kw)
        y.backward(lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape))))
        res.append(xt.grad.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10, atol=1e-10)
