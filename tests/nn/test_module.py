"""nn.Module against PyTorch: registration and its errors, traversal, modes, gradients,
state dicts, dtype conversion, forward/backward hooks, reprs, copying and pickling."""
from __future__ import annotations

import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

LIBS = (torch, ember)


def outcome(fn, *args):
    """("ok", value) or (exception class name, message) of ``fn(*args)``."""
    try:
        return "ok", fn(*args)
    except Exception as e:  # noqa: BLE001 - the class and message are what we compare
        return type(e).__name__, str(e)


def same_outcome(fn) -> tuple:
    """Run ``fn(lib)`` for torch and ember; the exception classes and messages must agree."""
    t, e = outcome(fn, torch), outcome(fn, ember)
    assert t[0] == e[0], (t, e)
    if t[0] != "ok":
        assert t[1] == e[1]
    return t[1], e[1]


def to_np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def copy_params(src, dst) -> None:
    """Copy every parameter and buffer of a torch module into the ember one."""
    with torch.no_grad():
        for (n1, a), (n2, b) in zip(src.state_dict(keep_vars=True).items(),
                                    dst.state_dict(keep_vars=True).items()):
            assert n1 == n2
            b._data[...] = a.detach().numpy()


# -- models built the same way with either library ------------------------------------------
def net(lib):
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            shared = nn.Linear(2, 2)
            self.a = shared
            self.seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.BatchNorm1d(3), shared)
            self.b = shared
            self.register_buffer("buf", lib.zeros(2))
            self.register_buffer("tmp", lib.ones(1), persistent=False)
            self.register_parameter("p", nn.Parameter(lib.ones(3)))
            self.register_parameter("nothing", None)
            self.add_module("empty", None)
            self.tail = nn.Linear(3, 1)

        def forward(self, x):
            return self.tail(self.seq[2](self.seq[0](x)))

    return Net()


def tied(lib):
    nn = lib.nn
    m = nn.Sequential(nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 3))
    m[2].weight = m[0].weight
    return m


# -- construction and registration ----------------------------------------------------------
REG_ERRORS = {
    "param_name_int": lambda lib, m: m.register_parameter(3, None),
    "param_name_dot": lambda lib, m: m.register_parameter("a.b", None),
    "param_name_empty": lambda lib, m: m.register_parameter("", None),
    "param_name_method": lambda lib, m: m.register_parameter("forward", None),
    "param_name_buffer": lambda lib, m: m.register_parameter("rm", None),
    "param_plain_tensor": lambda lib, m: m.register_parameter("q", lib.zeros(2)),
    "param_list": lambda lib, m: m.register_parameter("q", [1.0]),
    "buffer_name_int": lambda lib, m: m.register_buffer(3, None),
    "buffer_name_dot": lambda lib, m: m.register_buffer("a.b", None),
    "buffer_name_empty": lambda lib, m: m.register_buffer("", None),
    "buffer_name_param": lambda lib, m: m.register_buffer("weight", lib.zeros(1)),
    "buffer_int": lambda lib, m: m.register_buffer("q", 3),
    "buffer_ndarray": lambda lib, m: m.register_buffer("q", np.zeros(2)),
    "module_name_int": lambda lib, m: m.add_module(3, None),
    "module_name_dot": lambda lib, m: m.add_module("x.y", None),
    "module_name_empty": lambda lib, m: m.add_module("", None),
    "module_name_attr": lambda lib, m: m.add_module("weight", lib.nn.ReLU()),
    "module_not_module": lambda lib, m: m.add_module("x", 3),
    "module_not_module_list": lambda lib, m: m.register_module("x", [1]),
    "assign_tensor_to_param": lambda lib, m: setattr(m, "weight", lib.zeros(2)),
    "assign_int_to_param": lambda lib, m: setattr(m, "weight", 1.5),
    "assign_int_to_module": lambda lib, m: setattr(m, "sub", 3),
    "assign_int_to_buffer": lambda lib, m: setattr(m, "rm", "x"),
    "getattr_missing": lambda lib, m: m.nope,
    "delattr_missing": lambda lib, m: delattr(m, "nope"),
    "train_not_bool": lambda lib, m: m.train(1),
    "get_submodule_missing": lambda lib, m: m.get_submodule("sub.zz"),
    "get_submodule_not_module": lambda lib, m: m.get_submodule("weight"),
    "get_parameter_missing": lambda lib, m: m.get_parameter("sub.nope"),
    "get_parameter_buffer": lambda lib, m: m.get_parameter("rm"),
    "get_buffer_param": lambda lib, m: m.get_buffer("weight"),
    "to_int_dtype": lambda lib, m: m.to(lib.int32),
    "state_dict_not_mapping": lambda lib, m: m.load_state_dict([1, 2]),
    "full_after_legacy": lambda lib, m: (m.register_backward_hook(lambda *a: None),
                                         m.register_full_backward_hook(lambda *a: None)),
    "legacy_after_full": lambda lib, m: (m.register_full_backward_hook(lambda *a: None),
                                         m.register_backward_hook(lambda *a: None)),
}


