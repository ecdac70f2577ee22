"""The autograd graph behind some tensors, as an object you can draw.

``graph(loss)`` walks ``loss.grad_fn`` and its ``next_functions`` (the same walk works on a
PyTorch graph) and keeps, for every node, its PyTorch name and saved tensors, and for every
edge the shape and dtype of the value that travelled along it. While the object lives it
also listens to the nodes (with ordinary node hooks) and remembers the gradient each edge
carried in the next ``backward()``; backward passes of graphs nobody draws are untouched.
"""
from __future__ import annotations

import sys
import weakref

import numpy as np

from .layout import layered_layout

__all__ = ["Graph", "GNode", "GEdge", "graph"]

SMALL = 16        # tensors up to this many elements have their values kept for the labels


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


def _values(t):
    """A private NumPy copy of a tensor's values, or None (large tensors keep only metadata)."""
    if t is None:
        return None
    a = t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)
    return np.array(a, copy=True) if a.size <= SMALL else None


def _array(g):
    """A gradient a hook saw (a tensor, an array or None) as a NumPy copy."""
    if g is None:
        return None
    if hasattr(g, "detach"):
        g = g.detach().numpy()
    return np.array(g, copy=True)


def fmt_shape(shape) -> str:
    if shape is None:
        return "(?)"        # a leaf already freed: its accumulator holds it weakly
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def fmt_dtype(dtype) -> str:
    return "?" if dtype is None else str(dtype).replace("torch.", "")


def fmt_values(a, limit: int = 6) -> str:
    """Short text of an array's values for a label: a number, or the first few."""
    a = np.asarray(a)
    if a.ndim == 0:
        return f"{float(a):.4g}" if a.dtype.kind == "f" else str(a.item())
    flat = a.reshape(-1)
    items = [f"{float(v):.4g}" if a.dtype.kind == "f" else str(v) for v in flat[:limit]]
    more = ", ..." if flat.size > limit else ""
    return "[" + ", ".join(items) + more + "]"


class GNode:
    """One node of the picture: an autograd node (``kind`` "op" or "leaf"), a root tensor
    (``kind`` "output") or a collapsed block of them (``kind`` "block")."""

    __slots__ = ("id", "kind", "name", "label", "shape", "dtype", "saved", "fn", "group",
                 "value")

    def __init__(self, id: int, kind: str, name: str, label: str = "") -> None:
        self.id = id
        self.kind = kind
        self.name = name        # PyTorch's node name (output: "output")
        self.label = label      # a leaf's or output's variable name
        self.shape = None
        self.dtype = None
        self.saved = []         # (name, description, values or None)
        self.fn = None          # the autograd node (weakly held)
        self.group = ""         # module path of the parameters it uses ("" = none)
        self.value = None       # a leaf's or output's values when small

    def lines(self, show_saved: bool = True) -> list:
        """The label's lines: the name first, then details."""
        out = []
        if self.kind == "leaf":
            out.append(self.label or "(leaf)")
            out.append(f"{fmt_shape(self.shape)} {fmt_dtype(self.dtype)}")
            out.append("AccumulateGrad")
        elif self.kind == "output":
            out.append(self.label or "output")
            out.append(f"{fmt_shape(self.shape)} {fmt_dtype(self.dtype)}")
        elif self.kind == "block":
            # a collapsed module: its path, then what it holds (kept in ``saved``)
            out.append(f"[+] {self.label}")
            out.extend(f"{k}: {d}" for k, d, _ in self.saved)
        else:
            out.append(self.name)
            if show_saved:
                for name, desc, _ in self.saved:
                    out.append(f"{name}: {desc}")
        return out

    def __repr__(self) -> str:
        return f"GNode({self.id}, {self.name!r}, {self.label!r})"


class GEdge:
    """The value flowing from node ``src`` into input ``index`` of node ``dst`` (forward
    direction); ``grad`` is the gradient that flowed back along it, once known."""

    __slots__ = ("id", "src", "dst", "index", "shape", "dtype", "grad")

    def __init__(self, id: int, src: int, dst: int, index: int, shape, dtype) -> None:
        self.id = id
        self.src = src
        self.dst = dst
        self.index = index
        self.shape = shape
        self.dtype = dtype
        self.grad = None

    def label(self, show_grads: bool = True) -> str:
        text = "" if self.shape is None else f"{fmt_shape(self.shape)} {fmt_dtype(self.dtype)}"
        if show_grads and self.grad is not None:
            text += f"  grad {fmt_values(self.grad, 3)}"
        return text

    def __repr__(self) -> str:
        return f"GEdge({self.src} -> {self.dst}[{self.index}])"


