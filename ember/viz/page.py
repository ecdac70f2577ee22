"""``page(loss, "graph.html")``: one self-contained HTML file (no network, no CDN) with the
graph and buttons that step through the forward pass, then the backward pass, highlighting
the current node and writing each gradient on its edge as it arrives."""
from __future__ import annotations

import html
import json

import numpy as np

from .graph import Graph, _caller_names
from .render import to_svg, repeated_blocks
from .steps import _run, explain_lines

__all__ = ["page", "render_page"]

FULL = 4096       # arrays up to this size go into the page whole; larger ones are cut


def _json_values(a):
    if a is None:
        return None
    a = np.asarray(a)
    if a.size > FULL:
        a = a.reshape(-1)[:FULL]
    if a.dtype.kind == "b":
        return a.tolist()
    # NaN and inf are not JSON: such an array goes flat, those values as strings
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        return [float(v) if np.isfinite(v) else str(v) for v in a.reshape(-1)]
    return a.tolist()


def _forward_order(g: Graph) -> list:
    return [v for v in g.topo_order() if g.nodes[v].kind == "op"]


def page_data(g: Graph, steps: list) -> dict:
    nodes = [{"id": n.id, "kind": n.kind, "name": n.name, "label": n.label,
              "saved": [f"{k}: {d}" for k, d, _ in n.saved]} for n in g.nodes]
    ins = {}
    for e in g.edges:
        ins.setdefault(e.dst, {})[e.index] = e.id
    lines = explain_lines(g, steps) if steps else []
    # the explanation lines of each step: a "step k:" line and its indented followers
    per_step = []
    for line in lines:
        if line.startswith("step "):
            per_step.append([line])
        elif per_step:
            per_step[-1].append(line.strip())
    out_steps = []
    root = [e for e in g.edges if g.nodes[e.dst].kind == "output"]
    for k, s in enumerate(steps):
        sent = []
        if k == 0:
            # the seed gradient along the root edge(s)
            for e in root:
                if e.src == s.gid and s.grad_outputs:
                    sent.append({"eid": e.id, "values": _json_values(s.grad_outputs[0])})
        for i, gi in enumerate(s.grad_inputs):
            eid = ins.get(s.gid, {}).get(i)
            if eid is not None and gi is not None:
                sent.append({"eid": eid, "values": _json_values(gi)})
        out_steps.append({
            "gid": s.gid, "name": s.name, "label": s.label,
            "received": [_json_values(x) for x in s.grad_outputs],
            "sent": sent,
            "leaf_grads": {k2: _json_values(v) for k2, v in s.leaf_grads.items()},
            "text": per_step[k] if k < len(per_step) else [],
        })
    leaves = [n.label or f"leaf#{n.id}" for n in g.nodes if n.kind == "leaf"]
    return {"nodes": nodes, "forward": _forward_order(g), "steps": out_steps,
            "leaves": leaves, "edges": [{"id": e.id, "src": e.src, "dst": e.dst}
                                        for e in g.edges]}


def render_page(g: Graph, steps: list, title: str = "ember: autograd graph") -> str:
    """The HTML text of the page for graph ``g`` and its recorded backward ``steps``."""
    shown = g.show_grads
    g.show_grads = False    # the page writes the gradients itself, step by step
    try:
        full = to_svg(g, collapse=False, svg_id="full-view")
        small = to_svg(g, collapse=True, svg_id="small-view") if repeated_blocks(g) else ""
    finally:
        g.show_grads = shown
    data = json.dumps(page_data(g, steps)).replace("</", "<\\/")
    text = _TEMPLATE.replace("%TITLE%", html.escape(title)).replace("%CSS%", _CSS)
    text = text.replace("%JS%", _JS).replace("%FULL%", full).replace("%SMALL%", small)
    return text.replace("%DATA%", data)


def page(loss, path: str = "graph.html", params=None, gradient=None, retain_graph=None,
         title: str = "ember: autograd graph") -> str:
    """Run ``loss.backward()`` and write the interactive page of its graph to ``path``.

    Leaves are named from ``params`` or the caller's variables, as in :func:`graph`."""
    g = Graph((loss,), params=params, names=_caller_names(2), show_grads=False)
    steps = list(_run(g, loss, gradient, retain_graph))
    text = render_page(g, steps, title)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


_CSS = """
body{font-family:system-ui,sans-serif;margin:0;display:flex;height:100vh}
#left{flex:1;overflow:auto;border-right:1px solid #ccc}
#right{width:420px;padding:10px;overflow:auto;font-size:14px}
button{margin:2px;padding:4px 10px}
#status{font-weight:bold;margin:8px 0}
#detail{font-family:monospace;white-space:pre-wrap;background:#f6f6f6;padding:6px;
min-height:4em;font-size:12px}
table{border-collapse:collapse;margin-top:8px;font-family:monospace;font-size:12px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
.hidden{display:none}
"""