def _reg_module(lib):
    m = lib.nn.Linear(2, 3)
    m.register_buffer("rm", lib.zeros(3))
    m.sub = lib.nn.Linear(1, 1)
    return m


@pytest.mark.parametrize("case", sorted(REG_ERRORS))
def test_registration_errors_match_torch(case):
    t, e = same_outcome(lambda lib: REG_ERRORS[case](lib, _reg_module(lib)))
    assert t != "ok"


def test_init_errors_match_torch():
    for fn in (lambda lib: lib.nn.Module(3), lambda lib: lib.nn.Module(a=1),
               lambda lib: lib.nn.Module()(lib.zeros(1))):
        t, e = same_outcome(fn)

    def early(lib, what):
        class Bad(lib.nn.Module):
            def __init__(self):
                if what == "param":
                    self.w = lib.nn.Parameter(lib.ones(1))
                elif what == "module":
                    self.l = lib.nn.ReLU()
                elif what == "buffer":
                    self.register_buffer("b", lib.ones(1))
                else:
                    self.register_parameter("w", None)
                super().__init__()
        return Bad()

    for what in ("param", "module", "buffer", "register_parameter"):
        t, e = same_outcome(lambda lib: early(lib, what))
        assert "before Module.__init__() call" in e


def test_registration_stores_like_torch():
    def stores(lib):
        nn = lib.nn
        m = nn.Module()
        m.w = nn.Parameter(lib.ones(2))
        m.register_buffer("b", lib.zeros(2))
        m.sub = nn.Linear(1, 1)
        m.plain = 3
        m.t = lib.ones(1)                       # a plain tensor attribute is not registered
        m.nb = nn.Buffer(lib.ones(1), persistent=False)
        m.pb = nn.Buffer(lib.ones(1))
        m.w = None                              # stays a (None) parameter
        m.b = lib.ones(3)                       # replaces the buffer
        m.sub2 = nn.ReLU()
        m.sub2 = nn.Parameter(lib.ones(1))      # a parameter replaces a module
        m.plain2 = 1
        m.plain2 = nn.ReLU()                    # a module replaces a plain attribute
        m.register_buffer("gone", None)
        m.gone = None
        del m.b
        return (list(m._parameters), list(m._buffers), list(m._modules),
                sorted(m._non_persistent_buffers_set), "plain2" in m.__dict__,
                "t" in m.__dict__, m._parameters["w"] is None, m.nb.requires_grad,
                list(m.state_dict()))

    t, e = same_outcome(stores)
    assert t == e


def test_buffer_marker():
    x = ember.ones(2, requires_grad=True)
    b = ember.nn.Buffer(x, persistent=False)
    assert isinstance(b, ember.nn.Buffer) and not isinstance(x, ember.nn.Buffer)
    assert type(b) is ember.Tensor and b.requires_grad and b.grad_fn is None
    assert b.persistent is False and b.data_ptr() == x.data_ptr()
    m = ember.nn.Module()
    m.q = b
    assert m._buffers["q"] is b and m._non_persistent_buffers_set == {"q"}


def test_parameter_like_torch():
    for fn in (lambda lib: repr(lib.nn.Parameter(lib.ones(2))),
               lambda lib: repr(lib.nn.Parameter(lib.ones(2), requires_grad=False)),
               lambda lib: repr(lib.nn.Parameter()),
               lambda lib: lib.nn.Parameter(lib.ones(2, dtype=lib.int64)),
               lambda lib: lib.nn.Parameter([1.0])):
        t, e = same_outcome(fn)
        if isinstance(t, str):
            assert t == e
    base = ember.ones(3)
    p = ember.nn.Parameter(base)
    p.data.mul_(2)   # shares memory with the tensor it wraps
    assert base.tolist() == [2.0, 2.0, 2.0] and p.is_leaf and p.requires_grad


