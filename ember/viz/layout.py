"""A layered (Sugiyama-style) layout of a directed acyclic graph, in plain Python.

Steps: put every node on a layer (longest path from the sinks, so each node sits just above
its nearest consumer), break edges that skip layers into chains of invisible points, order
each layer to cut crossings (barycentre sweeps), then give x coordinates that pull each node
towards its neighbours without overlaps. Good enough for a few hundred nodes in well under a
second, and it needs nothing but the standard library.
"""
from __future__ import annotations

__all__ = ["Layout", "layered_layout"]

LAYER_GAP = 64.0      # vertical space between layers (room for the edge labels)
NODE_GAP = 24.0       # horizontal space between neighbours
DUMMY_WIDTH = 12.0    # the width an edge's bend point takes in its layer
SWEEPS = 8            # ordering sweeps (each one down and one up)
PROMOTE_PASSES = 4    # rounds of moving nodes up to shorten edges
PROMOTE_LIMIT = 64    # largest group of nodes moved together in one promotion


class Layout:
    """Positions: node centres ``xy[i]``, sizes ``size[i]`` and, per edge, its polyline."""

    __slots__ = ("xy", "size", "paths", "width", "height")

    def __init__(self, xy: list, size: list, paths: list, width: float, height: float):
        self.xy = xy
        self.size = size
        self.paths = paths
        self.width = width
        self.height = height


def _layers(n: int, edges: list) -> list:
    """Layer of each node: 0 for the sinks (the graph's outputs), otherwise one more than the
    deepest consumer, so sources appear on top and an output on the bottom."""
    outs = [[] for _ in range(n)]
    indeg = [0] * n     # counts consumers still unplaced
    for s, d in edges:
        outs[s].append(d)
        indeg[s] += 1
    ins = [[] for _ in range(n)]
    for s, d in edges:
        ins[d].append(s)
    rank = [0] * n
    ready = [i for i in range(n) if indeg[i] == 0]
    seen = 0
    while ready:
        v = ready.pop()
        seen += 1
        for u in ins[v]:
            if rank[v] + 1 > rank[u]:
                rank[u] = rank[v] + 1
            indeg[u] -= 1
            if indeg[u] == 0:
                ready.append(u)
    if seen != n:
        raise ValueError("the graph has a cycle; a layered layout needs a DAG")
    _promote(rank, ins, outs)
    return rank


def _promote(rank: list, ins: list, outs: list) -> None:
    """Shorten edges by moving nodes up (Nikolov and Tarassov's promotion): lifting a node one
    layer lifts the producers right above it too, and is kept when the edges leaving the
    lifted set get shorter in total than the edges entering it get longer. This pulls up a
    side chain that the longest-path layering left hanging at the bottom (a running sum of
    per-step losses, say), instead of drawing long edges down to it."""
    for _ in range(PROMOTE_PASSES):
        improved = False
        # upper nodes first, each lifted as far as it pays, so a chain rises in one pass
        for v in sorted(range(len(rank)), key=rank.__getitem__, reverse=True):
            while ins[v]:
                # the set that must move with v, abandoned if it grows past PROMOTE_LIMIT
                moved = {v}
                stack = [v]
                gain = 0
                while stack and len(moved) <= PROMOTE_LIMIT:
                    w = stack.pop()
                    gain += len(outs[w]) - len(ins[w])
                    for u in ins[w]:
                        if rank[u] == rank[w] + 1 and u not in moved:
                            moved.add(u)
                            stack.append(u)
                if stack or gain >= 0:
                    break
                for w in moved:
                    rank[w] += 1
                improved = True
        if not improved:
            break


def _order(layers: list, up: dict, down: dict, pos: dict) -> None:
    """Barycentre sweeps: each item moves to the mean position of its neighbours in the layer
    just swept (the items keep their relative order on ties, which keeps the result stable)."""
    def sweep(seq, nbrs):
        for layer in seq:
            keyed = []
            for k, v in enumerate(layer):
                ns = nbrs[v]
                bary = sum(pos[u] for u in ns) / len(ns) if ns else pos[v]
                keyed.append((bary, k, v))
            keyed.sort()
            for k, (_, _, v) in enumerate(keyed):
                layer[k] = v
                pos[v] = k
    rev = layers[::-1]
    for _ in range(SWEEPS):
        sweep(layers[1:], down)   # layer 0 is the bottom; its neighbours below are none
        sweep(rev[1:], up)