def _edge_meta(fn, i: int, src_fn):
    """Shape and dtype of the value that went into input ``i`` of ``fn``: a leaf's own, else
    the node's record of its inputs."""
    if src_fn is not None and src_fn.name().endswith("AccumulateGrad"):
        var = src_fn.variable
        if var is not None:
            return tuple(var.shape), var.dtype
    metas = getattr(fn, "_in_meta", None)
    if metas is not None and i < len(metas) and metas[i] is not None:
        shape, dt = metas[i]
        from .._dtype import from_np
        return tuple(shape), from_np(dt)
    return None, None


def _saved_of(fn, names: dict) -> list:
    """The saved values PyTorch shows as ``grad_fn._saved_<name>``: (name, text, values)."""
    out = []
    keys = list(getattr(type(fn), "_saved_names", ()))
    keys.append("result")
    Tensor = _tensor_cls()
    for key in keys:
        try:
            v = getattr(fn, "_saved_" + key)
        except (AttributeError, RuntimeError):
            continue        # not saved, or already freed by a backward pass
        if isinstance(v, Tensor):
            who = names.get(id(v))
            desc = f"{fmt_shape(v.shape)} {fmt_dtype(v.dtype)}"
            vals = _values(v)
            if who:
                desc = f"{who} {desc}"
            elif vals is not None and vals.size <= 4:
                desc += " = " + fmt_values(vals, 4)
            out.append(("_saved_" + key, desc, vals))
        elif v is not None:
            out.append(("_saved_" + key, repr(v), None))
    return out


def _caller_names(depth: int) -> dict:
    """id(tensor) -> variable name, from the calling frame, so a picture of ``x * w + b``
    says x, w and b without being told (see :func:`frame_names`)."""
    try:
        frame = sys._getframe(depth)
    except ValueError:
        return {}
    return frame_names(frame)


def frame_names(frame) -> dict:
    """id(tensor) -> name for the tensors a frame can see: its variables (local first, then
    global), and the parameters of the modules among them as ``model.0.weight``."""
    from ..nn import Module
    Tensor = _tensor_cls()
    names = {}
    scopes = [frame.f_locals]
    if frame.f_globals is not frame.f_locals:
        scopes.append(frame.f_globals)
    for scope in scopes:
        for k, v in list(scope.items()):
            if k.startswith("_"):
                continue
            if isinstance(v, Tensor):
                names.setdefault(id(v), k)
            elif isinstance(v, Module):
                for pn, p in v.named_parameters():
                    names.setdefault(id(p), f"{k}.{pn}")
    return names