# -- traversal ----------------------------------------------------------------------------
def _names(lib):
    m = net(lib)
    return {
        "named_modules": [n for n, _ in m.named_modules()],
        "named_modules_dup": [n for n, _ in m.named_modules(remove_duplicate=False)],
        "named_modules_prefix": [n for n, _ in m.named_modules(prefix="root")],
        "modules": len(list(m.modules())),
        "modules_dup": len(list(m.modules(remove_duplicate=False))),
        "named_children": [n for n, _ in m.named_children()],
        "children": len(list(m.children())),
        "named_parameters": [n for n, _ in m.named_parameters()],
        "named_parameters_dup": [n for n, _ in m.named_parameters(remove_duplicate=False)],
        "named_parameters_prefix": [n for n, _ in m.named_parameters(prefix="net")],
        "named_parameters_norecurse": [n for n, _ in m.named_parameters(recurse=False)],
        "parameters": [tuple(p.shape) for p in m.parameters()],
        "parameters_norecurse": len(list(m.parameters(recurse=False))),
        "named_buffers": [n for n, _ in m.named_buffers()],
        "named_buffers_norecurse": [n for n, _ in m.named_buffers(recurse=False)],
        "named_buffers_prefix": [n for n, _ in m.named_buffers(prefix="x.y")],
        "buffers": [tuple(b.shape) for b in m.buffers()],
        "state_dict": list(m.state_dict()),
        "tied_params": [n for n, _ in tied(lib).named_parameters()],
        "tied_params_dup": [n for n, _ in tied(lib).named_parameters(remove_duplicate=False)],
        "tied_state": list(tied(lib).state_dict()),
    }


def test_traversal_matches_torch():
    t, e = _names(torch), _names(ember)
    for k in t:
        assert t[k] == e[k], k


def test_named_modules_memo_and_deep_nesting():
    m = ember.nn.Sequential(ember.nn.ReLU(), ember.nn.Tanh())
    memo = {m[0]}
    assert [n for n, _ in m.named_modules(memo)] == ["", "1"]
    deep = ember.nn.Identity()
    for _ in range(3000):     # deeper than Python's recursion limit
        deep = ember.nn.Sequential(deep)
    assert len(list(deep.modules())) == 3001


def test_get_submodule_parameter_buffer():
    m = net(ember)
    assert m.get_submodule("") is m and m.get_submodule("seq.2") is m.seq[2]
    assert m.get_parameter("seq.0.weight") is m.seq[0].weight
    assert m.get_buffer("seq.2.running_mean") is m.seq[2].running_mean


def test_dir_lists_registered_names():
    for lib in LIBS:
        m = net(lib)
        d = dir(m)
        assert {"a", "seq", "buf", "tmp", "p", "nothing", "tail", "forward", "training"} <= set(d)
        assert d == sorted(d)
        s = dir(lib.nn.Sequential(lib.nn.ReLU()))
        assert "0" not in s and "forward" in s


# -- modes and gradients ------------------------------------------------------------------
def test_train_eval_calls_children_train():
    def run(lib):
        calls = []

        class Child(lib.nn.Module):
            def train(self, mode=True):
                calls.append(mode)
                return super().train(mode)

        m = lib.nn.Sequential(Child(), lib.nn.Sequential(lib.nn.Dropout(), Child()))
        r = m.eval()
        flags = [x.training for x in m.modules()]
        m.train()
        return r is m, calls, flags, [x.training for x in m.modules()]

    t, e = same_outcome(run)
    assert t == e


def test_requires_grad_and_zero_grad():
    for lib in LIBS:
        m = lib.nn.Linear(3, 2)
        assert m.requires_grad_(False) is m
        assert not any(p.requires_grad for p in m.parameters())
        m.requires_grad_()
        m(lib.ones(4, 3)).sum().backward()
        g = m.weight.grad
        m.zero_grad(set_to_none=False)
        assert m.weight.grad is g and not g.any() and not m.bias.grad.any()
        m.zero_grad()
        assert m.weight.grad is None and m.bias.grad is None
        # a gradient that itself requires grad (create_graph) is detached by zero_grad
        m(lib.ones(4, 3)).pow(2).sum().backward(create_graph=True)
        assert m.weight.grad.requires_grad
        m.zero_grad(set_to_none=False)
        assert not m.weight.grad.requires_grad and m.weight.grad.grad_fn is None


