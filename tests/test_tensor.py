"""Tensor attributes, conversions and creation functions (issue items 1, 2, 4, 10)."""
import copy
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import ember

try:
    import torch
except ImportError:
    torch = None


def test_slide_attributes():
    x = ember.tensor(3.0, requires_grad=True)
    w = ember.tensor(2.0, requires_grad=True)
    u = x * w
    assert x.is_leaf and not u.is_leaf
    assert u.requires_grad and u.grad_fn.name() == "MulBackward0"
    assert x.shape == ember.Size([]) and repr(x.shape) == "torch.Size([])"
    assert str(x.device) == "cpu" and repr(x.device) == "device(type='cpu')"
    assert x.dtype is ember.float32
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d.add_(1)  # shares memory, outside autograd
    assert x.item() == 4.0


def test_size_and_dims():
    x = ember.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert isinstance(x.size(), ember.Size) and repr(x.size()) == "torch.Size([2, 3])"
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6 and len(x) == 2
    assert x.stride() == (3, 1) and x.t().stride() == (1, 3)
    assert x.is_contiguous() and not x.t().is_contiguous()
    with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 2"):
        x.size(2)
    with pytest.raises(TypeError):
        len(ember.tensor(1.0))


def test_creation_shapes_accept_varargs_tuple_list():
    for z in (ember.zeros(2, 3), ember.zeros((2, 3)), ember.zeros([2, 3]),
              ember.ones(ember.Size([2, 3])), ember.empty(2, 3)):
        assert z.shape == (2, 3)
    assert ember.full((2,), 7).dtype is ember.int64
    assert ember.full((2,), 7.0).dtype is ember.float32
    assert ember.full((2,), True).dtype is ember.bool
    with pytest.raises(RuntimeError, match="negative dimension"):
        ember.zeros(-1)


@pytest.mark.skipif(torch is None, reason="needs torch")
def test_creation_values_match_torch():
    pairs = [
        (lambda m: m.arange(5), None), (lambda m: m.arange(1, 4, 0.5), None),
        (lambda m: m.arange(0, 1, 0.1), None), (lambda m: m.arange(10, 0, -3), None),
        (lambda m: m.linspace(0, 1, 5), None), (lambda m: m.linspace(-1, 1, 1), None),
        (lambda m: m.logspace(0, 2, 3), None), (lambda m: m.eye(3), None),
        (lambda m: m.eye(2, 4), None), (lambda m: m.zeros_like(m.ones(2, dtype=m.int32)), None),
        (lambda m: m.full_like(m.ones(2), 3.5), None), (lambda m: m.ones_like(m.eye(2)), None),
    ]
    for f, _ in pairs:
        e, t = f(ember), f(torch)
        assert repr(e.dtype) == repr(t.dtype)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)
        assert repr(e) == repr(t)


def test_numpy_shares_memory_and_refuses_grad():
    a = np.arange(3.0)
    t = ember.from_numpy(a)
    t.add_(1)
    assert a[0] == 1.0 and t.numpy() is a
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        x.numpy()
    assert np.asarray(x.detach()).shape == (2,)
    assert np.array(ember.ones(2, 2)).shape == (2, 2)


def test_legacy_constructors():
    a = np.random.default_rng(0).standard_normal((2, 3))
    t = ember.Tensor(a)
    assert t.dtype is ember.float32 and t.shape == (2, 3)
    np.testing.assert_allclose(t.numpy(), a.astype(np.float32))
    assert ember.Tensor(2, 3).shape == (2, 3)
    assert ember.Tensor([1, 2]).dtype is ember.float32


def test_item_tolist_conversions():
    assert ember.tensor([[1, 2]]).tolist() == [[1, 2]]
    assert ember.tensor(2.5).item() == 2.5 and isinstance(ember.tensor(2).item(), int)
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted"):
        ember.ones(3).item()
    assert float(ember.tensor([1.5])) == 1.5 and int(ember.tensor(3)) == 3
    assert [1, 2, 3][ember.tensor(1)] == 2
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(ember.ones(2))
    assert "{:.2f}".format(ember.tensor(1.2345)) == "1.23"


