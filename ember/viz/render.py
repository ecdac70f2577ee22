"""Text, DOT and SVG renderings of a :class:`~ember.viz.graph.Graph`."""
from __future__ import annotations

from html import escape

from .graph import GEdge, GNode, fmt_dtype, fmt_shape, fmt_values

__all__ = ["to_text", "to_dot", "to_svg", "node_size", "collapsed"]

CHAR_W = 7.2          # width of a 12px monospace character
LINE_H = 16.0
PAD_X = 10.0
PAD_Y = 7.0
MARGIN = 16.0
FILL = {"op": "#e8e8e8", "leaf": "#cfe3ff", "output": "#d5f5d5", "block": "#fff1c9"}
STROKE = {"op": "#555555", "leaf": "#2c5aa0", "output": "#2e7d32", "block": "#b8860b"}


def node_size(n: GNode, show_saved: bool) -> tuple:
    lines = n.lines(show_saved)
    w = max(len(s) for s in lines) * CHAR_W + 2 * PAD_X
    return (max(w, 60.0), len(lines) * LINE_H + 2 * PAD_Y)


# -- text -------------------------------------------------------------------------------------
def to_text(g) -> str:
    out = []
    ins = {}
    for e in g.edges:
        ins.setdefault(e.dst, []).append(e)
    shown = set()

    def head(n: GNode) -> str:
        if n.kind == "leaf":
            s = f"{n.label or '(leaf)'} {fmt_shape(n.shape)} {fmt_dtype(n.dtype)} AccumulateGrad"
        elif n.kind == "output":
            s = f"{n.label} {fmt_shape(n.shape)} {fmt_dtype(n.dtype)}"
        else:
            s = n.name
            if g.show_saved and n.saved:
                s += "  [" + "; ".join(f"{k}: {d}" for k, d, _ in n.saved) + "]"
        return f"#{n.id} {s}"

    # depth first with an explicit stack: a long chain must not hit the recursion limit
    for root in (n.id for n in g.nodes if n.kind == "output"):
        stack = [(root, "", None, True, True)]
        while stack:
            nid, prefix, edge, last, top = stack.pop()
            info = edge.label(g.show_grads) if edge is not None else ""
            info = f"  <- {info}" if info else ""
            branch = "" if top else ("`-- " if last else "|-- ")
            again = nid in shown
            out.append(prefix + branch + (f"#{nid} (see above)" if again else
                                          head(g.nodes[nid])) + info)
            if again:
                continue
            shown.add(nid)
            kids = sorted(ins.get(nid, []), key=lambda e: e.index)
            sub = prefix + ("" if top else ("    " if last else "|   "))
            for k in range(len(kids) - 1, -1, -1):
                stack.append((kids[k].src, sub, kids[k], k == len(kids) - 1, False))
    return "\n".join(out) + "\n"