def test_apply_order():
    def run(lib):
        seen = []
        m = net(lib)
        m.apply(lambda mod: seen.append(type(mod).__name__))
        return seen

    t, e = same_outcome(run)
    assert t == e


# -- state dicts --------------------------------------------------------------------------
def test_state_dict_matches_torch():
    tm, em = net(torch), net(ember)
    copy_params(tm, em)
    ts, es = tm.state_dict(), em.state_dict()
    assert list(ts) == list(es)
    for k in ts:
        np.testing.assert_array_equal(ts[k].numpy(), es[k].numpy())
        assert str(ts[k].dtype) == str(es[k].dtype)
        assert not es[k].requires_grad and es[k].grad_fn is None
    assert dict(ts._metadata) == dict(es._metadata)
    # detached values share memory with the parameters
    es["p"].mul_(3)
    assert em.p.tolist() == [3.0, 3.0, 3.0]
    kv = em.state_dict(keep_vars=True)
    assert kv["p"] is em.p and isinstance(kv["seq.0.weight"], ember.nn.Parameter)
    assert list(em.state_dict(prefix="m.")) == list(tm.state_dict(prefix="m."))
    with pytest.warns(FutureWarning):
        d = em.state_dict(OrderedDict(), "pre.")
    assert list(d)[0] == "pre.p"


def test_state_dict_hooks():
    for lib in LIBS:
        m = lib.nn.Linear(1, 1)
        log = []
        m.register_state_dict_pre_hook(lambda mod, prefix, kv: log.append(("pre", prefix)))

        def post(mod, sd, prefix, meta):
            log.append(("post", prefix, list(sd)))

        m.register_state_dict_post_hook(post)
        lib.nn.Sequential(m).state_dict()
        assert log == [("pre", "0."), ("post", "0.", ["0.weight", "0.bias"])]


def _ld(lib, sd_fn, strict=True, model=net):
    m = model(lib)
    r = m.load_state_dict(sd_fn(lib, m), strict=strict)
    return repr(r), str(r), list(r.missing_keys), list(r.unexpected_keys)


LOAD_CASES = {
    "exact": lambda lib, m: m.state_dict(),
    "missing": lambda lib, m: {k: v for k, v in m.state_dict().items() if "seq.2" not in k},
    "unexpected": lambda lib, m: dict(m.state_dict(), extra=lib.ones(1),
                                      **{"seq.9.w": lib.ones(1), "seq.0.zz": lib.ones(1),
                                         "nothing": lib.ones(1), "tmp": lib.ones(1)}),
    "both": lambda lib, m: dict([(k, v) for k, v in m.state_dict().items() if k != "p"],
                                bogus=lib.ones(1)),
    "shape": lambda lib, m: dict(m.state_dict(), p=lib.ones(4)),
    "shape_and_missing": lambda lib, m: {k: (lib.ones(2, 2) if k == "tail.weight" else v)
                                         for k, v in m.state_dict().items() if k != "buf"},
    "not_tensor": lambda lib, m: dict(m.state_dict(), p=[1.0, 2.0, 3.0]),
    "no_num_batches": lambda lib, m: {k: v for k, v in m.state_dict().items()
                                      if "num_batches" not in k},
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("case", sorted(LOAD_CASES))
def test_load_state_dict_matches_torch(case, strict):
    t, e = same_outcome(lambda lib: _ld(lib, LOAD_CASES[case], strict))
    assert t == e


def test_load_state_dict_no_num_batches_with_metadata():
    # With metadata of version 2, BatchNorm does not fill in num_batches_tracked.
    def run(lib):
        m = lib.nn.BatchNorm1d(2)
        sd = m.state_dict()
        del sd["num_batches_tracked"]
        return repr(m.load_state_dict(sd, strict=False))

    t, e = same_outcome(run)
    assert t == e and "num_batches_tracked" in e


def test_load_state_dict_copies_in_place():
    tm, em = net(torch), net(ember)
    copy_params(tm, em)
    src = net(torch)
    sd = {k: ember.tensor(v.numpy()) for k, v in src.state_dict().items()}
    before = {n: p for n, p in em.named_parameters()}
    data_before = em.seq[0].weight._data
    em.load_state_dict(sd)
    tm.load_state_dict(src.state_dict())
    for n, p in em.named_parameters():
        assert p is before[n]
        assert p.requires_grad
    assert em.seq[0].weight._data is data_before
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), em.state_dict()[k].numpy())