def test_casts():
    x = ember.tensor([1.7, -2.2])
    assert x.float() is x
    for name in ("double", "half", "long", "int", "bool", "short", "byte", "char"):
        y = getattr(x, name)()
        assert repr(y.dtype).endswith({"double": "float64", "half": "float16", "long": "int64",
                                       "int": "int32", "bool": "bool", "short": "int16",
                                       "byte": "uint8", "char": "int8"}[name])
    assert x.long().tolist() == [1, -2]
    assert x.to(ember.float64).dtype is ember.float64
    assert x.type_as(ember.tensor([1])).dtype is ember.int64
    assert x.to("cpu") is x and x.cpu() is x
    assert x.type() == "torch.FloatTensor"
    g = ember.ones(2, requires_grad=True)
    assert g.double().grad_fn.name() == "ToCopyBackward0"


def test_new_functions_keep_dtype():
    x = ember.ones(2, dtype=ember.float64)
    assert x.new_zeros(3).dtype is ember.float64 and x.new_zeros(3).shape == (3,)
    assert x.new_ones((1, 2)).shape == (1, 2)
    assert x.new_full((2,), 4).tolist() == [4.0, 4.0]
    assert x.new_tensor([1, 2]).dtype is ember.float64


def test_clone_detach_requires_grad():
    x = ember.ones(2, requires_grad=True)
    c = x.clone()
    assert c.grad_fn.name() == "CloneBackward0"
    d = x.detach()
    assert not d.requires_grad and d._version == x._version
    d.zero_() if hasattr(d, "zero_") else d.mul_(0)
    assert x.tolist() == [0.0, 0.0]  # detach shares memory
    y = x * 2
    y.detach_()
    assert y.is_leaf and not y.requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        ember.ones(2, dtype=ember.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf"):
        (x * 2).requires_grad = False
    z = ember.zeros(2)
    z.requires_grad = True
    assert z.requires_grad


def test_nonleaf_grad_warning_and_none_for_leaf():
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.ones(2).grad is None


def test_pickle_and_deepcopy_keep_values():
    x = ember.tensor([[1.0, 2.0]], requires_grad=True)
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.requires_grad
    z = copy.deepcopy(x)
    assert z.tolist() == x.tolist() and z._data is not x._data
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_cuda_is_unavailable_and_flags_settable():
    assert ember.cuda.is_available() is False
    ember.cuda.manual_seed(0)
    ember.backends.cudnn.benchmark = False
    ember.backends.cudnn.deterministic = True
    with pytest.raises(AssertionError, match="not compiled with CUDA"):
        ember.ones(1).cuda()


def test_errors_name_shapes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 0"):
        ember.ones(2, 3) + ember.ones(4, 3)
    with pytest.raises(RuntimeError, match=r"shapes cannot be multiplied \(2x3 and 4x3\)"):
        ember.ones(2, 3).mm(ember.ones(4, 3))
    with pytest.raises(RuntimeError, match=r"shape '\[4\]' is invalid for input of size 6"):
        ember.ones(2, 3).view(4)
    with pytest.raises(RuntimeError, match="Expected size 3 but got size 4 for tensor number 1"):
        ember.cat([ember.ones(2, 3), ember.ones(2, 4)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.ones(2, 3).sum(2)


def _run_script(code: str, tmp_path) -> str:
    script = tmp_path / "script.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(script), "a1"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_ember_run_makes_torch_imports_resolve_to_ember(tmp_path):
    out = _run_script(
        "import sys\nimport torch\nimport torch.nn as nn\nfrom torch.nn import functional as F\n"
        "print(torch.__name__, nn.__name__, F.__name__, sys.argv[1:])\n"
        "x = torch.tensor([-1.0, 2.0], requires_grad=True)\n"
        "F.relu(x).sum().backward()\nprint(x.grad)\n", tmp_path)
    assert out.splitlines() == ["ember ember.nn ember.nn.functional ['a1']",
                                "tensor([0., 1.])"]


def test_view_reshape_infer_minus_one_and_negative_permute():
    x = ember.arange(12.0)
    assert x.view(-1, 4).shape == (3, 4) and x.reshape(2, -1).shape == (2, 6)
    assert x.view(3, 4).permute(-1, -2).shape == (4, 3)
    assert ember.ones(3, 1).expand(-1, 5).shape == (3, 5)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        ember.zeros(-1, 2)


def test_explicit_float64_dtype_keeps_python_float_precision():
    t = ember.tensor([0.1, 0.2], dtype=ember.float64)
    assert t.tolist() == [0.1, 0.2]
    assert ember.tensor([[1, 2]], dtype=ember.float32).dtype is ember.float32


def test_bool_of_many_or_no_elements_is_ambiguous_like_torch():
    with pytest.raises(RuntimeError, match="with more than one value is ambiguous"):
        bool(ember.ones(2))
    with pytest.raises(RuntimeError, match="with no values is ambiguous"):
        bool(ember.tensor([]))
    assert bool(ember.tensor([2.0])) and not bool(ember.tensor(0))


def test_imports_run_one_way_from_the_tensor_to_autograd():
    """The Tensor's module imports nothing from ember.autograd at load time (the autograd core
    it reads, grad and anomaly mode, lives below it in ember/_autograd_state.py); the graph,
    engine and array namespace import the Tensor by name, with no placeholder filled later."""
    import ast
    import pathlib

    import ember._tensor
    from ember.autograd import anp, engine, graph

    def top_imports(module):
        tree = ast.parse(pathlib.Path(module.__file__).read_text())
        return [n.module or "" for n in tree.body if isinstance(n, ast.ImportFrom)]

    assert not [m for m in top_imports(ember._tensor) if m.startswith("autograd")]
    for mod in (graph, engine, anp):
        assert "_tensor" in top_imports(mod), mod.__name__
        assert mod.Tensor is ember.Tensor
    assert not hasattr(graph, "_Tensor")
    assert engine._wrap is ember.Tensor._wrap
    # the autograd methods come from the method table, like every other method
    assert ember.Tensor.backward is engine.tensor_backward
    assert ember.Tensor.register_hook is graph.register_hook


def _tensor_extras(lib):
    import warnings
    out = []
    x = lib.zeros(3, 4)
    x.fill_diagonal_(5)
    y = lib.zeros(7, 3)
    y.fill_diagonal_(1, wrap=True)
    y2 = lib.zeros(7, 3)
    y2.fill_diagonal_(1)
    z = lib.zeros(2, 2, 2)
    z.fill_diagonal_(3)
    out += [x.tolist(), y.tolist(), y2.tolist(), z.flatten().tolist()]
    a = lib.ones(3, 3, requires_grad=True)
    b = a * 2
    b.fill_diagonal_(0)
    b.sum().backward()
    out += [type(b.grad_fn).__name__, a.grad.tolist()]
    m = lib.tensor([[1 + 1j, 2], [3, 4 - 2j]])
    out.append(m.H.tolist())
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        out.append(lib.tensor(2.0).H.item())
    s = lib.arange(6.0).view(2, 3).requires_grad_()
    r = s.sum_to_size(1, 3)
    r.sum().backward()
    out += [r.tolist(), type(r.grad_fn).__name__, s.sum_to_size(3).tolist(),
            s.sum_to_size((2, 1)).tolist(), s.sum_to_size(2, 3) is s, s.grad.tolist()]
    q = lib.arange(6.0)
    q.resize_(2, 2)
    out += [q.tolist()]
    q.resize_(3)
    out += [q.tolist()]
    w = lib.arange(4.0)
    w.resize_as_(lib.zeros(2, 2))
    out.append(w.tolist())
    for bad in (lambda: lib.zeros(2, 3, 2).fill_diagonal_(1),
                lambda: lib.zeros(3).fill_diagonal_(1),
                lambda: lib.ones(2, requires_grad=True).resize_(3),
                lambda: lib.arange(6.0).view(2, 3).sum_to_size(2, 2),
                lambda: lib.ones(3).H, lambda: lib.ones(2, 2, 2).H):
        with pytest.raises(RuntimeError) as info:
            bad()
        out.append(str(info.value))
    return out


def test_fill_diagonal_h_sum_to_size_resize_match_torch():
    torch = pytest.importorskip("torch")
    assert _tensor_extras(ember) == _tensor_extras(torch)