class Graph:
    """The autograd graph behind some tensors. Render with :meth:`to_svg`, :meth:`to_text`,
    :meth:`to_dot`, or :meth:`save`; Jupyter shows it inline."""

    def __init__(self, roots: tuple, params=None, show_saved: bool = True,
                 show_grads: bool = True, names=None) -> None:
        """Read the graph behind the tensors ``roots``; ``params`` maps names to tensors,
        ``names`` maps ``id(tensor)`` to a name (both label leaves, saved tensors and
        outputs). See :func:`graph`."""
        self.show_saved = show_saved
        self.show_grads = show_grads
        self.nodes: list = []
        self.edges: list = []
        self._handles: list = []
        self._node_of: dict = {}        # id(autograd node) -> GNode id
        self._root_edges: list = []     # (autograd node, output number, edge id) per root
        names = dict(names or {})
        for k, t in (params or {}).items():
            names[id(t)] = k            # given names win over the caller's
        self._build(roots, names)
        self._groups()
        if show_grads:
            self._listen()

    # -- building ------------------------------------------------------------------------
    def _add(self, kind: str, name: str, label: str = "") -> GNode:
        n = GNode(len(self.nodes), kind, name, label)
        self.nodes.append(n)
        return n

    def _build(self, roots: tuple, names: dict) -> None:
        Tensor = _tensor_cls()
        stack = []
        for k, t in enumerate(roots):
            if not isinstance(t, Tensor):
                raise TypeError(f"graph() expects tensors, got {type(t).__name__}")
            out = self._add("output", "output", names.get(id(t), "output" if len(roots) == 1
                                                          else f"output {k}"))
            out.shape, out.dtype = tuple(t.shape), t.dtype
            out.value = _values(t)
            fn = t.grad_fn
            if fn is None and t.requires_grad:
                continue        # a leaf on its own: nothing flows into it
            if fn is None:
                continue
            src = self._visit(fn, names, stack)
            self.edges.append(GEdge(len(self.edges), src, out.id, 0, out.shape, out.dtype))
            self._root_edges.append((fn, t.output_nr, len(self.edges) - 1))
        while stack:
            fn = stack.pop()
            dst = self._node_of[id(fn)]
            for i, (nxt, nr) in enumerate(fn.next_functions):
                if nxt is None:
                    continue
                src = self._visit(nxt, names, stack)
                shape, dtype = _edge_meta(fn, i, nxt)
                self.edges.append(GEdge(len(self.edges), src, dst, i, shape, dtype))

    def _visit(self, fn, names: dict, stack: list) -> int:
        key = id(fn)
        got = self._node_of.get(key)
        if got is not None:
            return got
        if fn.name().endswith("AccumulateGrad"):
            var = fn.variable
            n = self._add("leaf", "AccumulateGrad", names.get(id(var), "") if var is not None
                          else "")
            if var is not None:
                n.shape, n.dtype = tuple(var.shape), var.dtype
                n.value = _values(var)
        else:
            n = self._add("op", fn.name())
            n.saved = _saved_of(fn, names)
        n.fn = weakref.ref(fn)
        self._node_of[key] = n.id
        stack.append(fn)
        return n.id

    def _groups(self) -> None:
        """Module path of each node: the common prefix of the parameter names that become
        reachable at it (those its main input does not already reach). Fills nodes between
        two of the same group (a ReLU inside a block) with that group."""
        n = len(self.nodes)
        ins = [[] for _ in range(n)]
        outs = [[] for _ in range(n)]
        for e in self.edges:
            ins[e.dst].append(e.src)
            outs[e.src].append(e.dst)
        reach = [None] * n
        order = self.topo_order()
        for v in order:
            node = self.nodes[v]
            s = set()
            if node.kind == "leaf" and "." in node.label:
                s.add(node.label)
            for u in ins[v]:
                s |= reach[u]
            reach[v] = frozenset(s)
        for v in order:
            node = self.nodes[v]
            if node.kind != "op":
                continue
            # the main input is the op input reaching most parameters (the data path)
            ops = [u for u in ins[v] if self.nodes[u].kind == "op"]
            main = max(ops, key=lambda u: len(reach[u])) if ops else None
            new = set()
            for u in ins[v]:
                if u != main:
                    new |= reach[u]
            prefixes = [p.rsplit(".", 1)[0] for p in new]
            node.group = _common_prefix(prefixes)
        changed = True
        while changed:
            changed = False
            for v in order:
                node = self.nodes[v]
                if node.kind != "op" or node.group:
                    continue
                above = {self.nodes[u].group for u in ins[v]} - {""}
                below = {self.nodes[u].group for u in outs[v]} - {""}
                if len(above) == 1 and above == below:
                    node.group = above.pop()
                    changed = True

    def topo_order(self) -> list:
        """Node ids in a forward order: every node after all its inputs (a leaf first)."""
        n = len(self.nodes)
        indeg = [0] * n
        outs = [[] for _ in range(n)]
        for e in self.edges:
            indeg[e.dst] += 1
            outs[e.src].append(e.dst)
        ready = [v for v in range(n) if indeg[v] == 0][::-1]
        order = []
        while ready:
            v = ready.pop()
            order.append(v)
            for w in outs[v]:
                indeg[w] -= 1
                if indeg[w] == 0:
                    ready.append(w)
        return order

    # -- listening to backward -------------------------------------------------------------
    def _listen(self) -> None:
        """Node hooks that copy the gradients each edge carries; they hold the graph weakly
        and are removed when it is closed or collected."""
        ref = weakref.ref(self)
        by_dst: dict = {}
        for e in self.edges:
            if self.nodes[e.dst].kind == "op":
                by_dst.setdefault(e.dst, []).append(e)
        for gid, es in by_dst.items():
            fn = self.nodes[gid].fn()
            if fn is None:
                continue
            self._handles.append(fn.register_hook(_post_hook(ref, es)))
        for fn, nr, eid in self._root_edges:
            self._handles.append(fn.register_prehook(_pre_hook(ref, nr, eid)))
        weakref.finalize(self, _remove_all, self._handles)

    def close(self) -> None:
        """Stop listening to backward passes (done automatically when the graph is freed)."""
        _remove_all(self._handles)

    def __enter__(self) -> "Graph":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- queries ---------------------------------------------------------------------------
    def node(self, name: str) -> GNode:
        """The first node with this PyTorch name or variable label."""
        for n in self.nodes:
            if n.name == name or (n.label and n.label == name):
                return n
        raise KeyError(name)

    def inputs_of(self, nid: int) -> list:
        """Edges into node ``nid``, by input number."""
        return sorted((e for e in self.edges if e.dst == nid), key=lambda e: e.index)

    def leaf_grads(self) -> dict:
        """Label -> gradient that arrived at each leaf in the last recorded backward."""
        out = {}
        for e in self.edges:
            n = self.nodes[e.src]
            if n.kind == "leaf" and e.grad is not None:
                key = n.label or f"leaf {n.id}"
                out[key] = e.grad if key not in out else out[key] + e.grad
        return out

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"<ember.viz.Graph: {len(self.nodes)} nodes, {len(self.edges)} edges>"

    # -- renderers -------------------------------------------------------------------------
    def to_text(self) -> str:
        """An indented tree from each output down to the leaves (a node reached again is
        printed once and then referred to by its number)."""
        from .render import to_text
        return to_text(self)

    def to_dot(self) -> str:
        """Graphviz DOT source."""
        from .render import to_dot
        return to_dot(self)

    def to_svg(self, collapse: bool = True, expand=()) -> str:
        """An SVG picture, laid out by ember. ``collapse`` draws repeated module blocks (the
        layers of an ``nn.Sequential``) as one box each; ``expand`` names blocks to open."""
        from .render import to_svg
        return to_svg(self, collapse=collapse, expand=expand)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def save(self, path: str) -> str:
        """Write the picture; the file's suffix picks the form (.svg, .dot/.gv, .txt,
        .html for the interactive page)."""
        lower = path.lower()
        if lower.endswith(".html"):
            from .page import render_page
            text = render_page(self, [])
        elif lower.endswith((".dot", ".gv")):
            text = self.to_dot()
        elif lower.endswith(".txt"):
            text = self.to_text()
        else:
            text = self.to_svg()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def layout(self, nodes=None, edges=None):
        """The layered layout of the nodes and edges (by default all of them): a
        :class:`~ember.viz.layout.Layout` whose entries follow ``nodes``' order."""
        from .render import node_size
        nodes = self.nodes if nodes is None else nodes
        edges = self.edges if edges is None else edges
        index = {n.id: k for k, n in enumerate(nodes)}
        sizes = [node_size(n, self.show_saved) for n in nodes]
        return layered_layout(sizes, [(index[e.src], index[e.dst]) for e in edges])


