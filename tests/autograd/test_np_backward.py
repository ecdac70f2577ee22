"""Each node's NumPy formula (``_np_backward``, run without create_graph) belongs with its
ember-op formula (``backward``). The op table checks that the two agree op by op
(tests/test_ops.py::test_backward_modes_agree); this checks the class structure."""
import ember  # noqa: F401  (imports every module that defines nodes)
import ember.nn.functional  # noqa: F401
from ember.autograd.graph import Node


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _owner(cls, name: str):
    return next(k for k in cls.__mro__ if name in k.__dict__)


def test_no_node_inherits_a_numpy_formula_for_another_backward():
    """A subclass that overrides ``backward`` must not inherit its parent's ``_np_backward``
    (it would compute the parent's gradient whenever no graph is built)."""
    wrong = []
    for cls in set(_subclasses(Node)):
        fast, slow = _owner(cls, "_np_backward"), _owner(cls, "backward")
        if fast is not Node and not issubclass(fast, slow):
            wrong.append(f"{cls.__name__}: backward from {slow.__name__}, _np_backward from "
                         f"{fast.__name__}")
    assert not wrong, wrong


def test_the_default_numpy_formula_wraps_backward():
    class TwiceBackward(Node):
        def backward(self, grad):
            return grad * 2,
    node = TwiceBackward()
    import numpy as np
    out = node._np_backward(np.array([1.0, 2.0], np.float32))
    assert len(out) == 1 and out[0].dtype == np.float32 and out[0].tolist() == [2.0, 4.0]


def test_nodes_of_the_converted_families_are_written_once():
    """Every node of ops/reduction, shape, indexing, linalg, inplace, random and the elementwise
    rooms has a single formula (``backward``, run on arrays and on tensors): no NumPy copy
    beside it."""
    import ember.ops._elementwise
    import ember.ops.arithmetic
    import ember.ops.comparison
    import ember.ops.indexing
    import ember.ops.inplace
    import ember.ops.linalg
    import ember.ops.random
    import ember.ops.reduction
    import ember.ops.shape
    import ember.ops.special
    import ember.ops.transcendental
    mods = {m.__name__ for m in (ember.ops.reduction, ember.ops.shape, ember.ops.indexing,
                                 ember.ops.linalg, ember.ops.inplace, ember.ops.random,
                                 ember.ops._elementwise, ember.ops.arithmetic,
                                 ember.ops.transcendental, ember.ops.special,
                                 ember.ops.comparison)}
    nodes = [c for c in set(_subclasses(Node)) if c.__module__ in mods]
    assert len(nodes) > 180
    wrong = [c.__name__ for c in nodes
             if c._wants_tensors or _owner(c, "_np_backward") is not Node]
    assert not wrong, wrong
