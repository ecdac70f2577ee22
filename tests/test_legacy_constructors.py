"""PyTorch's legacy constructors, as old tutorials use them: torch.Tensor(...), x.new(...),
torch.FloatTensor & co., x.type(torch.LongTensor), set_default_tensor_type."""
import warnings

import numpy as np
import pytest

import ember

TYPES = {"FloatTensor": ember.float32, "DoubleTensor": ember.float64,
         "HalfTensor": ember.float16, "BFloat16Tensor": ember.bfloat16,
         "ByteTensor": ember.uint8, "CharTensor": ember.int8, "ShortTensor": ember.int16,
         "IntTensor": ember.int32, "LongTensor": ember.int64, "BoolTensor": ember.bool}


@pytest.mark.parametrize("name", list(TYPES))
def test_typed_constructors_make_their_dtype(name):
    cls = getattr(ember, name)
    dt = TYPES[name]
    assert repr(cls) == f"<class 'torch.{name}'>" and type(cls).__name__ == "tensortype"
    assert cls.dtype is dt and cls.is_cuda is False
    t = cls([[1, 0], [3, 4]])
    assert type(t) is ember.Tensor and t.dtype is dt and t.shape == (2, 2)
    assert t.tolist() == ember.tensor([[1, 0], [3, 4]]).to(dt).tolist()
    assert isinstance(t, cls) and isinstance(t, ember.Tensor)
    assert not issubclass(cls, ember.Tensor)
    assert not isinstance(t, ember.cuda.FloatTensor)
    assert cls(2, 3).shape == (2, 3) and cls().shape == (0,) and cls(ember.Size([4])).shape == (4,)
    assert cls(np.arange(3)).tolist() == ember.arange(3).to(dt).tolist()
    assert cls(range(2)).dtype is dt
    assert t.type(cls) is t and ember.zeros(2, dtype=ember.float64).type(cls).dtype is dt
    assert ember.ones(1).type(f"torch.{name}").dtype is dt


def test_isinstance_tests_the_dtype():
    a = ember.FloatTensor([1.0])
    assert isinstance(a, ember.FloatTensor) and not isinstance(a, ember.DoubleTensor)
    assert isinstance(a.double(), ember.DoubleTensor)
    assert not isinstance(np.zeros(1, np.float32), ember.FloatTensor)


