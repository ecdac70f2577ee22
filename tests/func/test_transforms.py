"""torch.func's transforms against torch: grad (argnums, has_aux, nested, pytrees),
grad_and_value, vmap (in_dims, out_dims, pytree outputs, over grad), jacrev, hessian, and
per-sample gradients with functional_call; their errors."""
import importlib

import pytest
from func_helpers import show


def _run(name):
    lib = importlib.import_module(name)
    fn = importlib.import_module(name + ".func")
    grad, vmap = fn.grad, fn.vmap
    f = lambda x: (x ** 3).sum()          # noqa: E731
    x = lib.tensor([1.0, 2.0])
    out = [grad(f)(x), grad(grad(lambda t: (t ** 3).sum()))(lib.tensor(2.0)),
           grad(lambda a, b: (a * b).sum(), argnums=(0, 1))(x, x * 2),
           grad(lambda a: ((a ** 2).sum(), a.mean()), has_aux=True)(x),
           fn.grad_and_value(f)(x), vmap(lambda v: v * 2 + 1)(lib.ones(3, 2)),
           vmap(lib.dot)(lib.ones(3, 2), lib.ones(3, 2)),
           vmap(lambda a, b: a * b, in_dims=(0, None))(lib.ones(3, 2), lib.tensor([1.0, 2.0])),
           vmap(lambda v: v.sum(), in_dims=1)(lib.arange(6.0).view(2, 3)),
           vmap(lambda v: (v, v * 2), out_dims=(0, 1))(lib.ones(3, 2)),
           vmap(grad(f))(lib.tensor([[1.0, 2.0], [3.0, 4.0]])),
           grad(lambda p: (p["w"] * p["b"]).sum())({"w": lib.ones(2), "b": lib.tensor([3.0, 4.0])}),
           fn.jacrev(lambda v: v ** 2)(x), fn.hessian(lambda v: (v ** 3).sum())(x),
           grad(lambda v: lib.zeros(()))(x)]
    for bad, exc in ((lambda: vmap(lambda v: v)(lib.ones(3), lib.ones(2)), ValueError),
                     (lambda: grad(lambda v: v * 2)(x), RuntimeError),
                     (lambda: vmap(lambda a, b: a + b)(lib.ones(3), lib.ones(4)), ValueError)):
        with pytest.raises(exc) as info:
            bad()
        out.append(str(info.value))
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 1)
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, xb, yb):
        return ((fn.functional_call(model, p, (xb.unsqueeze(0),)) - yb) ** 2).mean()
    xs, ys = lib.randn(4, 3), lib.randn(4, 1)
    out.append(vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys))   # per-sample grads
    return show(out)


def test_transforms_match_torch():
    pytest.importorskip("torch")
    assert _run("ember") == _run("torch")