_JS = r"""
(function(){
const D = JSON.parse(document.getElementById('ember-data').textContent);
const nF = D.forward.length, nB = D.steps.length, total = nF + nB;
let pos = 0;          // how many steps have been taken (0..total)
let view = document.getElementById('small-view') ? 'small' : 'full';
function fmt(v){
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const flat = v.flat(Infinity);
    if (flat.length > 6) return '[' + flat.slice(0, 6).map(fmt).join(', ') + ', ...]';
    return '[' + v.map(fmt).join(', ') + ']';
  }
  return String(v);
}
function svg(){ return document.getElementById(view + '-view'); }
function nodeEl(gid){
  const root = svg();
  let el = root.querySelector('[data-gid="' + gid + '"]');
  if (el) return el;
  for (const b of root.querySelectorAll('.node.block')) {
    if (b.dataset.members.split(',').includes(String(gid))) return b;
  }
  return null;
}
function edgeEls(eid){ return svg().querySelectorAll('[data-eid="' + eid + '"]'); }
function render(){
  for (const v of ['full', 'small']) {
    const el = document.getElementById(v + '-view');
    if (!el) continue;
    el.classList.toggle('hidden', v !== view);
    el.querySelectorAll('.current').forEach(e => e.classList.remove('current'));
    el.querySelectorAll('text.grad').forEach(e => { e.textContent = ''; });
  }
  let status = 'Ready: ' + nF + ' forward steps, ' + nB + ' backward steps.';
  let detail = [];
  let leaf = {};
  // gradients delivered so far, written on their edges
  for (let k = 0; k < Math.max(0, pos - nF); k++) {
    for (const s of D.steps[k].sent) {
      edgeEls(s.eid).forEach(e => {
        const t = e.querySelector('text.grad');
        if (t) t.textContent = 'grad ' + fmt(s.values);
        if (k === pos - nF - 1) e.classList.add('current');
      });
    }
    leaf = D.steps[k].leaf_grads;
  }
  if (pos >= 1 && pos <= nF) {
    const n = D.nodes[D.forward[pos - 1]];
    status = 'Forward ' + pos + '/' + nF + ': ' + n.name;
    detail = ['computes its output from its inputs and saves what backward needs:']
      .concat(n.saved.length ? n.saved : ['(nothing saved)']);
    const el = nodeEl(n.id); if (el) el.classList.add('current');
    for (const e of D.edges) {
      if (e.dst === n.id) edgeEls(e.id).forEach(x => x.classList.add('current'));
    }
  } else if (pos > nF) {
    const s = D.steps[pos - nF - 1];
    const who = s.label ? s.label + ' (AccumulateGrad)' : s.name;
    status = 'Backward ' + (pos - nF) + '/' + nB + ': ' + who;
    detail = s.text.length ? s.text : ['received ' + s.received.map(fmt).join(', ')];
    const el = nodeEl(s.gid); if (el) el.classList.add('current');
  }
  if (pos === total && total > 0) status += ' (done)';
  document.getElementById('status').textContent = status;
  document.getElementById('detail').textContent = detail.join('\n');
  const body = document.getElementById('leaf-grads');
  body.innerHTML = '';
  for (const name of D.leaves) {
    const tr = document.createElement('tr');
    tr.dataset.leaf = name;
    const a = document.createElement('td'); a.textContent = name;
    const b = document.createElement('td'); b.className = 'value';
    const v = leaf[name];
    b.dataset.values = JSON.stringify(v === undefined ? null : v);
    b.textContent = v === undefined ? '(none yet)' : fmt(v);
    tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
  }
  document.getElementById('pos').textContent = pos + '/' + total;
}
function go(p){ pos = Math.max(0, Math.min(total, p)); render(); }
document.getElementById('reset').onclick = () => go(0);
document.getElementById('prev').onclick = () => go(pos - 1);
document.getElementById('next').onclick = () => go(pos + 1);
document.getElementById('to-backward').onclick = () => go(nF);
document.getElementById('end').onclick = () => go(total);
const tog = document.getElementById('toggle');
if (document.getElementById('small-view')) {
  tog.onclick = () => { view = view === 'small' ? 'full' : 'small'; render(); };
  document.querySelectorAll('#small-view .node.block').forEach(b => {
    b.addEventListener('click', () => { view = 'full'; render(); });
  });
} else { tog.classList.add('hidden'); }
document.addEventListener('keydown', ev => {
  if (ev.key === 'ArrowRight') go(pos + 1);
  if (ev.key === 'ArrowLeft') go(pos - 1);
});
render();
})();
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%TITLE%</title>
<style>%CSS%</style></head>
<body>
<div id="left"><div id="small-wrap">%SMALL%</div><div id="full-wrap">%FULL%</div></div>
<div id="right">
<h3>%TITLE%</h3>
<div>
<button id="reset">reset</button><button id="prev">&#9664; back</button>
<button id="next">step &#9654;</button><button id="to-backward">to backward</button>
<button id="end">end</button><button id="toggle">open/close blocks</button>
<span id="pos"></span>
</div>
<div id="status"></div>
<div id="detail"></div>
<table><thead><tr><th>leaf</th><th>.grad so far</th></tr></thead>
<tbody id="leaf-grads"></tbody></table>
<p style="font-size:12px;color:#666">Arrows point the way values flow forward; gradients
flow back along them. Hover a node for its saved tensors. Keys: &larr; &rarr;.</p>
</div>
<script type="application/json" id="ember-data">%DATA%</script>
<script>%JS%</script>
</body></html>
"""
