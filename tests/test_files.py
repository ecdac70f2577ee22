"""Files: torch.save/load of NumPy arrays, whole modules and optimizers under PyTorch's
weights_only rules and allow-lists; safetensors both ways with safetensors.torch."""
import collections
import io
import pickle

import numpy as np
import pytest
import safetensors.torch as st
import torch

import ember


def _buf(lib, obj):
    b = io.BytesIO()
    lib.save(obj, b)
    b.seek(0)
    return b


_NP_GLOBALS = [np._core.multiarray._reconstruct, np.ndarray, np.dtype]
_ARRAYS = [np.arange(6.0).reshape(2, 3), np.arange(4, dtype=np.int32)[::2],
           np.zeros((0, 3), np.float32), np.array([True, False]), np.array(3 + 1j),
           np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3))]


@pytest.mark.parametrize("writer", ["ember", "torch"])
@pytest.mark.parametrize("arr", _ARRAYS, ids=lambda a: str(a.dtype))
def test_numpy_arrays_round_trip(writer, arr):
    lib = ember if writer == "ember" else torch
    b = _buf(lib, {"a": arr, "n": 3})
    back = ember.load(b, weights_only=False)
    np.testing.assert_array_equal(back["a"], arr)
    assert back["a"].dtype == arr.dtype and back["n"] == 3
    b.seek(0)
    with ember.serialization.safe_globals(_NP_GLOBALS):
        np.testing.assert_array_equal(ember.load(b)["a"], arr)
    if writer == "ember":     # torch reads ember's file too
        b.seek(0)
        np.testing.assert_array_equal(torch.load(b, weights_only=False)["a"], arr)


def test_numpy_refused_by_default_as_in_torch():
    b = _buf(ember, np.arange(3.0))
    with pytest.raises(pickle.UnpicklingError) as e:
        ember.load(b)
    b2 = _buf(torch, np.arange(3.0))
    with pytest.raises(pickle.UnpicklingError) as t:
        torch.load(b2)
    assert str(e.value) == str(t.value)


def test_object_arrays_and_structured_dtypes_are_refused():
    for arr in (np.array([1, "x"], dtype=object), np.zeros(2, dtype=[("a", "f4")])):
        b = _buf(torch, arr)
        with ember.serialization.safe_globals(_NP_GLOBALS):
            with pytest.raises(pickle.UnpicklingError):
                ember.load(b)


def test_array_bytes_are_checked():
    # a header that claims more elements than its bytes hold is refused, not read past
    arr = np.arange(4.0)
    raw = pickle.dumps(arr, protocol=2).replace(b"K\x04\x85", b"K\x09\x85")
    b = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(b, "w") as zf:
        zf.writestr("x/data.pkl", raw)
    b.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="numeric array"):
        ember.load(b, weights_only=False)


def _models():
    ember.manual_seed(0)
    torch.manual_seed(0)
    return [lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
            for lib in (ember, torch)]


def test_whole_module_needs_allow_list_like_torch():
    em, tm = _models()
    for lib, m in ((ember, em), (torch, tm)):
        with pytest.raises(pickle.UnpicklingError, match=r"modules.container.Sequential was "
                                                         r"not an allowed global"):
            lib.load(_buf(lib, m))
    allowed = [ember.nn.Sequential, ember.nn.Linear, ember.nn.ReLU]
    with ember.serialization.safe_globals(allowed):
        assert ember.serialization.get_safe_globals() == allowed
        back = ember.load(_buf(ember, em))
    assert ember.serialization.get_safe_globals() == []
    x = ember.randn(5, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), em(x).detach().numpy())
    assert repr(back) == repr(tm)


def test_module_saved_by_torch_loads_in_ember():
    _, tm = _models()
    ember.serialization.add_safe_globals([ember.nn.Sequential, ember.nn.Linear])
    try:
        with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.activation.ReLU"):
            ember.load(_buf(torch, tm))
        ember.serialization.add_safe_globals([ember.nn.ReLU])
        back = ember.load(_buf(torch, tm))
    finally:
        ember.serialization.clear_safe_globals()
    assert ember.serialization.get_safe_globals() == []
    assert isinstance(back[0], ember.nn.Linear)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(back(ember.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)
    # the rebuilt module is a working module: hooks, state_dict, training
    h = back.register_forward_hook(lambda m, i, o: o * 2)
    back(ember.tensor(x))
    h.remove()
    assert list(back.state_dict()) == list(tm.state_dict())
    back.eval()
    assert not back[0].training


def test_get_unsafe_globals_in_checkpoint():
    em, tm = _models()
    want = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(_buf(torch, tm)))
    assert ember.serialization.get_unsafe_globals_in_checkpoint(_buf(torch, tm)) == want
    # ember writes PyTorch's names
    assert ember.serialization.get_unsafe_globals_in_checkpoint(_buf(ember, em)) == want
    with ember.serialization.safe_globals([ember.nn.ReLU]):
        assert len(ember.serialization.get_unsafe_globals_in_checkpoint(_buf(torch, tm))) == 2
    assert ember.serialization.get_unsafe_globals_in_checkpoint(
        _buf(ember, em.state_dict())) == []


