"""The public random functions and Tensor methods against PyTorch: the same values with the
default generator and with ``generator=``, the same state afterwards, PyTorch's argument
forms, dtypes, autograd nodes and errors."""
import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

SIZES = [1, 15, 16, 17, 1000, 100003]
DT = {ember.float32: torch.float32, ember.float64: torch.float64, ember.float16: torch.float16,
      ember.int64: torch.int64, ember.int32: torch.int32, ember.int16: torch.int16,
      ember.int8: torch.int8, ember.uint8: torch.uint8, ember.bool: torch.bool,
      ember.complex64: torch.complex64, ember.complex128: torch.complex128}


def same(e, t):
    assert isinstance(e, ember.Tensor)
    a, b = e.detach().numpy(), t.detach().numpy()
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    assert np.array_equal(a.view(np.uint8), b.view(np.uint8)), (a.ravel()[:4], b.ravel()[:4])


def seed_both(seed):
    ember.manual_seed(seed)
    torch.manual_seed(seed)


def same_default_state():
    assert np.array_equal(ember.get_rng_state().numpy(), torch.get_rng_state().numpy())
    same(ember.randn(3, dtype=ember.float64), torch.randn(3, dtype=torch.float64))
    same(ember.rand(17), torch.rand(17))


def gens(seed):
    return ember.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def errors_alike(fe, ft):
    with pytest.raises(Exception) as te:
        ft()
    with pytest.raises(type(te.value)) as ee:
        fe()
    assert str(ee.value) == str(te.value)


# -- factories with the default generator and with generator= --------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [None, ember.float64])
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_rand_randn_default_generator(n, dtype, fn):
    seed_both(n)
    tdt = DT[dtype] if dtype is not None else None
    same(getattr(ember, fn)(n, dtype=dtype), getattr(torch, fn)(n, dtype=tdt))
    same_default_state()


@pytest.mark.parametrize("shape", [(2, 3), (4, 4, 3), (1,), (), (0, 5), (5, 0)])
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_size_forms(shape, fn):
    g, tg = gens(sum(shape) + 1)
    ref = getattr(torch, fn)(shape, generator=tg)
    same(getattr(ember, fn)(*shape, generator=g), ref) if shape else None
    for form in (shape, list(shape), ember.Size(shape)):
        g, tg = gens(sum(shape) + 1)
        same(getattr(ember, fn)(form, generator=g), getattr(torch, fn)(shape, generator=tg))
    g, tg = gens(3)
    same(getattr(ember, fn)(size=shape, generator=g), getattr(torch, fn)(size=shape,
                                                                        generator=tg))


