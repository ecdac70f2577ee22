"""Every op of the op table over shapes with size-1 and size-0 dims, against PyTorch.

The table's samples use ordinary sizes; bugs hide where a dim has one element (a split that
returns a single piece hands its node one gradient, not a tuple) or none. So each sample is
cut down here, one dim at a time: the dim ``-k`` of every array input that has it becomes
size 1, then size 0. Where PyTorch accepts the cut sample, ember must give the same values,
dtype and shape, and the same gradients through both backward forms (without and with
``create_graph``); where PyTorch refuses it, ember must refuse it too.
"""
from __future__ import annotations

import numpy as np
import pytest

import ember
from op_db import OPS, Sample

torch = pytest.importorskip("torch")
# std/var over one element: both libraries warn about the degrees of freedom
pytestmark = pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")


# Cut samples where PyTorch's answer is a quirk ember does not copy (docs/differences.md).
QUIRKS = {
    ("cov", "sample 3, dim -1 cut to 1"):
        "with weights and no degrees of freedom PyTorch's cov zeroes its normalisation in "
        "place (zero_) inside the graph, which its autograd then refuses",
    ("cov", "sample 5, dim -1 cut to 1"):
        "with weights and no degrees of freedom PyTorch's cov zeroes its normalisation in "
        "place (zero_) inside the graph, which its autograd then refuses",
    ("block_diag", "sample 0, dim -1 cut to 0"):
        "PyTorch's block_diag backward does not step past an empty 1-d input's row, so later "
        "blocks read their gradient one row too high (its forward places them right)",
    ("take_along_dim", "sample 0, dim -2 cut to 1"):
        "PyTorch skips the bounds check of an index into a size-1 dim and reads index 2",
    ("addmv", "sample 1, dim -2 cut to 0"):
        "PyTorch returns self's shape (1,) for a 0-row matrix instead of the broadcast (0,)",
    ("multilabel_margin_loss", "sample 0, dim -2 cut to 0"):
        "PyTorch's mean over an empty batch is uninitialised memory; ember gives nan",
    ("pack_padded_sequence", "sample 0, dim -3 cut to 1"):
        "PyTorch packs lengths [3, 2, 1] from one step: data has 3 rows, batch_sizes count 6",
    ("pack_padded_sequence_unsorted", "sample 0, dim -3 cut to 1"):
        "PyTorch packs lengths [3, 2, 1] from one step: data has 3 rows, batch_sizes count 6",
    ("as_strided_of_view", "sample 0, dim -2 cut to 1"):
        "ember does not know the storage offset of an empty view (here a[1:] of one row)",
}
# A convolution over zero input channels: PyTorch returns zero output channels (dropping the
# bias); ember returns the weight's out_channels, each the bias (a sum over no products).
QUIRKS.update({(name, f"sample {j}, dim -{k} cut to 0"):
               "PyTorch gives 0 output channels for an input with 0 channels"
               for name, k, samples in (("conv1d", 2, (0, 1)), ("conv2d", 3, range(6)),
                                        ("conv3d", 4, (0,)))
               for j in samples})
# PyTorch's adaptive average pooling accepts zero channels forward but refuses the backward
# ("Expected grad_output to have non-zero size"); ember gives the empty gradient.
QUIRKS.update({(name, f"sample 0, dim -{k} cut to 0"):
               "PyTorch's adaptive_avg_pool2d_backward refuses an input with 0 channels"
               for name, k in (("adaptive_avg_pool1d", 2), ("adaptive_avg_pool2d", 3),
                               ("interpolate_area", 3))})
# PyTorch's pixel_unshuffle returns an empty input unchanged (wrong shape), so pixel_shuffle's
# backward (a pixel_unshuffle) fails; its channel_shuffle backward divides 0 channels into 0
# groups and raises.
QUIRKS.update({(name, f"sample 0, dim -{k} cut to 0"):
               "PyTorch's pixel_unshuffle keeps an empty input's shape"
               for name in ("pixel_shuffle", "pixel_unshuffle") for k in (1, 2, 3, 4)})
QUIRKS[("channel_shuffle", "sample 0, dim -3 cut to 0")] = \
    "PyTorch's channel_shuffle backward refuses an input with 0 channels"
# PyTorch's pdist backward crashes the process (a segmentation fault) on an input of 0 rows
QUIRKS.update({(name, f"sample {j}, dim -2 cut to 0"):
               "PyTorch's pdist backward crashes on 0 rows"
               for name in ("pdist", "F_pdist") for j in range(8)})