def test_load_state_dict_casts_and_assigns():
    m = ember.nn.Linear(2, 2)
    m.register_buffer("count", ember.tensor(0))
    sd = {"weight": ember.ones(2, 2, dtype=ember.float64), "bias": ember.zeros(2),
          "count": ember.tensor([7])}     # a 1-element tensor loads into a 0-d one
    m.load_state_dict(sd)
    assert m.weight.dtype == ember.float32 and m.weight.sum().item() == 4
    assert m.count.shape == () and m.count.item() == 7
    m.weight.requires_grad_(False)
    new_w = ember.full((2, 2), 5.0)
    r = m.load_state_dict({"weight": new_w, "bias": ember.zeros(2), "count": ember.tensor(1)},
                          assign=True)
    assert repr(r) == "<All keys matched successfully>"
    assert isinstance(m.weight, ember.nn.Parameter) and not m.weight.requires_grad
    assert m.weight.data_ptr() == new_w.data_ptr()
    assert m.bias.requires_grad


def test_load_state_dict_hooks_and_extra_state():
    def run(lib):
        log = []

        class WithExtra(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.nn.Linear(1, 1)
                self.value = 1

            def get_extra_state(self):
                return {"value": self.value}

            def set_extra_state(self, state):
                self.value = state["value"]

        m = WithExtra()
        m.register_load_state_dict_pre_hook(
            lambda mod, sd, prefix, *rest: log.append(("pre", type(mod).__name__, prefix)))
        m.lin.register_load_state_dict_post_hook(
            lambda mod, keys: log.append(("post-lin", list(keys.missing_keys))))
        m.register_load_state_dict_post_hook(lambda mod, keys: log.append(("post", )))
        sd = m.state_dict()
        keys = list(sd)
        sd["_extra_state"] = {"value": 5}
        m.load_state_dict(sd)
        missing = outcome(lambda: m.load_state_dict({k: v for k, v in sd.items()
                                                     if k != "_extra_state"}))
        plain = lib.nn.Linear(1, 1)
        unexpected = outcome(lambda: plain.load_state_dict(
            dict(plain.state_dict(), _extra_state=1)))
        return keys, m.value, log, missing, unexpected

    t, e = same_outcome(run)
    assert t == e


def test_incompatible_keys_is_a_namedtuple():
    m = ember.nn.Linear(1, 1)
    r = m.load_state_dict({"weight": ember.ones(1, 1)}, strict=False)
    missing, unexpected = r
    assert missing == ["bias"] and unexpected == [] and r.missing_keys == ["bias"]
    assert repr(r) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])"


# -- dtype and device conversion ----------------------------------------------------------
@pytest.mark.parametrize("how", ["double", "float", "half", "to_f64", "to_tensor", "to_kw",
                                 "to_cpu", "to_cpu_f64", "type_f64"])
def test_dtype_conversion_matches_torch(how):
    def run(lib):
        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        m.register_buffer("idx", lib.arange(3))
        m(lib.randn(4, 2)).sum().backward()
        params = list(m.parameters())
        grad = m[0].weight.grad
        conv = {"double": lambda: m.double(), "float": lambda: m.double().float(),
                "half": lambda: m.half(), "to_f64": lambda: m.to(lib.float64),
                "to_tensor": lambda: m.to(lib.zeros(1, dtype=lib.float64)),
                "to_kw": lambda: m.to(dtype=lib.float64, device="cpu"),
                "to_cpu": lambda: m.to("cpu"), "to_cpu_f64": lambda: m.to("cpu", lib.float64),
                "type_f64": lambda: m.type(lib.float64)}[how]
        r = conv()
        same = [a is b for a, b in zip(params, m.parameters())]
        return (r is m, same, m[0].weight.grad is grad,
                [str(t.dtype) for t in m.state_dict().values()],
                str(m[0].weight.grad.dtype), type(m[0].weight).__name__)

    t, e = same_outcome(run)
    assert t == e