def test_whole_optimizer():
    em, _ = _models()
    opt = ember.optim.SGD(em.parameters(), lr=0.1, momentum=0.9)
    em(ember.ones(2, 3)).sum().backward()
    opt.step()
    b = _buf(ember, opt)
    with ember.serialization.safe_globals([ember.optim.SGD]):
        with pytest.raises(pickle.UnpicklingError, match="collections.defaultdict"):
            ember.load(b)
    b.seek(0)
    with ember.serialization.safe_globals([ember.optim.SGD, collections.defaultdict, dict]):
        back = ember.load(b)
    assert isinstance(back, ember.optim.SGD) and repr(back) == repr(opt)
    want = opt.state_dict()["state"][0]["momentum_buffer"]
    np.testing.assert_array_equal(back.state_dict()["state"][0]["momentum_buffer"].numpy(),
                                  want.numpy())
    b.seek(0)
    assert isinstance(ember.load(b, weights_only=False), ember.optim.SGD)


class Point:
    def __init__(self, x):
        self.x = x


def test_allow_list_by_name_and_clear():
    ember.serialization.add_safe_globals([(Point, "mymod.Point")])
    try:
        assert ember.serialization.get_safe_globals() == [(Point, "mymod.Point")]
        raw = pickle.dumps(Point(3), protocol=2).replace(
            Point.__module__.encode() + b"\n" + Point.__qualname__.encode(),
            b"mymod\nPoint")
        b = io.BytesIO()
        import zipfile
        with zipfile.ZipFile(b, "w") as zf:
            zf.writestr("p/data.pkl", raw)
        b.seek(0)
        assert ember.load(b).x == 3
    finally:
        ember.serialization.clear_safe_globals()


def test_save_to_missing_directory(tmp_path):
    path = tmp_path / "no" / "x.pt"
    with pytest.raises(RuntimeError) as t:
        torch.save({}, path)
    with pytest.raises(RuntimeError) as e:
        ember.save({}, path)
    assert str(e.value) == str(t.value)


# -- safetensors ---------------------------------------------------------------------------------
def _pair():
    rng = np.random.default_rng(0)
    arrays = {"w": rng.standard_normal((3, 4)).astype(np.float32),
              "b": rng.standard_normal(4),
              "idx": np.arange(5), "i32": np.arange(3, dtype=np.int32),
              "h": np.ones(3, np.float16), "m": np.array([True, False]),
              "u": np.arange(4, dtype=np.uint8), "s": np.array(2.5, np.float32),
              "e": np.zeros((0, 2), np.float32)}
    em = {k: ember.tensor(v) for k, v in arrays.items()}
    tm = {k: torch.tensor(v) for k, v in arrays.items()}
    em["bf"], tm["bf"] = ember.tensor(arrays["w"]).bfloat16(), torch.tensor(arrays["w"]).bfloat16()
    return em, tm


def test_safetensors_bytes_equal_to_safetensors_torch():
    em, tm = _pair()
    # (one metadata key: safetensors orders several by a hash map, differently each run)
    assert ember.safetensors.save(em, {"format": "pt"}) == st.save(tm, {"format": "pt"})
    meta = {"format": "pt", "step": "7"}
    assert len(ember.safetensors.save(em, meta)) == len(st.save(tm, meta))
    assert ember.safetensors.save({}) == st.save({})


def test_safetensors_both_ways(tmp_path):
    em, tm = _pair()
    st.save_file(tm, tmp_path / "t.safetensors")
    back = ember.safetensors.load_file(tmp_path / "t.safetensors")
    ember.safetensors.save_file(em, tmp_path / "e.safetensors")
    tback = st.load_file(tmp_path / "e.safetensors")
    assert set(back) == set(tm) == set(tback)
    for k in tm:
        assert repr(back[k]) == repr(tm[k]) and repr(tback[k]) == repr(tm[k])
    # and a model's state dict through it
    lin = ember.nn.Linear(4, 2)
    ember.safetensors.save_file(lin.state_dict(), tmp_path / "lin.safetensors")
    lin2 = ember.nn.Linear(4, 2)
    lin2.load_state_dict(ember.safetensors.load_file(tmp_path / "lin.safetensors"))
    assert ember.equal(lin2.weight, lin.weight)