# -- DOT --------------------------------------------------------------------------------------
def _dot_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(g) -> str:
    lines = ["digraph ember {", '  node [shape=box, style="rounded,filled", '
             'fontname="monospace", fontsize=10];', "  edge [fontname=monospace, fontsize=9];"]
    for n in g.nodes:
        label = "\\n".join(s.replace("\\", "\\\\").replace('"', '\\"')
                           for s in n.lines(g.show_saved))
        lines.append(f'  n{n.id} [label="{label}", fillcolor="{FILL[n.kind]}", '
                     f'color="{STROKE[n.kind]}"];')
    for e in g.edges:
        lines.append(f"  n{e.src} -> n{e.dst} [label={_dot_str(e.label(g.show_grads))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- collapsing repeated blocks ---------------------------------------------------------------
def _members(g, prefix: str) -> list:
    dotted = prefix + "."
    out = []
    for n in g.nodes:
        if n.kind == "op" and (n.group == prefix or n.group.startswith(dotted)):
            out.append(n.id)
        elif n.kind == "leaf" and n.label.startswith(dotted):
            out.append(n.id)
    return out


def _signature(g, prefix: str, members: list) -> tuple:
    cut = len(prefix)
    return tuple(sorted((g.nodes[v].name, g.nodes[v].group[cut:] if g.nodes[v].kind == "op"
                         else g.nodes[v].label[cut:]) for v in members))


def repeated_blocks(g) -> dict:
    """Module paths whose nodes repeat a sibling's exactly (``layers.0``, ``layers.1``, ...),
    shallowest first: path -> member node ids."""
    paths = set()
    for n in g.nodes:
        if n.kind == "op" and n.group:
            parts = n.group.split(".")
            for k in range(1, len(parts) + 1):
                paths.add(".".join(parts[:k]))
    by_parent: dict = {}
    for p in paths:
        parent = p.rsplit(".", 1)[0] if "." in p else ""
        by_parent.setdefault(parent, []).append(p)
    members = {p: _members(g, p) for p in paths}
    sigs = {p: _signature(g, p, members[p]) for p in paths}
    chosen = {}
    for p in sorted(paths, key=lambda s: (s.count("."), s)):
        if any(p.startswith(c + ".") for c in chosen) or len(members[p]) < 2:
            continue
        parent = p.rsplit(".", 1)[0] if "." in p else ""
        if any(q != p and sigs[q] == sigs[p] for q in by_parent[parent]):
            chosen[p] = members[p]
    return chosen


def collapsed(g, expand=()) -> tuple:
    """Nodes and edges with each repeated block (not named in ``expand``) replaced by one
    box node (kind "block"); returns (nodes, edges, blocks: box id -> member ids)."""
    blocks = {p: m for p, m in repeated_blocks(g).items() if p not in set(expand)}
    if not blocks:
        return g.nodes, g.edges, {}
    owner = {}
    boxes = []
    members_of = {}
    next_id = len(g.nodes)
    for p, mem in sorted(blocks.items()):
        box = GNode(next_id, "block", "block", p)
        next_id += 1
        names = []
        for v in mem:
            owner[v] = box.id
            if g.nodes[v].kind == "op" and g.nodes[v].name not in names:
                names.append(g.nodes[v].name)
        box.saved = [(f"{len(mem)} nodes", ", ".join(names[:3]) + (", ..." if len(names) > 3
                                                                  else ""), None)]
        boxes.append(box)
        members_of[box.id] = mem
    nodes = [n for n in g.nodes if n.id not in owner] + boxes
    edges = []
    seen = set()
    for e in g.edges:
        s, d = owner.get(e.src, e.src), owner.get(e.dst, e.dst)
        if s == d or (s, d) in seen:
            continue
        seen.add((s, d))
        ne = GEdge(e.id, s, d, e.index, e.shape, e.dtype)
        ne.grad = e.grad
        edges.append(ne)
    return nodes, edges, members_of


# -- SVG --------------------------------------------------------------------------------------
def _path_d(pts: list) -> str:
    x0, y0 = pts[0]
    d = [f"M{x0:.1f},{y0:.1f}"]
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        dy = (by - ay) / 2
        d.append(f"C{ax:.1f},{ay + dy:.1f} {bx:.1f},{by - dy:.1f} {bx:.1f},{by:.1f}")
    return " ".join(d)


def _title(g, n: GNode) -> str:
    rows = [" ".join(n.lines(True)[:1])]
    if n.kind == "leaf" and n.value is not None:
        rows.append("value = " + fmt_values(n.value, 16))
    for k, d, vals in n.saved:
        rows.append(f"{k}: {d}" + ("" if vals is None else " = " + fmt_values(vals, 16)))
    return "\n".join(rows)


def svg_parts(g, nodes, edges, blocks: dict, lay, pre: str = "", arrow: str = "arrow") -> tuple:
    """The SVG elements (nodes, edges) for nodes/edges laid out as ``lay``."""
    node_svg = []
    for k, n in enumerate(nodes):
        x, y = lay.xy[k]
        w, h = lay.size[k]
        x += MARGIN
        y += MARGIN
        lines = n.lines(g.show_saved)
        extra = ""
        if n.kind == "block":
            extra = f' data-members="{",".join(str(v) for v in blocks[n.id])}"'
        label = n.label if n.kind != "op" else ""
        tspans = []
        for i, s in enumerate(lines):
            ty = y - h / 2 + PAD_Y + LINE_H * (i + 0.75)
            weight = ' font-weight="bold"' if i == 0 else ""
            tspans.append(f'<tspan x="{x:.1f}" y="{ty:.1f}"{weight}>{escape(s)}</tspan>')
        node_svg.append(
            f'<g class="node {n.kind}" id="{pre}node-{n.id}" data-gid="{n.id}" '
            f'data-name="{escape(n.name)}" data-label="{escape(label)}"{extra}>'
            f"<title>{escape(_title(g, n))}</title>"
            f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'rx="6" fill="{FILL[n.kind]}" stroke="{STROKE[n.kind]}"/>'
            f'<text text-anchor="middle">{"".join(tspans)}</text></g>')
    edge_svg = []
    for j, e in enumerate(edges):
        pts = [(px + MARGIN, py + MARGIN) for px, py in lay.paths[j]]
        a, b = pts[-2], pts[-1]
        # the label sits 70% along the last piece of the S-shaped curve (edges leaving one
        # node have spread apart there), on the side the curve has turned away from
        dx = b[0] - a[0]
        left = dx > 2
        mx = a[0] + 0.784 * dx + (-4 if left else 4)
        my = a[1] + 0.65 * (b[1] - a[1])
        anchor = ' text-anchor="end"' if left else ""
        meta = "" if e.shape is None else f"{fmt_shape(e.shape)} {fmt_dtype(e.dtype)}"
        grad = fmt_values(e.grad, 3) if (g.show_grads and e.grad is not None) else ""
        edge_svg.append(
            f'<g class="edge" id="{pre}edge-{e.id}" data-eid="{e.id}" data-src="{e.src}" '
            f'data-dst="{e.dst}"><path d="{_path_d(pts)}" fill="none" stroke="#777" '
            f'marker-end="url(#{arrow})"/>'
            f'<text class="meta" x="{mx:.1f}" y="{my - 2:.1f}"{anchor}>{escape(meta)}</text>'
            f'<text class="grad" x="{mx:.1f}" y="{my + 10:.1f}"{anchor}>'
            f'{escape("grad " + grad) if grad else ""}</text></g>')
    return node_svg, edge_svg


STYLE = ("text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;"
         "fill:#222}.edge text{font-size:10px}.edge text.meta{fill:#666}"
         ".edge text.grad{fill:#c0392b}.node.current rect{stroke:#e67e22;stroke-width:3}"
         ".edge.current path{stroke:#e67e22;stroke-width:2.5}.node.block{cursor:pointer}")


def to_svg(g, collapse: bool = True, expand=(), svg_id: str = "") -> str:
    nodes, edges, blocks = collapsed(g, expand) if collapse else (g.nodes, g.edges, {})
    lay = g.layout(nodes, edges)
    pre = f"{svg_id}-" if svg_id else ""
    arrow = f"{pre}arrow"
    node_svg, edge_svg = svg_parts(g, nodes, edges, blocks, lay, pre, arrow)
    w = lay.width + 2 * MARGIN
    h = lay.height + 2 * MARGIN
    ident = f' id="{svg_id}"' if svg_id else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg"{ident} width="{w:.0f}" height="{h:.0f}" '
            f'viewBox="0 0 {w:.1f} {h:.1f}" class="ember-graph">'
            f"<style>{STYLE}</style>"
            f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            'fill="#777"/></marker></defs>'
            f'<rect width="100%" height="100%" fill="white"/>'
            + "".join(edge_svg) + "".join(node_svg) + "</svg>\n")
