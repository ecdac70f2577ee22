"""``out=``: every op that accepts it writes its result there (resizing it), as PyTorch does;
none accepts it and ignores it."""
from __future__ import annotations

import ast
import pathlib
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

A = np.random.default_rng(0).standard_normal((3, 3))
SPD = A @ A.T + 3 * np.eye(3)


def _outs(lib, dtypes):
    return tuple(lib.empty(0, dtype=getattr(lib, d)) for d in dtypes)


# (name, call(lib, out), dtypes of the out tensors; one dtype means a single tensor)
CASES = [
    ("zeros", lambda lib, o: lib.zeros(2, 3, out=o), ("int64",)),
    ("ones", lambda lib, o: lib.ones(2, out=o), ("float64",)),
    ("empty", lambda lib, o: lib.empty(4, out=o).zero_(), ("float32",)),
    ("full", lambda lib, o: lib.full((2,), 0.1, out=o), ("float64",)),
    ("arange", lambda lib, o: lib.arange(0, 1, 0.125, out=o), ("float64",)),
    ("linspace", lambda lib, o: lib.linspace(-1, 1, 9, out=o), ("float64",)),
    ("logspace", lambda lib, o: lib.logspace(0, 2, 5, out=o), ("float32",)),
    ("eye", lambda lib, o: lib.eye(3, out=o), ("int64",)),
    ("fftfreq", lambda lib, o: lib.fft.fftfreq(5, out=o), ("float32",)),
    ("rfftfreq", lambda lib, o: lib.fft.rfftfreq(6, out=o), ("float64",)),
    ("complex", lambda lib, o: lib.complex(lib.ones(2), lib.zeros(2), out=o), ("complex64",)),
    ("polar", lambda lib, o: lib.polar(lib.ones(2), lib.zeros(2), out=o), ("complex64",)),
    ("matrix_power", lambda lib, o: lib.linalg.matrix_power(lib.tensor(A), 2, out=o),
     ("float64",)),
    ("linalg.qr", lambda lib, o: lib.linalg.qr(lib.tensor(A), out=o), ("float64",) * 2),
    ("qr", lambda lib, o: lib.qr(lib.tensor(A), out=o), ("float64",) * 2),
    ("geqrf", lambda lib, o: lib.geqrf(lib.tensor(A), out=o), ("float64",) * 2),
    ("eigh", lambda lib, o: lib.linalg.eigh(lib.tensor(SPD), out=o), ("float64",) * 2),
    ("slogdet", lambda lib, o: lib.linalg.slogdet(lib.tensor(A), out=o), ("float64",) * 2),
    ("cholesky_ex", lambda lib, o: lib.linalg.cholesky_ex(lib.tensor(SPD), out=o),
     ("float64", "int32")),
    ("inv_ex", lambda lib, o: lib.linalg.inv_ex(lib.tensor(A), out=o), ("float64", "int32")),
    ("solve_ex", lambda lib, o: lib.linalg.solve_ex(lib.tensor(A), lib.tensor(A), out=o),
     ("float64", "int32")),
    ("linalg.svd", lambda lib, o: lib.linalg.svd(lib.tensor(SPD), out=o), ("float64",) * 3),
    ("lu_factor", lambda lib, o: lib.linalg.lu_factor(lib.tensor(A), out=o),
     ("float64", "int32")),
    ("lu_factor_ex", lambda lib, o: lib.linalg.lu_factor_ex(lib.tensor(A), out=o),
     ("float64", "int32", "int32")),
    ("linalg.lu", lambda lib, o: lib.linalg.lu(lib.tensor(A), out=o), ("float64",) * 3),
    ("triangular_solve", lambda lib, o: lib.triangular_solve(
        lib.tensor(A), lib.tensor(np.triu(SPD)), out=o), ("float64",) * 2),
]


@pytest.mark.parametrize("name, call, dtypes", CASES, ids=[c[0] for c in CASES])
def test_out_is_written(name, call, dtypes):
    got = {}
    for lib in (torch, ember):
        outs = _outs(lib, dtypes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = call(lib, outs[0] if len(outs) == 1 else outs)
        if len(outs) == 1:
            assert r is outs[0]
        else:
            assert all(a is b for a, b in zip(r, outs))
        got[lib] = (type(r).__name__, [(str(o.dtype), tuple(o.shape)) for o in outs],
                    [o.numpy() for o in outs])
    assert got[ember][:2] == got[torch][:2]
    for e, t in zip(got[ember][2], got[torch][2]):
        if name in ("linalg.svd", "eigh", "linalg.qr", "qr", "geqrf"):  # signs are free
            e, t = np.abs(e), np.abs(t)
        np.testing.assert_allclose(e, t, rtol=1e-10, atol=1e-12)


def test_out_errors_as_pytorch():
    for lib in (torch, ember):
        x = lib.tensor(A)
        with pytest.raises(TypeError, match="must be tuple of Tensors, not Tensor"):
            lib.linalg.qr(x, out=lib.empty(0))
        with pytest.raises(TypeError, match="expected tuple of 2 elements but got 1"):
            lib.linalg.qr(x, out=(lib.empty(0),))
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.linalg.qr(x.clone().requires_grad_(), out=_outs(lib, ("float64",) * 2))
        with pytest.raises(TypeError, match="must be Tensor, not list"):
            lib.zeros(2, out=[1])


def test_no_op_ignores_out():
    """A function that takes ``out`` uses it (the bug this file guards against: ``out=``
    accepted and the result silently not written)."""
    root = pathlib.Path(ember.__file__).parent
    ignored = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                names = [a.arg for a in node.args.args + node.args.kwonlyargs]
                if "out" in names and not any(
                        isinstance(n, ast.Name) and n.id == "out" and isinstance(n.ctx, ast.Load)
                        for n in ast.walk(node)):
                    decorated = any("with_out" in ast.unparse(d) for d in node.decorator_list)
                    if not decorated:
                        ignored.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    assert not ignored, ignored