def test_safetensors_errors():
    x = ember.ones(4)
    with pytest.raises(RuntimeError, match="share memory"):
        ember.safetensors.save({"a": x, "b": x[:2]})
    with pytest.raises(ValueError, match="complex128"):
        ember.safetensors.save({"a": ember.ones(2, dtype=ember.complex128)})
    with pytest.raises(RuntimeError, match="header"):
        ember.safetensors.load(b"\xff" * 8 + b"{}")


# -- whole modules between ember and PyTorch ---------------------------------------------------
def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding_mode="reflect", padding=1),
                         nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Dropout(0.3), nn.Flatten(),
                         nn.Linear(24, 5), nn.LogSoftmax(dim=1))


_WHOLE = {
    "linear": (lambda lib: lib.nn.Linear(3, 4), (5, 3)),
    "mlp": (lambda lib: lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.Tanh(),
                                          lib.nn.Linear(8, 8), lib.nn.GELU(),
                                          lib.nn.Linear(8, 2)), (5, 3)),
    "cnn": (_cnn, (3, 1, 8, 8)),
    "lstm": (lambda lib: lib.nn.LSTM(3, 5, num_layers=2, batch_first=True,
                                     bidirectional=True), (2, 4, 3)),
    "transformer": (lambda lib: lib.nn.TransformerEncoderLayer(8, 2, 16, activation="gelu",
                                                               batch_first=True), (2, 4, 8)),
}


def _outputs(model, x):
    out = model(x)
    if isinstance(out, tuple):      # an LSTM's (output, (h_n, c_n))
        out = [out[0], *out[1]]
    else:
        out = [out]
    return [o.detach().numpy() for o in out]


def _same_outputs(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)


def _seeded(lib, make):
    lib.manual_seed(0)
    model = make(lib)
    if any(isinstance(m, lib.nn.BatchNorm2d) for m in model.modules()):
        model(lib.randn(8, 1, 8, 8) * 3 + 1)        # running statistics moved
    return model.eval()


def _classes(model, lib_name):
    return {type(m).__module__.split(".")[0] for m in model.modules()} == {lib_name}


@pytest.mark.parametrize("kind", list(_WHOLE))
def test_torch_loads_whole_ember_modules_as_torch_modules(kind):
    make, shape = _WHOLE[kind]
    em = _seeded(ember, make)
    back = torch.load(_buf(ember, em), weights_only=False)
    assert _classes(back, "torch")
    assert repr(back) == repr(em)
    assert list(back.state_dict()) == list(em.state_dict())
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    back.eval()
    _same_outputs(_outputs(back, torch.tensor(x)), _outputs(em, ember.tensor(x)))


@pytest.mark.parametrize("kind", list(_WHOLE))
def test_ember_loads_whole_torch_modules_as_ember_modules(kind):
    make, shape = _WHOLE[kind]
    tm = _seeded(torch, make)
    back = ember.load(_buf(torch, tm), weights_only=False)
    assert _classes(back, "ember")
    assert repr(back) == repr(tm)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    _same_outputs(_outputs(back, ember.tensor(x)), _outputs(tm, torch.tensor(x)))
    # and back again: ember's file of it loads in torch with the same outputs
    again = torch.load(_buf(ember, back), weights_only=False)
    _same_outputs(_outputs(again, torch.tensor(x)), _outputs(tm, torch.tensor(x)))


def test_whole_module_allow_lists_by_pytorch_path():
    em, tm = _cnn(ember).eval(), _cnn(torch).eval()
    classes = {type(m).__name__ for m in em.modules()}
    # torch's weights_only loader takes ember's file with torch's classes allow-listed
    with torch.serialization.safe_globals([getattr(torch.nn, c) for c in classes]):
        back = torch.load(_buf(ember, em))
    assert _classes(back, "torch")
    # ember's takes torch's (BatchNorm2d lives in torch.nn.modules.batchnorm) with ember's
    with ember.serialization.safe_globals([getattr(ember.nn, c) for c in classes]):
        assert _classes(ember.load(_buf(torch, tm)), "ember")
        assert _classes(ember.load(_buf(ember, em)), "ember")
    others = [getattr(ember.nn, c) for c in classes if c != "BatchNorm2d"]
    for lib, m in ((torch, tm), (ember, em)):
        with ember.serialization.safe_globals(others), pytest.raises(
                pickle.UnpicklingError, match=r"GLOBAL torch\.nn\.modules\.batchnorm\.BatchNorm2d"):
            ember.load(_buf(lib, m))