def test_to_keeps_optimizer_working():
    m = ember.nn.Linear(2, 1)
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    m.double()
    m(ember.ones(1, 2, dtype=ember.float64)).sum().backward()
    opt.step()
    assert m.weight.dtype == ember.float64
    assert m.weight.grad.dtype == ember.float64


def test_cuda_and_cpu():
    for fn in (lambda lib: lib.nn.Linear(1, 1).cuda(), lambda lib: lib.nn.ReLU().cuda(),
               lambda lib: type(lib.nn.Linear(1, 1).cpu()).__name__):
        t, e = same_outcome(fn)


# -- forward hooks ------------------------------------------------------------------------
def test_forward_hooks_order_and_results():
    def run(lib):
        log = []
        m = lib.nn.Linear(2, 2, bias=False)
        with lib.no_grad():
            m.weight.copy_(lib.eye(2))

        def pre1(mod, args):
            log.append(("pre1", args[0].tolist()))
            return args[0] * 2                      # one value: wrapped into a tuple

        def pre0(mod, args):
            log.append(("pre0", len(args)))

        def pre_kw(mod, args, kwargs):
            log.append(("pre_kw", sorted(kwargs)))
            return (args[0] + 1,), kwargs

        def fwd(mod, args, out):
            log.append(("fwd", args[0].tolist(), out.tolist()))
            return out * 10

        def fwd_kw(mod, args, kwargs, out):
            log.append(("fwd_kw", out.tolist()))

        h1 = m.register_forward_pre_hook(pre1)
        m.register_forward_pre_hook(pre0, prepend=True)
        m.register_forward_pre_hook(pre_kw, with_kwargs=True)
        h4 = m.register_forward_hook(fwd)
        m.register_forward_hook(fwd_kw, with_kwargs=True, prepend=True)
        out1 = m(lib.ones(1, 2)).tolist()
        h1.remove()
        h4.remove()
        out2 = m(lib.ones(1, 2)).tolist()
        return log, out1, out2, len(m._forward_hooks), len(m._forward_hooks_with_kwargs)

    t, e = same_outcome(run)
    assert t == e


def test_forward_hook_handle_is_context_manager():
    m = ember.nn.Identity()
    with m.register_forward_hook(lambda mod, a, o: o + 1):
        assert m(ember.zeros(1)).item() == 1
    assert m(ember.zeros(1)).item() == 0 and not m._forward_hooks


def test_forward_pre_hook_bad_return():
    def run(lib):
        m = lib.nn.Identity()
        m.register_forward_pre_hook(lambda mod, a, k: 5, with_kwargs=True)
        return m(lib.zeros(1))

    same_outcome(run)


