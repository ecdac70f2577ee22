"""torch.func.vmap's extras against torch (randomness modes, chunk_size, nesting, pytree
in_dims/out_dims, torch.vmap, its errors), stack_module_state with the model-ensembling
pattern of the torch.func tutorial, jacrev/jacfwd has_aux and randomness, functionalize."""
import copy
import importlib

import pytest
from func_helpers import errors, show


def _vmap(name):
    lib = importlib.import_module(name)
    F = importlib.import_module(name + ".func")
    vmap = F.vmap
    x = lib.ones(3, 2)
    drop = lib.nn.functional.dropout
    out = [lib.vmap is F.vmap, vmap(lambda v: v * 2, chunk_size=2)(x),
           vmap(vmap(lambda v: v * 2))(lib.arange(6.0).view(3, 2)),
           vmap(vmap(lib.dot, in_dims=(0, None)), in_dims=(None, 0))(lib.eye(2), lib.ones(3, 2)),
           vmap(lambda d: d["a"] * d["b"], in_dims=({"a": 0, "b": None},))(
               {"a": x, "b": lib.tensor([1.0, 2.0])}),
           vmap(lambda pair: pair[0] + pair[1], in_dims=([0, 1],))([x, x.t()]),
           vmap(lambda v, s: v * s, in_dims=(0, None))(x, 2.0),
           vmap(lambda v, scale=1.0: v * scale)(x, scale=3.0),
           vmap(lambda v: {"a": v, "b": [v.sum()]})(x),
           vmap(lambda v: (v, lib.ones(2)), out_dims=(0, None))(x),
           vmap(lambda v: (v, 3), out_dims=(0, None))(x),
           vmap(lambda v: v * 2, in_dims=-1, out_dims=1)(lib.arange(6.0).view(2, 3)),
           vmap(lambda v: v * 2)(lib.ones(0, 2))]
    lib.manual_seed(0)
    out += [vmap(lambda v: v + lib.rand(2), randomness="different")(x), lib.rand(1)]
    lib.manual_seed(0)
    out += [vmap(lambda v: v + lib.rand(2), randomness="same")(x), lib.rand(1)]
    for mode in ("same", "different"):
        lib.manual_seed(0)
        out += [vmap(lambda v: drop(v, 0.5), randomness=mode)(lib.ones(4, 3)), lib.rand(1)]
    lib.manual_seed(0)
    out.append(vmap(vmap(lambda v: v + lib.rand(()), randomness="same"),
                    randomness="different")(x))
    out += errors([
        lambda: vmap(lambda v: v + lib.rand(2))(x),
        lambda: vmap(lambda v: drop(v, 0.5))(x),
        lambda: vmap(vmap(lambda v: v + lib.rand(()), randomness="same"))(x),
        lambda: vmap(lambda v: v, randomness="foo"),
        lambda: vmap(lambda v: v, chunk_size=0),
        lambda: vmap(lambda v: v, in_dims=2)(x),
        lambda: vmap(lambda v: v, in_dims=-3)(x),
        lambda: vmap(lambda v, s: v * s, in_dims=(0, 0))(x, 2.0),
        lambda: vmap(lambda v: v, in_dims="a")(x),
        lambda: vmap(lambda v: v, in_dims=None)(x),
        lambda: vmap(lambda v: v, in_dims=(None,))(x),
        lambda: vmap(lambda v: v, in_dims=(1.5,))(x),
        lambda: vmap(lambda d: d["a"], in_dims=({"a": 0},))({"a": x, "b": x}),
        lambda: vmap(lambda a, b: a + b, in_dims=(0,))(lib.ones(3), lib.ones(3)),
        lambda: vmap(lambda a, b: a + b)(lib.ones(3), lib.ones(2)),
        lambda: vmap(lambda a: a)(lib.tensor(1.0)),
        lambda: vmap(lambda: 1)(),
        lambda: vmap(lambda v: 1.0)(x),
        lambda: vmap(lambda v: (v, v), out_dims=(0, 0, 0))(x),
        lambda: vmap(lambda v: v, out_dims="a")(x),
        lambda: vmap(lambda v: v, out_dims=None)(x),
        lambda: vmap(lambda v: v, out_dims=3)(x),
    ])
    return show(out)


def _ensemble(name):
    lib = importlib.import_module(name)
    F = importlib.import_module(name + ".func")
    nn = lib.nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 3)
            self.bn = nn.BatchNorm1d(3)
            self.fc2 = nn.Linear(3, 1)

        def forward(self, x):
            return self.fc2(self.bn(self.fc1(x)).relu())
    lib.manual_seed(0)
    models = [MLP() for _ in range(3)]
    params, buffers = F.stack_module_state(models)
    out = [{k: (tuple(v.shape), v.requires_grad, v.is_leaf, v.grad_fn is None)
            for k, v in params.items()},
           {k: (tuple(v.shape), v.requires_grad, str(v.dtype)) for k, v in buffers.items()},
           list(F.stack_module_state(nn.ModuleList(models))[0])]
    base = copy.deepcopy(models[0])
    for m in models + [base]:
        m.eval()
    params, buffers = F.stack_module_state(models)

    def fmodel(p, b, z):
        return F.functional_call(base, (p, b), (z,))
    xs = lib.randn(4, 2)
    y = F.vmap(fmodel, in_dims=(0, 0, None))(params, buffers, xs)
    y.square().sum().backward()
    out += [y, lib.stack([m(xs) for m in models]), params["fc1.weight"].grad,
            F.vmap(fmodel)(params, buffers, lib.randn(3, 4, 2))]
    models[1].eval()
    out += errors([lambda: F.stack_module_state(models)])
    models[1].train()
    models[1].fc1.weight.requires_grad_(False)
    out += errors([lambda: F.stack_module_state([]),
                   lambda: F.stack_module_state([models[0], nn.Linear(2, 3)]),
                   lambda: F.stack_module_state(models)])
    return show(out)


def _jac_and_more(name):
    lib = importlib.import_module(name)
    F = importlib.import_module(name + ".func")
    v = lib.tensor([1.0, 2.0])
    out = [F.jacrev(lambda a: (a ** 2, a.sum()), has_aux=True)(v),
           F.jacfwd(lambda a: (a ** 3, {"s": a.sum()}), has_aux=True)(v),
           F.jacfwd(lambda a: a + lib.rand(2), randomness="same")(v),
           F.jacfwd(lambda a: a * 2, randomness="different")(v),
           F.jacrev(lambda a: a * lib.rand(2).ge(2))(v),    # jacrev runs f outside vmap
           F.functionalize(lambda a: a.add_(1) * 2)(v.clone()),
           F.functionalize(lambda a: a.view(2, 1), remove="mutations_and_views")(v)]
    out += errors([
        lambda: F.jacfwd(lambda a: a * lib.rand(2))(v),
        lambda: F.hessian(lambda a: (a ** 2 * lib.rand(2)).sum())(v),
        lambda: F.jacfwd(lambda a: a, randomness="x"),
        lambda: F.jacrev(lambda a: a ** 2, has_aux=True)(v),
        lambda: F.jacfwd(lambda a: a ** 2, has_aux=True)(v),
        lambda: F.functionalize(lib.sin, remove="x"),
    ])
    return show(out)


@pytest.mark.parametrize("case", [_vmap, _ensemble, _jac_and_more])
def test_matches_torch(case):
    pytest.importorskip("torch")
    assert case("ember") == case("torch")