def test_requires_grad_and_out():
    x = ember.rand(2, 3, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    o = ember.empty(5)
    r = ember.randn(2, 3, out=o, generator=ember.Generator().manual_seed(1))
    assert r is o and o.shape == (2, 3)
    same(o, torch.randn(2, 3, generator=torch.Generator().manual_seed(1)))
    for fe, ft in [(lambda: ember.randint(0, 3, (2,), requires_grad=True),
                    lambda: torch.randint(0, 3, (2,), requires_grad=True)),
                   (lambda: ember.randperm(3, requires_grad=True),
                    lambda: torch.randperm(3, requires_grad=True)),
                   (lambda: ember.rand(3, dtype=ember.int64),
                    lambda: torch.rand(3, dtype=torch.int64)),
                   (lambda: ember.randn(3, dtype=ember.int32),
                    lambda: torch.randn(3, dtype=torch.int32)),
                   (lambda: ember.randn(-1), lambda: torch.randn(-1)),
                   (lambda: ember.randn("a"), lambda: torch.randn("a"))]:
        errors_alike(fe, ft)
    with pytest.raises(TypeError):
        ember.rand(3, generator=5)
    for fn in ("rand", "randn"):
        with pytest.raises(TypeError, match="invalid combination of arguments - got ()"):
            getattr(ember, fn)()
    assert ember.rand(()).shape == () and ember.randn([]).shape == ()
    with pytest.raises(TypeError):
        ember.normal(2.0, 3.0)


@pytest.mark.parametrize("dtype", [ember.complex64, ember.complex128])
@pytest.mark.parametrize("n", [3, 8, 20])
def test_complex_rand_randn(dtype, n):
    g, tg = gens(n)
    same(ember.randn(n, dtype=dtype, generator=g), torch.randn(n, dtype=DT[dtype], generator=tg))
    same(ember.rand(n, dtype=dtype, generator=g), torch.rand(n, dtype=DT[dtype], generator=tg))


@pytest.mark.filterwarnings("ignore:to - 1 is out of bounds")
@pytest.mark.parametrize("args", [(10, (5,)), (-3, 3, (4, 2)), (0, 2**35, (7,)), (1, (3,))])
@pytest.mark.parametrize("dtype", [None, ember.int32, ember.uint8, ember.float32,
                                   ember.float64, ember.int16])
def test_randint(args, dtype):
    g, tg = gens(len(args))
    tdt = DT[dtype] if dtype is not None else None
    try:
        t = torch.randint(*args, dtype=tdt, generator=tg)
    except Exception:
        errors_alike(lambda: ember.randint(*args, dtype=dtype, generator=g),
                     lambda: torch.randint(*args, dtype=tdt, generator=tg))
        return
    same(ember.randint(*args, dtype=dtype, generator=g), t)


def test_randint_keyword_forms_and_like():
    seed_both(5)
    same(ember.randint(3, size=(4,)), torch.randint(3, size=(4,)))
    same(ember.randint(low=1, high=9, size=(4,)), torch.randint(low=1, high=9, size=(4,)))
    same(ember.randint(2, 9, size=(4,)), torch.randint(2, 9, size=(4,)))
    same(ember.randint_like(ember.zeros(2, 3), 5), torch.randint_like(torch.zeros(2, 3), 5))
    same(ember.randint_like(ember.zeros(4, dtype=ember.int32), 1, 5),
         torch.randint_like(torch.zeros(4, dtype=torch.int32), 1, 5))
    same(ember.rand_like(ember.zeros(3, dtype=ember.float64)),
         torch.rand_like(torch.zeros(3, dtype=torch.float64)))
    same(ember.randn_like(ember.zeros(2, 17)), torch.randn_like(torch.zeros(2, 17)))
    same_default_state()
    # A transposed input gives a transposed result, filled in memory order (and randn_like
    # then takes the scalar path, the result not being contiguous).
    for fn in ("rand_like", "randn_like"):
        e, t = getattr(ember, fn)(ember.zeros(6, 5).t()), getattr(torch, fn)(torch.zeros(6, 5).t())
        same(e, t)
        assert e.stride() == t.stride()
    same(ember.randint_like(ember.zeros(6, 5).t(), 9), torch.randint_like(torch.zeros(6, 5).t(), 9))
    same_default_state()
    errors_alike(lambda: ember.rand_like(ember.zeros(2, dtype=ember.int64)),
                 lambda: torch.rand_like(torch.zeros(2, dtype=torch.int64)))
    errors_alike(lambda: ember.randint(5, 5, (3,)), lambda: torch.randint(5, 5, (3,)))


@pytest.mark.parametrize("n", [0, 1, 5, 1000, 100003])
def test_randperm(n):
    seed_both(n)
    same(ember.randperm(n), torch.randperm(n))
    g, tg = gens(n)
    same(ember.randperm(n, dtype=ember.float32, generator=g),
         torch.randperm(n, dtype=torch.float32, generator=tg))
    same_default_state()


# -- normal overloads ---------------------------------------------------------------------------
def test_normal_overloads_values_and_nodes():
    seed_both(0)
    mt, st = torch.arange(20.0).reshape(4, 5), torch.linspace(0.1, 2, 5)
    me, se = ember.tensor(mt.numpy()), ember.tensor(st.numpy())
    same(ember.normal(me, se), torch.normal(mt, st))
    same(ember.normal(me, 2.0), torch.normal(mt, 2.0))
    same(ember.normal(me), torch.normal(mt))
    same(ember.normal(1.5, se), torch.normal(1.5, st))
    same(ember.normal(2.0, 3.0, (3, 17)), torch.normal(2.0, 3.0, (3, 17)))
    same(ember.normal(2.0, 3.0, size=(5,), dtype=ember.float64),
         torch.normal(2.0, 3.0, size=(5,), dtype=torch.float64))
    same(ember.normal(me.double(), se), torch.normal(mt.double(), st))
    same_default_state()
    m = ember.zeros(3, requires_grad=True)
    s = ember.ones(3, requires_grad=True)
    for out, name in [(ember.normal(m, s), "NormalBackward3"),
                      (ember.normal(m, 1.0), "NormalBackward1"),
                      (ember.normal(0.0, s), "NormalBackward2")]:
        assert type(out.grad_fn).__name__ == name
        out.sum().backward()
    assert np.array_equal(m.grad.numpy(), np.zeros(3))
    assert np.array_equal(s.grad.numpy(), np.zeros(3))
    errors_alike(lambda: ember.normal(ember.zeros(3), ember.tensor([1.0, -1.0, 1.0])),
                 lambda: torch.normal(torch.zeros(3), torch.tensor([1.0, -1.0, 1.0])))
    errors_alike(lambda: ember.normal(ember.zeros(3), ember.ones(4)),
                 lambda: torch.normal(torch.zeros(3), torch.ones(4)))
    errors_alike(lambda: ember.normal(ember.zeros(3), -1.0),
                 lambda: torch.normal(torch.zeros(3), -1.0))


# -- bernoulli, multinomial, poisson ----------------------------------------------------------
def test_bernoulli_forms():
    seed_both(1)
    pt = torch.rand(4, 50)
    pe = ember.rand(4, 50)
    same(pe, pt)
    same(ember.bernoulli(pe), torch.bernoulli(pt))
    same(pe.bernoulli(), pt.bernoulli())
    same(ember.bernoulli(pe, 0.25), torch.bernoulli(pt, 0.25))
    same(pe.double().bernoulli(), pt.double().bernoulli())
    same(ember.zeros(30).bernoulli_(0.7), torch.zeros(30).bernoulli_(0.7))
    same(ember.zeros(4, 50, dtype=ember.int64).bernoulli_(pe),
         torch.zeros(4, 50, dtype=torch.int64).bernoulli_(pt))
    same(ember.zeros(4, 50).bernoulli_(pe[0]), torch.zeros(4, 50).bernoulli_(pt[0]))
    same_default_state()
    x = ember.full((3,), 0.5, requires_grad=True)
    y = ember.bernoulli(x)
    assert type(y.grad_fn).__name__ == "BernoulliBackward0"
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), np.zeros(3))