def _common_prefix(paths: list) -> str:
    if not paths:
        return ""
    parts = [p.split(".") for p in paths]
    common = []
    for items in zip(*parts):
        if all(x == items[0] for x in items):
            common.append(items[0])
        else:
            break
    return ".".join(common)


def _remove_all(handles: list) -> None:
    for h in handles:
        h.remove()
    handles.clear()


def _post_hook(ref, edges: list):
    def hook(grad_inputs, grad_outputs):
        g = ref()
        if g is not None:
            for e in edges:
                if e.index < len(grad_inputs):
                    e.grad = _array(grad_inputs[e.index])
                    if e.shape is None and e.grad is not None:
                        # no record of the forward value: its gradient has its shape and dtype
                        e.shape = e.grad.shape
                        e.dtype = grad_inputs[e.index].dtype
    return hook


def _pre_hook(ref, nr: int, eid: int):
    def hook(grad_outputs):
        g = ref()
        if g is not None and nr < len(grad_outputs):
            g.edges[eid].grad = _array(grad_outputs[nr])
    return hook


def graph(*roots, params=None, show_saved: bool = True, show_grads: bool = True) -> Graph:
    """The autograd graph behind ``roots`` as a :class:`Graph`.

    ``params`` names leaves (``dict(model.named_parameters())`` or ``{"x": x}``); leaves not
    named there take the names of the caller's local variables. With ``show_grads`` the graph
    records, during the next ``backward()`` through it, the gradient along every edge."""
    names = _caller_names(2)
    return Graph(roots, params=params, show_saved=show_saved, show_grads=show_grads,
                 names=names)
