"""The pytrees ``torch.func`` takes and returns: tuples, lists, namedtuples and dicts nested
around leaves (tensors, or anything else). ``tree_flatten`` gives the leaves and a
``TreeSpec`` that compares, prints and rebuilds as ``torch.utils._pytree``'s does (its
``repr`` and ``pprint`` appear in PyTorch's error messages)."""
from __future__ import annotations

__all__ = ["LEAF", "TreeSpec", "pprint", "tree_flatten", "tree_unflatten"]


class TreeSpec:
    """The shape of a pytree: the container type, its context (a dict's keys, a
    namedtuple's class) and one spec per child; ``LEAF`` stands for a leaf."""
    __slots__ = ("children", "context", "num_leaves", "type")

    def __init__(self, kind, context, children: list):
        self.type = kind
        self.context = context
        self.children = children
        self.num_leaves = sum(c.num_leaves for c in children) if kind is not None else 1

    def __eq__(self, other) -> bool:
        return (isinstance(other, TreeSpec) and self.type is other.type
                and self.context == other.context and self.children == other.children)

    def __hash__(self):
        return id(self)

    def __repr__(self, indent: int = 0) -> str:
        if self.type is None:
            return "*"
        name = "namedtuple" if _is_namedtuple(self.type) else self.type.__name__
        body = ""
        if self.children:
            # children after the first go on new lines, indented one more level
            indent += 2
            body = self.children[0].__repr__(indent)
            body += "," if len(self.children) > 1 else ""
            body += ",".join("\n" + " " * indent + c.__repr__(indent)
                             for c in self.children[1:])
        return f"TreeSpec({name}, {self.context}, [{body}])"


LEAF = TreeSpec(None, None, [])


def _is_namedtuple(kind) -> bool:
    return issubclass(kind, tuple) and hasattr(kind, "_fields")


def tree_flatten(tree) -> tuple[list, TreeSpec]:
    """The leaves of ``tree`` in order, and its spec."""
    leaves: list = []
    return leaves, _flatten_into(tree, leaves)


def _flatten_into(tree, leaves: list) -> TreeSpec:
    kind = type(tree)
    if kind in (tuple, list):
        return TreeSpec(kind, None, [_flatten_into(t, leaves) for t in tree])
    if isinstance(tree, tuple) and _is_namedtuple(kind):
        return TreeSpec(kind, kind, [_flatten_into(t, leaves) for t in tree])
    if kind is dict:
        keys = list(tree)
        return TreeSpec(dict, keys, [_flatten_into(tree[k], leaves) for k in keys])
    leaves.append(tree)
    return LEAF


def tree_unflatten(leaves, spec: TreeSpec):
    """The pytree of shape ``spec`` holding ``leaves``."""
    it = iter(leaves)
    return _build(it, spec)


def _build(it, spec: TreeSpec):
    if spec.type is None:
        return next(it)
    parts = [_build(it, c) for c in spec.children]
    if spec.type is dict:
        return dict(zip(spec.context, parts))
    if spec.type is tuple or spec.type is list:
        return spec.type(parts)
    return spec.type(*parts)


class _Star:
    def __repr__(self) -> str:
        return "*"


def pprint(spec: TreeSpec) -> str:
    """The tree with ``*`` for each leaf, as PyTorch's ``treespec_pprint`` shows it."""
    return repr(tree_unflatten([_Star()] * spec.num_leaves, spec))