def test_multinomial_and_weighted_sampling_forms():
    seed_both(2)
    wt = torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64)
    we = ember.tensor(wt.numpy())
    same(ember.multinomial(we, 10, replacement=True), torch.multinomial(wt, 10, True))
    same(ember.multinomial(we, 4), torch.multinomial(wt, 4))
    same(we.float().multinomial(2), wt.float().multinomial(2))
    g, tg = gens(9)
    same(ember.multinomial(we, 3, generator=g), torch.multinomial(wt, 3, generator=tg))
    same_default_state()


def test_poisson():
    seed_both(3)
    rt = torch.rand(40) * 20
    re = ember.rand(40) * 20
    same(re, rt)
    same(ember.poisson(re), torch.poisson(rt))
    same_default_state()
    x = ember.ones(2, requires_grad=True)
    assert type(ember.poisson(x).grad_fn).__name__ == "PoissonBackward0"


# -- in-place samplers ----------------------------------------------------------------------------
INPLACE = [("uniform_", (), {}), ("uniform_", (-2.0, 3.0), {}), ("normal_", (), {}),
           ("normal_", (1.0, 0.5), {}), ("bernoulli_", (), {}), ("bernoulli_", (0.2,), {}),
           ("exponential_", (), {}), ("exponential_", (3.0,), {}), ("geometric_", (0.3,), {}),
           ("log_normal_", (), {}), ("log_normal_", (0.0, 0.5), {}), ("cauchy_", (), {}),
           ("cauchy_", (1.0, 0.5), {}), ("random_", (), {}), ("random_", (10,), {}),
           ("random_", (-4, 7), {}), ("random_", (3, None), {})]


@pytest.mark.parametrize("name,args,kw", INPLACE)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_inplace_samplers(name, args, kw, n, dtype):
    g, tg = gens(n + 17)
    e = ember.empty(n, dtype=dtype)
    t = torch.empty(n, dtype=DT[dtype])
    r = getattr(e, name)(*args, generator=g, **kw)
    assert r is e
    same(e, getattr(t, name)(*args, generator=tg, **kw))
    assert np.array_equal(g.get_state().numpy(), tg.get_state().numpy())