def test_always_call_forward_hook():
    def run(lib):
        log = []

        class Boom(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")

        m = Boom()
        m.register_forward_hook(lambda mod, a, o: log.append(("always", o)), always_call=True)
        m.register_forward_hook(lambda mod, a, o: log.append("never"))
        r = outcome(m, lib.zeros(1))
        return r, log

    t, e = same_outcome(run)
    assert t == e and t[1] == [("always", None)]


# -- backward hooks -----------------------------------------------------------------------
class Close:
    """Compares equal to an array within float32 rounding (for grads seen by hooks)."""

    def __init__(self, a):
        self.a = to_np(a).astype(np.float64)

    def __eq__(self, other):
        return isinstance(other, Close) and self.a.shape == other.a.shape and \
            np.allclose(self.a, other.a, rtol=1e-5, atol=1e-6)

    def __repr__(self):
        return f"Close({self.a.tolist()})"


def _as_lists(grads):
    return [None if g is None else Close(g) for g in grads]


def _hooked_run(lib, build, n_inputs=1, leaf=True, modify=None, pre=None):
    gen = np.random.default_rng(0)
    lib.manual_seed(0)
    m = build(lib)
    log = []

    def hook(mod, gin, gout):
        log.append(("hook", type(mod).__name__, _as_lists(gin), _as_lists(gout)))
        if modify is not None:
            return tuple(None if g is None else g * modify for g in gin)

    for sub in [m] + (list(m.children()) if hasattr(m, "children") else []):
        sub.register_full_backward_hook(hook)
    if pre is not None:
        m.register_full_backward_pre_hook(
            lambda mod, gout: log.append(("pre", _as_lists(gout))) or tuple(g * pre for g in gout))
    leaves = [lib.tensor(gen.standard_normal((3, 4)), dtype=lib.float32, requires_grad=True)
              for _ in range(n_inputs)]
    inputs = leaves if leaf else [x * 2 for x in leaves]
    out = m(*inputs)
    out.pow(2).sum().backward()
    return (log, [_as_lists([x.grad]) for x in leaves], type(out.grad_fn).__name__,
            _as_lists([p.grad for p in m.parameters()]))


def _mk_linear(lib):
    return lib.nn.Linear(4, 2)


def _mk_seq(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh(), lib.nn.Linear(3, 2))


@pytest.mark.parametrize("leaf", [True, False])
@pytest.mark.parametrize("build", [_mk_linear, _mk_seq])
@pytest.mark.parametrize("modify,pre", [(None, None), (0.5, None), (None, 3.0), (2.0, -1.0)])
def test_full_backward_hook_matches_torch(build, leaf, modify, pre):
    t = _hooked_run(torch, build, leaf=leaf, modify=modify, pre=pre)
    e = _hooked_run(ember, build, leaf=leaf, modify=modify, pre=pre)
    assert t[2] == e[2] == "BackwardHookFunctionBackward"
    assert t[0] == e[0]
    assert t[1] == e[1] and t[3] == e[3]


def test_full_backward_hook_mixed_inputs():
    def run(lib):
        lib.manual_seed(1)
        m = lib.nn.Bilinear(2, 3, 2)
        log = []
        m.register_full_backward_hook(
            lambda mod, gin, gout: log.append([g is None for g in gin] + [len(gout)]))

        class Wrap(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.m = m

            def forward(self, a, flag, b):
                return self.m(a, b) * flag

        w = Wrap()
        w.register_full_backward_hook(
            lambda mod, gin, gout: log.append([None if g is None else list(g.shape)
                                               for g in gin]))
        a = lib.ones(4, 2, requires_grad=True)
        b = lib.ones(4, 3)          # needs no grad: None in grad_input
        w(a, 2.0, b).sum().backward()
        return log

    t, e = same_outcome(run)
    assert t == e


def test_full_backward_hook_no_input_requires_grad():
    def run(lib):
        m = lib.nn.Linear(2, 2)
        log = []
        m.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, len(gout))))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m(lib.ones(1, 2)).sum().backward()
        return log, [str(x.message)[:40] for x in w]

    t, e = same_outcome(run)
    assert t == e


def test_full_backward_hook_wrong_length():
    def run(lib):
        m = lib.nn.Linear(2, 2)
        m.register_full_backward_hook(lambda mod, gin, gout: (gin[0], gin[0]))
        m(lib.ones(1, 2, requires_grad=True)).sum().backward()

    same_outcome(run)


def test_legacy_backward_hook_sees_last_grad_fn():
    def run(lib):
        m = lib.nn.Linear(2, 3)
        seen = []
        m.register_backward_hook(lambda mod, gin, gout: seen.append(
            ([None if g is None else tuple(g.shape) for g in gin], len(gout))))
        m(lib.ones(4, 2, requires_grad=True)).sum().backward()
        return seen

    t, e = same_outcome(run)
    assert t == e and t


# -- repr ---------------------------------------------------------------------------------
def _repr_model(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n
            self.fc = nn.Linear(n, n)
            self.act = nn.ReLU()

        def extra_repr(self):
            return f"n={self.n}\nsecond line"

    class Plain(nn.Module):
        def forward(self, x):
            return x

    return nn.Sequential(OrderedDict([
        ("embed", nn.Embedding(10, 4, padding_idx=0)),
        ("blocks", nn.ModuleList([Block(4) for _ in range(3)] + [Block(5), Block(4)])),
        ("dict", nn.ModuleDict({"norm": nn.LayerNorm(4), "drop": nn.Dropout(0.1)})),
        ("empty", nn.Sequential()),
        ("empty_list", nn.ModuleList()),
        ("plain", Plain()),
        ("none", None),
        ("head", nn.Sequential(nn.Flatten(), nn.Linear(4, 2, bias=False))),
        ("params", nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(1)])),
        ("pdict", nn.ParameterDict({"b": nn.Parameter(lib.ones(2)), "a": lib.zeros(1, 2)})),
    ]))


def test_nested_repr_matches_torch():
    assert repr(_repr_model(ember)) == repr(_repr_model(torch))
    assert str(_repr_model(ember)) == str(_repr_model(torch))