def test_ember_classes_are_written_by_their_pytorch_paths():
    from ember.serialization import _ember_object, _torch_name
    checked = 0
    for name in dir(ember.nn):
        cls = getattr(ember.nn, name)
        tcls = getattr(torch.nn, name, None)
        if isinstance(cls, type) and issubclass(cls, ember.nn.Module) and tcls is not None:
            assert _torch_name(cls) == (tcls.__module__, tcls.__qualname__), name
            assert _ember_object(*_torch_name(cls)) is cls
            checked += 1
    assert checked > 100
    import pickletools
    for name in dir(torch.nn.functional):
        fn = getattr(torch.nn.functional, name)
        if not (hasattr(ember.nn.functional, name) and callable(fn)
                and not isinstance(fn, type) and not name.startswith("_")):
            continue
        ours = _torch_name(getattr(ember.nn.functional, name))
        assert _ember_object(*ours) is getattr(ember.nn.functional, name), name    # round trip
        try:
            raw = pickle.dumps(fn, protocol=2)
        except (AttributeError, pickle.PicklingError):     # torch's max_pool2d... are local
            assert ours == ("torch.nn.functional", name), name
            continue
        found = [a for op, a, _ in pickletools.genops(raw) if op.name == "GLOBAL"]
        if len(found) == 1:         # the name torch's own pickle writes
            assert " ".join(ours) == found[0], name
        else:       # torch writes getattr(torch._C._VariableFunctionsClass, name): the same
            assert ours[0] == "torch" and getattr(torch, ours[1]) is fn, name
    assert _torch_name(np.ndarray) is None


def test_user_module_classes_keep_their_path(monkeypatch):
    import sys
    import types

    def net_module(lib):
        mod = types.ModuleType("user_nets")

        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.ReLU())
                self.head = lib.nn.Linear(6, 2)

            def forward(self, x):
                return self.head(self.body(x)) * 2

        Net.__module__, Net.__qualname__ = "user_nets", "Net"
        mod.Net = Net
        return mod

    # the user's script under ember saves, the same script under torch loads
    monkeypatch.setitem(sys.modules, "user_nets", net_module(ember))
    em = sys.modules["user_nets"].Net()
    raw = _buf(ember, em).getvalue()
    assert b"user_nets\nNet" in raw and b"ember" not in raw
    monkeypatch.setitem(sys.modules, "user_nets", net_module(torch))
    back = torch.load(io.BytesIO(raw), weights_only=False)
    assert type(back) is sys.modules["user_nets"].Net
    assert isinstance(back.body[0], torch.nn.Linear)
    x = np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)
    _same_outputs(_outputs(back, torch.tensor(x)), _outputs(em, ember.tensor(x)))


def test_torch_transformer_layer_loads_with_ember_allow_list():
    tm = _seeded(torch, _WHOLE["transformer"][0])
    names = torch.serialization.get_unsafe_globals_in_checkpoint(_buf(torch, tm))
    assert "torch._C._nn.gelu" in names
    allowed = [ember.nn.TransformerEncoderLayer, ember.nn.MultiheadAttention, ember.nn.Linear,
               ember.nn.modules.linear.NonDynamicallyQuantizableLinear, ember.nn.LayerNorm,
               ember.nn.Dropout]
    with ember.serialization.safe_globals(allowed), pytest.raises(
            pickle.UnpicklingError, match=r"torch\._C\._nn\.gelu"):
        ember.load(_buf(torch, tm))
    with ember.serialization.safe_globals([*allowed, ember.nn.functional.gelu]):
        back = ember.load(_buf(torch, tm))
        assert back.activation is ember.nn.functional.gelu
        # ember's own file of the layer names the same globals as torch's, up to gelu's path
        again = ember.load(_buf(ember, back))
    x = np.random.default_rng(5).standard_normal((2, 4, 8)).astype(np.float32)
    _same_outputs(_outputs(again, ember.tensor(x)), _outputs(tm, torch.tensor(x)))


def test_torch_loads_ember_transformer_layer_with_its_allow_list():
    em = _seeded(ember, _WHOLE["transformer"][0])
    allowed = [torch.nn.TransformerEncoderLayer, torch.nn.MultiheadAttention, torch.nn.Linear,
               torch.nn.modules.linear.NonDynamicallyQuantizableLinear, torch.nn.LayerNorm,
               torch.nn.Dropout, torch.nn.functional.gelu]
    assert sorted(torch.serialization.get_unsafe_globals_in_checkpoint(_buf(ember, em))) == \
        sorted(torch.serialization.get_unsafe_globals_in_checkpoint(
            _buf(torch, torch.load(_buf(ember, em), weights_only=False))))
    with torch.serialization.safe_globals(allowed):
        back = torch.load(_buf(ember, em))
    assert back.activation is torch.nn.functional.gelu
    x = np.random.default_rng(6).standard_normal((2, 4, 8)).astype(np.float32)
    back.eval()
    _same_outputs(_outputs(back, torch.tensor(x)), _outputs(em, ember.tensor(x)))