def _grad_indices(sample):
    if sample.grad is not None:
        return sample.grad
    return tuple(i for i, a in enumerate(sample.inputs)
                 if isinstance(a, np.ndarray) and a.dtype.kind == "f")


def _cut(sample, k: int, n: int):
    """``sample`` with dim ``-k`` of its array inputs cut to ``n`` elements (None if no input
    changes)."""
    changed = False
    inputs = []
    for a in sample.inputs:
        if isinstance(a, np.ndarray) and a.ndim >= k and a.shape[-k] > n:
            index = (Ellipsis, slice(0, n)) + (slice(None),) * (k - 1)
            a = np.ascontiguousarray(a[index])
            changed = True
        inputs.append(a)
    return Sample(tuple(inputs), sample.kwargs, sample.grad) if changed else None


def _variants(op):
    out = []
    for j, sample in enumerate(op.samples(np.random.default_rng(0))):
        ndim = max([a.ndim for a in sample.inputs if isinstance(a, np.ndarray)] + [0])
        for k in range(1, ndim + 1):
            for n in (1, 0):
                cut = _cut(sample, k, n)
                if cut is not None:
                    out.append((f"sample {j}, dim -{k} cut to {n}", cut))
    return out


def _build(lib, sample, grad: bool):
    idx = _grad_indices(sample) if grad else ()
    out = []
    for i, a in enumerate(sample.inputs):
        if isinstance(a, np.ndarray):
            t = lib.tensor(a.copy())
            if i in idx:
                t.requires_grad_(True)
            a = t
        out.append(a)
    return out


def _call(op, lib, sample, grad):
    inputs = _build(lib, sample, grad)
    res = op.fn(lib, *inputs, **sample.kwargs)
    if op.output_index is not None:
        res = res[op.output_index]
    return inputs, res


def _grads(lib, op, sample, create_graph=False):
    inputs, out = _call(op, lib, sample, True)
    idx = _grad_indices(sample)
    if not out.requires_grad:
        return None
    v = np.random.default_rng(1).uniform(-1.0, 1.0, tuple(out.shape))
    return lib.autograd.grad(out, [inputs[i] for i in idx], lib.tensor(v).to(out.dtype),
                             create_graph=create_graph, allow_unused=True)


def _array(t):
    return t.detach().numpy()


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
def test_size_one_and_size_zero_dims(op):
    for where, sample in _variants(op):
        if (op.name, where) in QUIRKS:
            continue
        try:
            _, t_out = _call(op, torch, sample, False)
        except Exception as t_err:  # noqa: BLE001 - torch refuses this cut: ember must too
            with pytest.raises(Exception) as e_err:
                _call(op, ember, sample, False)
            assert isinstance(e_err.value, type(t_err)), (where, t_err, e_err.value)
            continue
        _, e_out = _call(op, ember, sample, False)
        if not isinstance(t_out, torch.Tensor):   # e.g. a Python sum over no pieces
            assert e_out == t_out and type(e_out) is type(t_out), where
            continue
        assert str(e_out.dtype) == str(t_out.dtype), where
        assert tuple(e_out.shape) == tuple(t_out.shape), where
        if op.compare_values:
            np.testing.assert_allclose(_array(e_out), _array(t_out), rtol=1e-10, atol=1e-12,
                                       equal_nan=True, err_msg=where)
        if not op.differentiable or not _grad_indices(sample):
            continue
        t_g = _grads(torch, op, sample)
        for create_graph in (False, True):
            e_g = _grads(ember, op, sample, create_graph)
            assert (e_g is None) == (t_g is None), where
            if t_g is None:
                continue
            for a, b in zip(e_g, t_g):
                assert (a is None) == (b is None), where
                if b is not None:
                    assert tuple(a.shape) == tuple(b.shape) and str(a.dtype) == str(b.dtype)
                    np.testing.assert_allclose(_array(a), _array(b), rtol=1e-9, atol=1e-10,
                                               err_msg=f"{where}, create_graph={create_graph}")


@pytest.mark.parametrize("pick", [lambda x: x.unbind(0)[0], lambda x: x.split(1, dim=0)[-1],
                                  lambda x: x.chunk(2, 0)[0], lambda x: x.unbind(1)[3]],
                         ids=["unbind", "split", "chunk", "unbind_dim1"])
def test_single_piece_of_a_size_one_dim(pick):
    """A split or unbind with one piece hands its node a lone gradient, not a tuple."""
    grads = []
    for lib in (torch, ember):
        x = lib.tensor(np.arange(4.0).reshape(1, 4), requires_grad=True)
        pick(x).sin().sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)