def test_simple_reprs():
    for fn in (lambda lib: repr(lib.nn.Module()), lambda lib: repr(net(lib)),
               lambda lib: repr(lib.nn.ModuleList([lib.nn.ReLU()] * 2 + [lib.nn.Tanh()]))):
        t, e = same_outcome(fn)
        assert t == e


# -- copying and pickling -----------------------------------------------------------------
def _check_copy(orig, new):
    assert new is not orig
    po, pn = dict(orig.named_parameters()), dict(new.named_parameters())
    assert list(po) == list(pn)
    for k in po:
        assert type(pn[k]) is ember.nn.Parameter and pn[k] is not po[k]
        assert pn[k].requires_grad == po[k].requires_grad
        np.testing.assert_array_equal(pn[k].detach().numpy(), po[k].detach().numpy())
        assert pn[k].data_ptr() != po[k].data_ptr()
    for (_, a), (_, b) in zip(orig.named_buffers(), new.named_buffers()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.dtype == b.dtype
    assert new[2].weight is new[0].weight          # shared stays shared
    assert new.training == orig.training
    x = ember.randn(2, 3)
    np.testing.assert_array_equal(orig(x).detach().numpy(), new(x).detach().numpy())


def _copyable():
    m = ember.nn.Sequential(ember.nn.Linear(3, 3), ember.nn.BatchNorm1d(3), ember.nn.Linear(3, 3))
    m[2].weight = m[0].weight
    m[2].bias.requires_grad_(False)
    m(ember.randn(4, 3)).sum().backward()
    m.eval()
    return m


def test_deepcopy():
    m = _copyable()
    log = []
    m.register_forward_hook(lambda mod, a, o: log.append(1))
    c = copy.deepcopy(m)
    _check_copy(m, c)
    assert c[0].weight.grad is None        # PyTorch's Parameter.__deepcopy__ drops .grad
    assert len(log) == 2                    # the hook was copied along


def test_pickle_round_trip():
    m = _copyable()
    c = pickle.loads(pickle.dumps(m))
    _check_copy(m, c)
    c.train()
    c(ember.randn(4, 3)).sum().backward()
    assert c[0].weight.grad is not None


def test_torch_parameter_deepcopy_has_no_grad():
    p = torch.nn.Parameter(torch.ones(2))
    p.grad = torch.ones(2)
    assert copy.deepcopy(p).grad is None
    q = ember.nn.Parameter(ember.ones(2))
    q.grad = ember.ones(2)
    assert copy.deepcopy(q).grad is None and copy.deepcopy(q).requires_grad


def test_typename_in_messages_uses_torch_names():
    m = ember.nn.Sequential()
    with pytest.raises(TypeError, match="torch.nn.modules.linear.Linear is not a Module"):
        m.add_module("x", ember.nn.Linear)


def test_state_dict_round_trips_through_files_both_ways():
    import io
    em, tm = net(ember), net(torch)
    copy_params(tm, em)
    buf = io.BytesIO()
    ember.save(em.state_dict(), buf)
    buf.seek(0)
    sd = torch.load(buf, weights_only=True)
    assert dict(sd._metadata) == dict(tm.state_dict()._metadata)
    assert repr(tm.load_state_dict(sd)) == "<All keys matched successfully>"
    buf = io.BytesIO()
    torch.save(tm.state_dict(), buf)
    buf.seek(0)
    sd = ember.load(buf)
    assert repr(em.load_state_dict(sd)) == "<All keys matched successfully>"
    for (k, a), (_, b) in zip(tm.state_dict().items(), em.state_dict().items()):
        np.testing.assert_array_equal(b.numpy(), a.numpy(), err_msg=k)


def test_full_backward_hook_tuple_outputs():
    def run(lib):
        class Two(lib.nn.Module):
            def forward(self, x, y):
                return x * 2 + y, x * y, 7

        m = Two()
        log = []
        m.register_full_backward_hook(lambda mod, gin, gout: log.append(
            ([None if g is None else g.tolist() for g in gin],
             [None if g is None else g.tolist() for g in gout])))
        m.register_full_backward_pre_hook(lambda mod, gout: log.append(len(gout)))
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        a, b, c = m(x, y)
        (a * 3).sum().backward()            # b gets no gradient: None in grad_output
        return log, x.grad.tolist(), y.grad.tolist(), c, type(b.grad_fn).__name__

    t, e = same_outcome(run)
    assert t == e