def _place(layers: list, width: dict, up: dict, down: dict) -> dict:
    """x coordinates: pack each layer, then repeatedly move items towards their neighbours'
    mean, keeping the layer's order and gaps (a left and a right pass settle overlaps)."""
    x = {}
    for layer in layers:
        cur = 0.0
        for v in layer:
            x[v] = cur + width[v] / 2
            cur += width[v] + NODE_GAP
        shift = cur / 2
        for v in layer:
            x[v] -= shift
    order = layers + layers[::-1]
    for it in range(6):
        for layer in order:
            want = {}
            for v in layer:
                ns = up[v] + down[v]
                want[v] = sum(x[u] for u in ns) / len(ns) if ns else x[v]
            # left pass keeps the minimum gap, right pass pulls back; the mean of both is
            # a cheap compromise that stays ordered
            left = []
            prev = None
            for v in layer:
                p = want[v] if prev is None else max(
                    want[v], left[-1] + (width[prev] + width[v]) / 2 + NODE_GAP)
                left.append(p)
                prev = v
            right = [0.0] * len(layer)
            nxt = None
            for k in range(len(layer) - 1, -1, -1):
                v = layer[k]
                right[k] = want[v] if nxt is None else min(
                    want[v], right[k + 1] - (width[nxt] + width[v]) / 2 - NODE_GAP)
                nxt = v
            for k, v in enumerate(layer):
                x[v] = (left[k] + right[k]) / 2
            # the mean can still overlap where both passes moved a lot: one packing pass
            for k in range(1, len(layer)):
                a, b = layer[k - 1], layer[k]
                lo = x[a] + (width[a] + width[b]) / 2 + NODE_GAP
                if x[b] < lo:
                    x[b] = lo
    return x


def layered_layout(sizes: list, edges: list) -> Layout:
    """Lay out ``len(sizes)`` nodes of sizes ``(w, h)`` with directed ``edges`` ``(src, dst)``
    (sources drawn on top). Returns a :class:`Layout` whose ``paths[j]`` is the list of points
    edge ``j`` passes through, from the bottom of its source to the top of its target."""
    n = len(sizes)
    rank = _layers(n, edges)
    depth = max(rank, default=0)
    # chains of dummy points (ids n, n+1, ...) for the edges that span several layers
    width = {i: sizes[i][0] for i in range(n)}
    lay_of = dict(enumerate(rank))
    up = {i: [] for i in range(n)}
    down = {i: [] for i in range(n)}
    chains = []
    nxt_id = n
    for s, d in edges:
        chain = [s]
        for r in range(rank[s] - 1, rank[d], -1):
            v = nxt_id
            nxt_id += 1
            width[v] = DUMMY_WIDTH
            lay_of[v] = r
            up[v] = []
            down[v] = []
            chain.append(v)
        chain.append(d)
        for a, b in zip(chain, chain[1:]):
            down[a].append(b)
            up[b].append(a)
        chains.append(chain)
    # initial order: depth-first from the sinks, which keeps the inputs of a node together
    layers = [[] for _ in range(depth + 1)]
    seen = set()
    roots = [v for v in range(n) if not down[v]]
    stack = roots[::-1]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        layers[depth - lay_of[v]].append(v)
        stack.extend(up[v][::-1])
    for v in range(nxt_id):
        if v not in seen:
            layers[depth - lay_of[v]].append(v)
    pos = {}
    for layer in layers:
        for k, v in enumerate(layer):
            pos[v] = k
    # layers[0] is the top (sources); _order sweeps from the bottom with "down" neighbours
    bottom_up = layers[::-1]
    _order(bottom_up, up, down, pos)
    x = _place(layers, width, up, down)
    # y: each layer as tall as its tallest node
    heights = [max((sizes[v][1] for v in layer if v < n), default=0.0) for layer in layers]
    ys = []
    cur = 0.0
    for h in heights:
        ys.append(cur + h / 2)
        cur += h + LAYER_GAP
    total_h = cur - LAYER_GAP
    y_of = {}
    for k, layer in enumerate(layers):
        for v in layer:
            y_of[v] = ys[k]
    lo = min((x[v] - width[v] / 2 for v in x), default=0.0)
    hi = max((x[v] + width[v] / 2 for v in x), default=0.0)
    xy = [(x[i] - lo, y_of[i]) for i in range(n)]
    paths = []
    for chain in chains:
        s, d = chain[0], chain[-1]
        pts = [(x[s] - lo, y_of[s] + sizes[s][1] / 2)]
        pts += [(x[v] - lo, y_of[v]) for v in chain[1:-1]]
        pts.append((x[d] - lo, y_of[d] - sizes[d][1] / 2))
        paths.append(pts)
    return Layout(xy, [tuple(s) for s in sizes], paths, hi - lo, total_h)
