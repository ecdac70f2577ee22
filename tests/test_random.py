"""The generator and its kernels against PyTorch's CPU generator: identical values, identical
states afterwards (so the next draw matches too), PyTorch's errors."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import ember
from ember import _generator as G

torch = pytest.importorskip("torch")

SIZES = [1, 15, 16, 17, 1000, 100003]
SEEDS = [0, 1, 7, 42, 2**32 + 5, 123456789]
TORCH = {np.float32: torch.float32, np.float64: torch.float64, np.float16: torch.float16,
         np.int64: torch.int64, np.int32: torch.int32, np.int16: torch.int16,
         np.int8: torch.int8, np.uint8: torch.uint8, np.bool_: torch.bool}


def pair(seed):
    return G.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def same_bits(a, t):
    t = t.numpy() if isinstance(t, torch.Tensor) else t
    assert a.dtype == t.dtype, (a.dtype, t.dtype)
    assert a.shape == t.shape, (a.shape, t.shape)
    a, t = np.ascontiguousarray(a), np.ascontiguousarray(t)
    diff = np.flatnonzero(a.view(np.uint8) != t.view(np.uint8))
    assert diff.size == 0, f"{diff.size} bytes differ, first values {a.ravel()[:4]} vs " \
                           f"{t.ravel()[:4]}"


def same_state(g, tg):
    assert np.array_equal(g._state_bytes(), tg.get_state().numpy())
    # The next draws (a float path and the scalar normal path with its cache) agree too.
    same_bits(G.uniform((5,), np.float32, generator=g), torch.rand(5, generator=tg))
    same_bits(G.normal((3,), np.float64, generator=g),
              torch.randn(3, dtype=torch.float64, generator=tg))


def errors_alike(fe, ft):
    with pytest.raises(Exception) as te:
        ft()
    with pytest.raises(type(te.value)) as ee:
        fe()
    assert str(ee.value) == str(te.value)


# -- the generator ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS + [0xFFFFFFFFFFFFFFFF, -1, -2**63])
def test_seeded_state_matches_torch_bytes(seed):
    g, tg = pair(seed)
    assert g.initial_seed() == tg.initial_seed()
    assert np.array_equal(g._state_bytes(), tg.get_state().numpy())
    same_state(g, tg)


def test_default_seed_of_a_new_generator():
    assert G.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721


@pytest.mark.parametrize("n", [1, 623, 624, 625, 1247, 5000])
def test_raw_words_match_across_block_boundaries(n):
    g, tg = pair(3)
    same_bits(G.random_((n,), np.int32, generator=g),
              torch.empty(n, dtype=torch.int32).random_(generator=tg))
    same_state(g, tg)


def test_state_round_trips_with_torch():
    g, tg = pair(11)
    torch.randn(7, generator=tg)              # leaves a cached normal in the state
    g.set_state(ember.tensor(tg.get_state().numpy()))
    same_state(g, tg)
    # And back: torch accepts ember's bytes.
    G.normal((9,), np.float64, generator=g)
    tg2 = torch.Generator()
    tg2.set_state(torch.from_numpy(g._state_bytes().copy()))
    same_state(g, tg2)


@pytest.mark.parametrize("left,nxt", [(5, 3), (1, 0), (1, 300), (624, 0), (2, 622)])
def test_unusual_valid_states_behave_like_torch(left, nxt):
    g, tg = pair(5)
    torch.rand(1000, generator=tg)
    st = tg.get_state().clone()
    st[8:12] = torch.tensor([left], dtype=torch.int32).view(torch.uint8)
    st[16:24] = torch.tensor([nxt], dtype=torch.int64).view(torch.uint8)
    tg.set_state(st)
    g.set_state(ember.tensor(st.numpy()))
    assert np.array_equal(g._state_bytes(), tg.get_state().numpy())
    for n in (1, 3, 700):
        same_bits(G.random_((n,), np.int32, generator=g),
                  torch.empty(n, dtype=torch.int32).random_(generator=tg))
        assert np.array_equal(g._state_bytes(), tg.get_state().numpy())


def test_set_state_errors_match_torch():
    g, tg = pair(0)
    errors_alike(lambda: g.set_state(ember.zeros(5056)), lambda: tg.set_state(torch.zeros(5056)))
    errors_alike(lambda: g.set_state(ember.zeros(10, dtype=ember.uint8)),
                 lambda: tg.set_state(torch.zeros(10, dtype=torch.uint8)))
    errors_alike(lambda: g.set_state(ember.zeros(5056, dtype=ember.uint8)),
                 lambda: tg.set_state(torch.zeros(5056, dtype=torch.uint8)))
    errors_alike(lambda: g.set_state([1, 2]), lambda: tg.set_state([1, 2]))


@pytest.mark.parametrize("bad", [2**64, -2**63 - 1, 1.5, "a", None, True])
def test_manual_seed_errors_match_torch(bad):
    errors_alike(lambda: G.Generator().manual_seed(bad),
                 lambda: torch.Generator().manual_seed(bad))


def test_seed_is_nondeterministic_and_reported():
    g = G.Generator()
    s1 = g.seed()
    assert g.initial_seed() == s1
    a = G.uniform((4,), np.float32, generator=g)
    tg = torch.Generator().manual_seed(s1)
    same_bits(a, torch.rand(4, generator=tg))
    assert g.seed() != s1


def test_generator_api():
    g = ember.Generator()
    assert g.manual_seed(3) is g
    assert str(g.device) == "cpu"
    assert g.get_state().dtype == ember.uint8 and g.get_state().shape == (5056,)
    with pytest.raises(RuntimeError, match="does not use offset"):
        g.get_offset()
    h = copy.deepcopy(g)
    k = pickle.loads(pickle.dumps(g))
    c = g.clone_state()
    ref = ember.rand(3, generator=g)
    for other in (h, k, c):
        assert np.array_equal(ember.rand(3, generator=other).numpy(), ref.numpy())
    with pytest.raises(AssertionError):
        ember.Generator(device="cuda")


# -- uniform and normal kernels ----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS[:4])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("lo,hi", [(0, 1), (-0.3, 0.7), (-5.5, 1e3), (2, 2)])
def test_uniform(seed, n, dt, lo, hi):
    g, tg = pair(seed)
    same_bits(G.uniform((n,), dt, lo, hi, generator=g),
              torch.empty(n, dtype=TORCH[dt]).uniform_(lo, hi, generator=tg))
    same_state(g, tg)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES + [2, 31, 32, 33])
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16])
def test_standard_normal(seed, n, dt):
    g, tg = pair(seed)
    same_bits(G.normal((n,), dt, generator=g),
              torch.empty(n, dtype=TORCH[dt]).normal_(generator=tg))
    same_state(g, tg)


@pytest.mark.parametrize("n", [3, 16, 17, 1000])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
@pytest.mark.parametrize("mean,std", [(0.5, 2.0), (-3.25, 0.1), (1e3, 1e-3), (0.0, 0.0)])
def test_normal_mean_std(n, dt, mean, std):
    g, tg = pair(n)
    same_bits(G.normal((n,), dt, mean, std, generator=g),
              torch.empty(n, dtype=TORCH[dt]).normal_(mean, std, generator=tg))
    same_state(g, tg)


def test_scalar_normal_cache_carries_across_calls():
    g, tg = pair(9)
    for n in (1, 3, 2, 5, 1, 1, 15):
        same_bits(G.normal((n,), np.float32, generator=g), torch.randn(n, generator=tg))
        assert np.array_equal(g._state_bytes(), tg.get_state().numpy())
    # The 16-wide path leaves the cache alone.
    same_bits(G.normal((40,), np.float32, generator=g), torch.randn(40, generator=tg))
    same_state(g, tg)


def test_ten_million_float32_normals_match():
    g, tg = pair(2024)
    same_bits(G.normal((10_000_003,), np.float32, generator=g),
              torch.randn(10_000_003, generator=tg))
    same_state(g, tg)


def test_fast_box_muller_equals_exact_reference():
    # Random 24-bit inputs plus ones that sit on the polynomials' awkward spots: u = 0 and
    # u1 just below powers of two (tiny reduced log arguments).
    rng = np.random.default_rng(0)
    k = rng.integers(0, 1 << 24, size=(40000, 16), dtype=np.uint32)
    k[:64, :8] = (1 << 24) - np.arange(64, dtype=np.uint32)[:, None]
    k[64:128, :8] = (1 << 23) + np.arange(-32, 32, dtype=np.int64)[:, None].astype(np.uint32)
    k[128:192] = np.arange(64, dtype=np.uint32)[:, None]
    fast = G._FastBoxMuller(1024)
    out = np.empty(k.shape, np.float32)
    for r0 in range(0, k.shape[0], 1024):
        fast.base = r0
        fast.run(k[r0:r0 + 1024], out[r0:r0 + 1024], 0.0, 1.0)
    ref = G._box_muller16_exact(k, 0.0, 1.0)
    flagged = np.unique(np.concatenate(fast.hits)) if fast.hits else np.empty(0, int)
    ok = np.ones(k.shape[0], bool)
    ok[flagged] = False
    # Rows without a midpoint hit agree bit for bit; flagged rows are the ones redone exactly.
    assert np.array_equal(out[ok].view(np.int32), ref[ok].view(np.int32))
    assert flagged.size > 0
    full = G._normal_rows_f32(G.Generator(), 0, 0.0, 1.0)
    assert full.shape == (0, 16)


def test_exact_fma_helpers():
    from fractions import Fraction
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(2000), rng.standard_normal(2000)
    c = -a * b * (1 + rng.standard_normal(2000) * 1e-10)
    got = G._fma64(a, b, c)
    want = np.array([float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in zip(a, b, c)])
    assert np.array_equal(got, want)
    # A float32 product plus an addend landing exactly on a float32 midpoint: ties to even
    # only when exact, otherwise towards the exact value.
    x = np.array([1 + 2.0**-12])
    assert G._fma32(x, x, np.array([-(2.0**-11)]))[0] == 1.0
    assert G._fma32(x, x, np.array([-(2.0**-11) + 2.0**-40]))[0] == np.float32(1 + 2.0**-23)


# -- integers ----------------------------------------------------------------------------------
INT_DTYPES = [np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_, np.float32,
              np.float64, np.float16]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", INT_DTYPES)
def test_random_plain(n, dt):
    g, tg = pair(n)
    same_bits(G.random_((n,), dt, generator=g),
              torch.empty(n, dtype=TORCH[dt]).random_(generator=tg))
    same_state(g, tg)


@pytest.mark.parametrize("n", [1, 17, 1000])
@pytest.mark.parametrize("dt", INT_DTYPES)
@pytest.mark.parametrize("lo,hi", [(0, 10), (-5, 3), (0, 2**30), (3, None), (-2**63, None),
                                   (0, 2**40), (-100, 2**31), (0, 1)])
def test_random_ranges(n, dt, lo, hi):
    g, tg = pair(n + 3)

    def ember_call():
        return G.random_((n,), dt, lo, hi, generator=g)

    def torch_call():
        return torch.empty(n, dtype=TORCH[dt]).random_(lo, hi, generator=tg)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            t = torch_call()
        except Exception:
            errors_alike(ember_call, torch_call)
            return
        same_bits(ember_call(), t)
    same_state(g, tg)


def test_random_float_precision_warning():
    with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]"):
        G.random_((2,), np.float32, 0, 2**25)


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000, 100003])
@pytest.mark.parametrize("dt", [np.int64, np.int32, np.float32, np.float64])
def test_randperm(n, dt):
    g, tg = pair(n + 1)
    same_bits(G.randperm(n, dt, generator=g), torch.randperm(n, dtype=TORCH[dt], generator=tg))
    same_state(g, tg)


# -- bernoulli, multinomial and the other samplers ----------------------------------------------
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int64, np.bool_, np.uint8])
def test_bernoulli_scalar_p(n, dt):
    g, tg = pair(n)
    same_bits(G.bernoulli(0.3, (n,), dt, generator=g),
              torch.empty(n, dtype=TORCH[dt]).bernoulli_(0.3, generator=tg))
    same_state(g, tg)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("pdt", [np.float32, np.float64, np.float16])
def test_bernoulli_tensor_p(n, pdt):
    g, tg = pair(n)
    p = np.random.default_rng(n).random(n).astype(pdt)
    same_bits(G.bernoulli(p, (n,), pdt, generator=g),
              torch.bernoulli(torch.from_numpy(p), generator=tg))
    same_state(g, tg)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dt", [np.float32, np.float64, np.float16, np.int64])
@pytest.mark.parametrize("name,args", [("exponential", (1.5,)), ("geometric", (0.2,)),
                                       ("log_normal", (1.0, 2.0)), ("cauchy", (0.5, 2.0))])
def test_continuous_samplers(n, dt, name, args):
    g, tg = pair(n + 11)

    def ember_call():
        return getattr(G, name)((n,), dt, *args, generator=g)

    def torch_call():
        return getattr(torch.empty(n, dtype=TORCH[dt]), name + "_")(*args, generator=tg)

    try:
        t = torch_call()
    except Exception:
        errors_alike(ember_call, torch_call)
        return
    same_bits(ember_call(), t)
    same_state(g, tg)


@pytest.mark.parametrize("ncat", [1, 3, 50, 2000])
@pytest.mark.parametrize("pdt", [np.float32, np.float64])
@pytest.mark.parametrize("num,repl", [(1, False), (3, False), (7, True), (100, True)])
@pytest.mark.parametrize("rows", [0, 3])
def test_multinomial(ncat, pdt, num, repl, rows):
    if not repl and num > ncat:
        num = ncat
    shape = (rows, ncat) if rows else (ncat,)
    p = np.random.default_rng(ncat).random(shape).astype(pdt)
    g, tg = pair(ncat * 7 + num)
    same_bits(G.multinomial(p, num, repl, generator=g),
              torch.multinomial(torch.from_numpy(p), num, repl, generator=tg))
    same_state(g, tg)


def test_multinomial_with_zero_probabilities():
    p = np.array([0.0, 2.0, 0.0, 1.0, 0.0, 0.5], np.float32)
    for num, repl in [(3, False), (20, True), (1, False)]:
        g, tg = pair(num)
        same_bits(G.multinomial(p, num, repl, generator=g),
                  torch.multinomial(torch.from_numpy(p), num, repl, generator=tg))
        same_state(g, tg)


@pytest.mark.parametrize("p,num", [([0.0, 2.0, 0.0, 1.0], 4), ([0.0] * 5 + [1.0], 6),
                                   ([1.0] + [0.0] * 19, 20), ([0.5, 0.5, 0.0, 0.0] * 50, 150),
                                   ([0.0] * 300 + [1.0, 2.0], 4)])
def test_multinomial_ties_follow_torch_topk(p, num):
    # More samples than nonzero probabilities: the zeros come out in topk's tie order.
    p = np.array(p, np.float32)
    g, tg = pair(num)
    same_bits(G.multinomial(p, num, False, generator=g),
              torch.multinomial(torch.from_numpy(p), num, False, generator=tg))


def test_topk_order_emulation_matches_torch_on_ties():
    rng = np.random.default_rng(0)
    for trial in range(300):
        n = int(rng.integers(1, 400))
        row = rng.integers(0, int(rng.integers(1, 5)), n).astype(np.float32)
        if trial % 5 == 0:
            row[rng.integers(0, n, 2)] = np.nan
        k = min(n, int(rng.integers(1, n + 1)) if trial % 2 else n // 64 + 1)
        same_bits(G._topk_largest(row, k), torch.topk(torch.from_numpy(row), k).indices)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_poisson(dt):
    r = np.random.default_rng(0).random(200) * 40
    r[:6] = [0, 0.5, 9.99, 10, 100, 1e4]
    g, tg = pair(5)
    same_bits(G.poisson(r.astype(dt), generator=g),
              torch.poisson(torch.from_numpy(r.astype(dt)), generator=tg))
    same_state(g, tg)


def test_normal_tensor_kernel_broadcasts_and_promotes():
    mean = np.arange(6, dtype=np.float32).reshape(2, 3)
    std = np.array([0.5, 1.0, 2.0], np.float64)
    g, tg = pair(4)
    same_bits(G.normal_tensor(mean, std, np.float32, generator=g),
              torch.normal(torch.from_numpy(mean), torch.from_numpy(std), generator=tg))
    same_state(g, tg)


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("fe,ft", [
    (lambda: G.uniform((3,), np.int64), lambda: torch.empty(3, dtype=torch.int64).uniform_()),
    (lambda: G.uniform((3,), np.float32, 2, 1), lambda: torch.empty(3).uniform_(2, 1)),
    (lambda: G.uniform((3,), np.float32, -1e39, 1), lambda: torch.empty(3).uniform_(-1e39, 1)),
    (lambda: G.uniform((3,), np.float32, -3e38, 3e38),
     lambda: torch.empty(3).uniform_(-3e38, 3e38)),
    (lambda: G.normal((3,), np.float32, 0, -1.5), lambda: torch.empty(3).normal_(0, -1.5)),
    (lambda: G.normal((3,), np.int64), lambda: torch.empty(3, dtype=torch.int64).normal_()),
    (lambda: G.randint((3,), 5, 5), lambda: torch.randint(5, 5, (3,))),
    (lambda: G.randint((3,), 0, 300, np.int8), lambda: torch.randint(0, 300, (3,),
                                                                      dtype=torch.int8)),
    (lambda: G.randint((3,), -1, 3, np.uint8), lambda: torch.randint(-1, 3, (3,),
                                                                      dtype=torch.uint8)),
    (lambda: G.randint((3,), 0, 70000, np.float16),
     lambda: torch.randint(0, 70000, (3,), dtype=torch.float16)),
    (lambda: G.randperm(-1), lambda: torch.randperm(-1)),
    (lambda: G.randperm(3000, np.float16), lambda: torch.randperm(3000, dtype=torch.float16)),
    (lambda: G.randperm(3, np.bool_), lambda: torch.randperm(3, dtype=torch.bool)),
    (lambda: G.bernoulli(1.5, (3,), np.float32), lambda: torch.empty(3).bernoulli_(1.5)),
    (lambda: G.bernoulli(np.array([1.5, 0.2]), (2,), np.float64),
     lambda: torch.bernoulli(torch.tensor([1.5, 0.2], dtype=torch.float64))),
    (lambda: G.bernoulli(np.array([1, 0]), (2,), np.int64),
     lambda: torch.bernoulli(torch.tensor([1, 0]))),
    (lambda: G.bernoulli(np.ones(2, np.float32), (3,), np.float32),
     lambda: torch.empty(3).bernoulli_(torch.ones(2))),
    (lambda: G.exponential((3,), np.int64), lambda: torch.empty(3, dtype=torch.int64)
     .exponential_()),
    (lambda: G.exponential((3,), np.float32, 0), lambda: torch.empty(3).exponential_(0)),
    (lambda: G.geometric((3,), np.float32, 1.0), lambda: torch.empty(3).geometric_(1.0)),
    (lambda: G.log_normal((3,), np.float32, 0, 0), lambda: torch.empty(3).log_normal_(0, 0)),
    (lambda: G.log_normal((3,), np.int64), lambda: torch.empty(3, dtype=torch.int64)
     .log_normal_()),
    (lambda: G.cauchy((3,), np.float32, 0, 0), lambda: torch.empty(3).cauchy_(0, 0)),
    (lambda: G.cauchy((3,), np.int64), lambda: torch.empty(3, dtype=torch.int64).cauchy_()),
    (lambda: G.multinomial(np.ones((2, 2, 2)), 1), lambda: torch.multinomial(
        torch.ones(2, 2, 2), 1)),
    (lambda: G.multinomial(np.ones(3, np.int64), 1),
     lambda: torch.multinomial(torch.ones(3, dtype=torch.int64), 1)),
    (lambda: G.multinomial(np.ones(3), 0), lambda: torch.multinomial(torch.ones(3), 0)),
    (lambda: G.multinomial(np.ones(3), 4), lambda: torch.multinomial(torch.ones(3), 4)),
    (lambda: G.multinomial(np.array([1.0, -1.0]), 1, True),
     lambda: torch.multinomial(torch.tensor([1., -1.]), 1, True)),
    (lambda: G.multinomial(np.zeros(3), 1), lambda: torch.multinomial(torch.zeros(3), 1)),
    (lambda: G.multinomial(np.array([1.0, np.nan]), 1, True),
     lambda: torch.multinomial(torch.tensor([1., float("nan")]), 1, True)),
    (lambda: G.poisson(np.array([-1.0])), lambda: torch.poisson(torch.tensor([-1.0]))),
    (lambda: G.random_((3,), np.int32, -2**63, None),
     lambda: torch.empty(3, dtype=torch.int32).random_(-2**63, None)),
    (lambda: G.random_((3,), np.bool_, -2**63, None),
     lambda: torch.empty(3, dtype=torch.bool).random_(-2**63, None)),
])
def test_kernel_errors_match_torch(fe, ft):
    errors_alike(fe, ft)


# -- torch.random ---------------------------------------------------------------------------------
def test_torch_random_module_functions():
    g = ember.manual_seed(123)
    assert g is ember.default_generator is ember.random.default_generator
    torch.manual_seed(123)
    assert ember.initial_seed() == torch.initial_seed() == 123
    assert np.array_equal(ember.get_rng_state().numpy(), torch.get_rng_state().numpy())
    same_bits(ember.randn(20).numpy(), torch.randn(20))
    state = ember.random.get_rng_state()
    a = ember.rand(5)
    ember.random.set_rng_state(state)
    assert np.array_equal(ember.rand(5).numpy(), a.numpy())
    assert ember.manual_seed("7").initial_seed() == 7          # torch takes int(seed)
    s = ember.seed()
    assert ember.initial_seed() == s and 0 <= s < 2**64


def test_fork_rng_restores_the_state():
    ember.manual_seed(0)
    before = ember.get_rng_state().numpy().copy()
    with ember.random.fork_rng():
        ember.randn(100)
    assert np.array_equal(ember.get_rng_state().numpy(), before)
    with ember.random.fork_rng(enabled=False):
        ember.randn(3)
    assert not np.array_equal(ember.get_rng_state().numpy(), before)
    with ember.random.fork_rng(devices=[]):
        ember.rand(2)
        with pytest.raises(ValueError):
            raise ValueError("inside")
