"""The op table that drives the op tests.

One ``OpInfo`` per op (or per overload). ``fn(lib, *tensors, **kwargs)`` is written once and
called with ``lib`` = ember or torch, since their APIs are the same. Each sample gives NumPy
inputs (float64 for the gradient checks); the tests build tensors from them in both libraries.
The table is assembled from one file per ops module (``op_db_<module>.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Sample:
    inputs: tuple                     # NumPy arrays (tensors) or plain Python values
    kwargs: dict = field(default_factory=dict)
    grad: tuple | None = None         # indices of inputs that require grad (default: floats)


@dataclass
class ErrorCase:
    inputs: tuple
    kwargs: dict = field(default_factory=dict)
    exc: type = RuntimeError          # the class PyTorch raises
    match: str | None = None          # a fragment the message must contain


@dataclass
class OpInfo:
    name: str
    fn: Callable
    samples: Callable                 # rng -> list[Sample] (float64 inputs)
    differentiable: bool = True
    second_order: bool = True
    grad_fn: str | None = None        # PyTorch's grad_fn name for the first sample, if any
    dtypes: tuple = ("float32", "float64")   # dtypes compared against torch
    errors: Callable | None = None    # () -> list[ErrorCase]
    atol: float = 1e-5
    rtol: float = 1.3e-6
    gradcheck_eps: float = 1e-6
    gradcheck_atol: float = 1e-5
    output_index: int | None = None   # for ops returning tuples: the differentiable output
    compare_values: bool = True       # False for ops with undefined results (e.g. empty)
    # float32 (rtol, atol) between the NumPy and the create_graph formula, for ops whose two
    # paths sum in different orders (a convolution's GEMMs, overlapping window scatters)
    formula_tol: tuple = (1e-6, 0.0)


def positive(rng, *shape):
    return np.asarray(rng.uniform(0.5, 2.0, shape))


def anyreal(rng, *shape):
    # Kept away from 0 so kinks (abs, relu, sign) are not crossed by finite differences.
    x = rng.uniform(0.2, 2.0, shape)
    return np.asarray(x * rng.choice([-1.0, 1.0], shape))


def unit(rng, *shape):
    return np.asarray(rng.uniform(-0.9, 0.9, shape))


def _collect() -> list:
    ops = []
    import importlib
    import pathlib
    here = pathlib.Path(__file__).parent
    for path in sorted(here.glob("op_db_*.py")):
        mod = importlib.import_module(path.stem)
        ops.extend(mod.OPS)
    names = [o.name for o in ops]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"duplicate op names in the op table: {dup}"
    return ops


OPS = _collect()