@pytest.mark.parametrize("name,args,kw", INPLACE)
def test_inplace_samplers_on_views(name, args, kw):
    # Transposed, strided and sliced views: PyTorch fills them in memory order, and normal_
    # takes its scalar path on a non-contiguous tensor however large.
    seed_both(4)
    for make in (lambda lib: lib.zeros(8, 6).t(), lambda lib: lib.zeros(10, 12)[:, ::2],
                 lambda lib: lib.zeros(5, 40)[1:4],
                 lambda lib: lib.zeros(3, 4, 5).permute(2, 0, 1)):
        e, t = make(ember), make(torch)
        getattr(e, name)(*args, **kw)
        getattr(t, name)(*args, **kw)
        same(e, t)
    same_default_state()


def test_inplace_integer_tensors():
    seed_both(6)
    for dtype in (ember.int64, ember.int32, ember.uint8, ember.bool, ember.int8):
        same(ember.empty(50, dtype=dtype).random_(), torch.empty(50, dtype=DT[dtype]).random_())
        same(ember.empty(50, dtype=dtype).random_(2), torch.empty(50, dtype=DT[dtype]).random_(2))
        same(ember.empty(20, dtype=dtype).bernoulli_(0.5),
             torch.empty(20, dtype=DT[dtype]).bernoulli_(0.5))
    same(ember.empty(20, dtype=ember.int64).geometric_(0.5),
         torch.empty(20, dtype=torch.int64).geometric_(0.5))
    same_default_state()


def test_inplace_errors_and_autograd():
    w = ember.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.uniform_()
    with ember.no_grad():
        w.normal_()
    errors_alike(lambda: ember.zeros(3, dtype=ember.int64).uniform_(),
                 lambda: torch.zeros(3, dtype=torch.int64).uniform_())
    errors_alike(lambda: ember.zeros(3, dtype=ember.int64).exponential_(),
                 lambda: torch.zeros(3, dtype=torch.int64).exponential_())
    errors_alike(lambda: ember.zeros(3).bernoulli_(ember.ones(2)),
                 lambda: torch.zeros(3).bernoulli_(torch.ones(2)))
    errors_alike(lambda: ember.zeros(3).random_(5, 2), lambda: torch.zeros(3).random_(5, 2))
    errors_alike(lambda: ember.zeros(1).expand(3).uniform_(),
                 lambda: torch.zeros(1).expand(3).uniform_())
    x = ember.ones(3, requires_grad=True)
    names = {}
    for name, args, kw in INPLACE:
        y = x * 2
        getattr(y, name)(*args, **kw)
        names[name + str(len(args))] = type(y.grad_fn).__name__
        y.sum().backward()
    assert np.array_equal(x.grad.numpy(), np.zeros(3))
    assert names["uniform_0"] == "UniformBackward0" and names["normal_0"] == "NormalBackward0"
    assert names["bernoulli_1"] == "BernoulliBackward2"
    assert names["random_0"] == "RandomBackward2" and names["random_1"] == "RandomBackward1"
    assert names["random_2"] == "RandomBackward0" and names["cauchy_0"] == "CauchyBackward0"


# -- what the data utilities build on ---------------------------------------------------------
def test_sampler_seed_draws_match():
    seed_both(10)
    for _ in range(3):
        es = int(ember.empty((), dtype=ember.int64).random_().item())
        ts = int(torch.empty((), dtype=torch.int64).random_().item())
        assert es == ts
        same(ember.randperm(60, generator=ember.Generator().manual_seed(es)),
             torch.randperm(60, generator=torch.Generator().manual_seed(ts)))
    same_default_state()


def test_dropout_style_mask():
    seed_both(12)
    xe, xt = ember.ones(8, 32), torch.ones(8, 32)
    me = ember.empty(8, 32).bernoulli_(1 - 0.3).div_(1 - 0.3)
    mt = torch.empty(8, 32).bernoulli_(1 - 0.3).div_(1 - 0.3)
    same(xe * me, xt * mt)
    same_default_state()