def test_a_tensor_argument_is_aliased_not_copied():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    for y in (ember.Tensor(x), ember.FloatTensor(x), x.new(x)):
        assert y is not x and y._base is x and y.grad_fn.name() == "AliasBackward0"
        assert np.shares_memory(y.numpy() if not y.requires_grad else y.detach().numpy(),
                                x.detach().numpy())
    y = ember.Tensor(x)
    (y * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    longs = ember.tensor([1, 2])
    assert ember.Tensor(longs).dtype is ember.int64        # Tensor keeps the tensor's dtype
    # a typed class wants the tensor in its dtype (PyTorch's TensorOptions message)
    with pytest.raises(TypeError, match=r"expected TensorOptions\(dtype=long int, .*\(got "
                                        r"TensorOptions\(dtype=float,"):
        ember.LongTensor(ember.zeros(1))
    with pytest.raises(TypeError, match=r"dtype=c10::Half"):
        ember.LongTensor(ember.zeros(1, dtype=ember.float16))


@pytest.mark.parametrize("args, message", [
    ((2.5,), "new(): data must be a sequence (got float)"),
    ((True,), "new(): data must be a sequence (got bool)"),
    ((None,), "new(): data must be a sequence (got NoneType)"),
    ((np.float64(1),), "new(): data must be a sequence (got numpy.float64)"),
    (("ab",), "new(): invalid data type 'str'"),
    (([1, 2], 3), "new() received an invalid combination of arguments - got (list, int), "
                  "but expected one of:")])
def test_bad_arguments_raise_pytorch_type_errors(args, message):
    for ctor in (ember.Tensor, ember.LongTensor, ember.zeros(1).new):
        with pytest.raises(TypeError) as e:
            ctor(*args)
        assert str(e.value).startswith(message)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        ember.FloatTensor(-1)


def test_empty_and_zero_dim_forms():
    assert ember.Tensor().shape == (0,) and ember.Tensor().dtype is ember.float32
    assert ember.Tensor(np.array(2.5)).shape == () and ember.Tensor(np.array(2.5)).item() == 2.5
    assert ember.Tensor([]).shape == (0,) and ember.Tensor(0).shape == (0,)


def test_new_keeps_the_dtype():
    z = ember.zeros(2, 3, dtype=ember.float64)
    assert z.new(2).shape == (2,) and z.new(2).dtype is ember.float64
    assert z.new([1, 2]).tolist() == [1.0, 2.0] and z.new([1, 2]).dtype is ember.float64
    assert z.new().shape == (0,) and z.new(ember.Size([1, 2])).shape == (1, 2)
    assert z.new((1, 2)).tolist() == [1.0, 2.0]        # a tuple is data, a Size a shape
    with pytest.raises(TypeError, match="dtype=double"):
        z.new(ember.tensor([1, 2]))


def test_cuda_types_exist_but_cannot_be_made():
    cls = ember.cuda.FloatTensor
    assert repr(cls) == "<class 'torch.cuda.FloatTensor'>" and cls.is_cuda
    with pytest.raises(TypeError, match="type torch.cuda.FloatTensor not available. Torch not "
                                        "compiled with CUDA enabled."):
        cls([1.0])
    for t in (cls, "torch.cuda.FloatTensor"):
        with pytest.raises(RuntimeError, match="Torch not compiled with CUDA enabled"):
            ember.zeros(1).type(t)
    with pytest.raises(RuntimeError, match="legacy constructor expects device type: cpu but "
                                           "device type: cuda was passed"):
        ember.FloatTensor([1], device="cuda")
    assert ember.FloatTensor([1], device="cpu").tolist() == [1.0]


def test_type_errors():
    x = ember.zeros(1)
    with pytest.raises(ValueError, match="invalid type: 'torch.Foo'"):
        x.type("torch.Foo")
    with pytest.raises(TypeError, match="dtype must be a type, str, or dtype object"):
        x.type(3)
    assert x.type("torch.ComplexFloatTensor").dtype is ember.complex64


def test_set_default_tensor_type():
    try:
        with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
            ember.set_default_tensor_type(ember.DoubleTensor)
        assert ember.get_default_dtype() is ember.float64
        assert ember.Tensor([1.0]).dtype is ember.float64
        assert ember.FloatTensor([1.0]).dtype is ember.float32
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ember.set_default_tensor_type("torch.FloatTensor")
            assert ember.get_default_dtype() is ember.float32
            for bad, exc, msg in (
                    (ember.LongTensor, TypeError, "only floating-point types are supported"),
                    ("torch.LongTensor", TypeError, "only floating-point types are supported"),
                    (ember.float64, TypeError, "invalid type object: only floating-point"),
                    ("torch.Foo", AttributeError, "module 'torch' has no attribute 'Foo'"),
                    (ember.cuda.DoubleTensor, TypeError, "torch.cuda.DoubleTensor not available"),
                    ("torch.cuda.DoubleTensor", TypeError, "not available")):
                with pytest.raises(exc, match=msg):
                    ember.set_default_tensor_type(bad)
    finally:
        ember.set_default_dtype(ember.float32)


def test_matches_torch_where_defined():
    torch = pytest.importorskip("torch")
    cases = [lambda lib: lib.FloatTensor([[1, 2], [3, 4]]), lambda lib: lib.LongTensor([1.7, -2]),
             lambda lib: lib.ByteTensor([1, 255]), lambda lib: lib.BoolTensor([1, 0]),
             lambda lib: lib.Tensor(range(3)), lambda lib: lib.Tensor(lib.tensor([1, 2])),
             lambda lib: lib.tensor([1.5, 2.5]).type(lib.IntTensor),
             lambda lib: lib.zeros(2, dtype=lib.float64).new([1, 2]),
             lambda lib: lib.HalfTensor([1.1]), lambda lib: lib.BFloat16Tensor([1.1])]
    for f in cases:
        e, t = f(ember), f(torch)
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape)
        assert e.tolist() == t.tolist()


def test_variable_is_a_detached_leaf_sharing_memory():
    from ember.autograd import Variable
    assert repr(Variable) == "<class 'torch.autograd.variable.Variable'>"
    t = ember.ones(2)
    v = Variable(t, requires_grad=True)
    assert type(v) is ember.Tensor and v is not t and v.is_leaf and v.requires_grad
    assert np.shares_memory(v.detach().numpy(), t.numpy()) and not t.requires_grad
    assert isinstance(t, Variable) and not isinstance([1], Variable)
    (v * 2).sum().backward()
    assert v.grad.tolist() == [2.0, 2.0] and t.grad is None
    w = Variable(ember.ones(2, requires_grad=True) * 2)       # detached from its graph
    assert w.grad_fn is None and not w.requires_grad
    assert Variable().shape == (0,)
    assert Variable(ember.tensor([1, 2])).dtype is ember.int64
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1, 2])
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype"):
        Variable(ember.tensor([1, 2]), requires_grad=True)
    with pytest.warns(UserWarning, match="volatile was removed and now has no effect"):
        Variable(t, volatile=True)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="can't be volatile and "
                                                                    "require_grad"):
        Variable(t, True, True)
    with pytest.warns(UserWarning, match=r"volatile was removed \(Variable.volatile is always"):
        assert t.volatile is False
