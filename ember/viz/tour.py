"""``ember tour``: the lessons ember comes from, in the terminal.

Each lesson shows its code, runs it, explains the output and writes its pictures (graphs,
plots) to a folder it names. The code of every lesson is plain PyTorch: ``torch`` in it is
ember here, and the tests run the same code under PyTorch and compare what it prints.
The pictures are made afterwards by a separate, ember-only step (``ember.viz`` for graphs,
matplotlib for plots, when installed).
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import textwrap

__all__ = ["Lesson", "LESSONS", "run_lesson", "run_lessons", "lesson_namespace"]


class Lesson:
    """One lesson: PyTorch code to show and run, words about its output, and an optional
    ``pictures(namespace, out_dir) -> [paths]`` run after the code."""

    __slots__ = ("name", "title", "code", "explain", "pictures")

    def __init__(self, name: str, title: str, code: str, explain: str, pictures=None):
        self.name = name
        self.title = title
        self.code = textwrap.dedent(code).strip() + "\n"
        self.explain = textwrap.dedent(explain).strip()
        self.pictures = pictures


def lesson_namespace(torch_module, out_dir: str) -> dict:
    """The globals a lesson's code runs in: ``torch``, ``nn``, ``np``, ``math`` and ``OUT``
    (the folder for files it saves)."""
    import math

    import numpy as np
    return {"__name__": "__lesson__", "torch": torch_module, "nn": torch_module.nn, "np": np,
            "math": math, "OUT": out_dir}


def execute(lesson: Lesson, torch_module, out_dir: str) -> tuple:
    """Run the lesson's code with ``torch_module`` as ``torch``: (printed text, namespace)."""
    ns = lesson_namespace(torch_module, out_dir)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(lesson.code, f"<lesson {lesson.name}>", "exec"), ns)
    return buf.getvalue(), ns


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend, or None when not installed."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _rule(text: str, ch: str = "-") -> str:
    return f"{ch * 3} {text} " + ch * max(3, 76 - len(text))


def run_lesson(lesson: Lesson, index: int, total: int, out_dir: str, file=None) -> list:
    """Show, run and explain one lesson; returns the picture paths it wrote."""
    import ember
    out = file if file is not None else sys.stdout
    os.makedirs(out_dir, exist_ok=True)
    print(_rule(f"Lesson {index}/{total}: {lesson.name} - {lesson.title}", "="), file=out)
    print(textwrap.indent(lesson.code, "    "), file=out)
    printed, ns = execute(lesson, ember, out_dir)
    print(_rule("output"), file=out)
    print(printed.rstrip("\n"), file=out)
    print(_rule("what it shows"), file=out)
    print(lesson.explain, file=out)
    paths = []
    if lesson.pictures is not None:
        extra = io.StringIO()
        with contextlib.redirect_stdout(extra):
            paths = lesson.pictures(ns, out_dir) or []
        if extra.getvalue():
            print(_rule("inside"), file=out)
            print(extra.getvalue().rstrip("\n"), file=out)
        for p in paths:
            print(f"picture: {p}", file=out)
    print(file=out)
    return paths


def run_lessons(names=None, out_dir: str = "ember_tour", file=None,
                pause: bool = False) -> dict:
    """Run the named lessons (all by default) in order; returns name -> picture paths.
    ``pause`` waits for Enter before each lesson after the first (when reading a terminal)."""
    chosen = [lesson for lesson in LESSONS if names is None or lesson.name in names]
    out = file if file is not None else sys.stdout
    print(f"ember tour: {len(chosen)} lesson(s); pictures go to {os.path.abspath(out_dir)}",
          file=out)
    print(file=out)
    result = {}
    for k, lesson in enumerate(chosen, 1):
        if pause and k > 1 and sys.stdin.isatty():
            input(f"[Enter] for lesson {k}/{len(chosen)}: {lesson.name} ")
        result[lesson.name] = run_lesson(lesson, k, len(chosen), out_dir, out)
    return result


# -- the pictures each lesson makes ----------------------------------------------------------
def _graph_pictures(ns: dict, out_dir: str) -> list:
    """The lesson's graph, drawn with its gradients, and its backward pass in words."""
    import ember
    from . import explain_backward, graph, page
    x = ember.tensor(3.0)
    w = ember.tensor(2.0, requires_grad=True)
    b = ember.tensor(1.0, requires_grad=True)
    a = ember.relu(x * w + b)
    g = graph(a, params={"x": x, "w": w, "b": b, "a": a})
    explain_backward(a, params={"x": x, "w": w, "b": b})
    svg = g.save(os.path.join(out_dir, "graph_relu_wx_b.svg"))
    print(g.to_text().rstrip())
    a = ember.relu(x * w + b)
    html = page(a, os.path.join(out_dir, "graph_relu_wx_b.html"),
                params={"x": x, "w": w, "b": b, "a": a})
    return [svg, html]


def _relu_grad_plot(ns: dict, out_dir: str) -> list:
    import ember
    plt = _pyplot()
    if plt is None:
        print("(matplotlib is not installed: pip install 'ember[examples]' for the plot)")
        return []
    x = ember.linspace(-3, 3, 601, requires_grad=True)
    ember.relu(x).sum().backward()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(x.detach().numpy(), ember.relu(x).detach().numpy(), label="relu(x)")
    ax.plot(x.detach().numpy(), x.grad.numpy(), "--", label="d relu / dx")
    ax.axvline(0, color="#999", lw=0.5)
    ax.set_xlabel("x")
    ax.legend()
    ax.set_title("ReLU and its gradient (0 at x = 0, as in PyTorch)")
    fig.tight_layout()
    path = os.path.join(out_dir, "relu_gradient.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [path]


def _inplace_pictures(ns: dict, out_dir: str) -> list:
    import ember
    from . import graph
    paths = []
    for inplace in (False, True):
        x = ember.tensor([1.0, -2.0, 3.0], requires_grad=True)
        mid = x * 2
        out = ember.nn.ReLU(inplace=inplace)(mid)
        g = graph(out, params={"x": x, "out": out})
        name = f"graph_relu_inplace_{inplace}.svg"
        paths.append(g.save(os.path.join(out_dir, name)))
        chain = " <- ".join(g.nodes[v].name for v in g.topo_order()[::-1][1:])
        print(f"inplace={inplace}: out's graph {chain}; mid.grad_fn is out.grad_fn: "
              f"{mid.grad_fn is out.grad_fn}")
    return paths


def _rectifier_plot(ns: dict, out_dir: str) -> list:
    plt = _pyplot()
    if plt is None:
        print("(matplotlib is not installed: pip install 'ember[examples]' for the plot)")
        return []
    t, s, half, full = (ns[k].numpy() for k in ("t", "s", "half", "full"))
    fig, axes = plt.subplots(3, 1, figsize=(6, 6), sharex=True)
    for ax, y, title in ((axes[0], s, "input: sin(t)"),
                         (axes[1], half, "half-wave: relu(s)"),
                         (axes[2], full, "full-wave: relu(s) + relu(-s)")):
        ax.plot(t, y)
        ax.axhline(0, color="#999", lw=0.5)
        ax.set_title(title)
    axes[2].set_xlabel("t")
    fig.tight_layout()
    path = os.path.join(out_dir, "relu_rectifier.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [path]


def _linreg_plot(ns: dict, out_dir: str) -> list:
    plt = _pyplot()
    if plt is None:
        print("(matplotlib is not installed: pip install 'ember[examples]' for the plot)")
        return []
    losses = ns["losses"]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    axes[0].plot(losses)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("epoch")
    axes[0].set_title("training loss (MSE)")
    import ember
    with ember.no_grad():
        pred = ns["model"](ns["x_test"]).numpy()
    y = ns["y_test"].numpy()
    axes[1].scatter(y, pred, s=10)
    axes[1].plot([y.min(), y.max()], [y.min(), y.max()], "r--", lw=1)
    axes[1].set_xlabel("true y")
    axes[1].set_ylabel("predicted y")
    axes[1].set_title("test set")
    fig.tight_layout()
    path = os.path.join(out_dir, "linear_regression.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [path]


# -- the lessons -------------------------------------------------------------------------------
LESSONS = [
    Lesson("tensor", "a tensor's attributes", """
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        print("data:", x.data)
        print("dtype:", x.dtype, " shape:", x.shape, " device:", x.device)
        print("requires_grad:", x.requires_grad, " grad:", x.grad, " grad_fn:", x.grad_fn)
        print("is_leaf:", x.is_leaf)
        y = x * 2
        print("y.grad_fn:", y.grad_fn.name(), " y.is_leaf:", y.is_leaf,
              " y.requires_grad:", y.requires_grad)
        """, """
        A tensor carries its values (data), their type (dtype), its size (shape) and where it
        lives (device). requires_grad=True asks autograd to track it: x is a leaf (made by
        you, not by an op), so it has no grad_fn, and its grad stays None until a backward
        pass fills it. y = x * 2 is made by an op: it is not a leaf, and its grad_fn
        (MulBackward0) is the node that will send y's gradient back to x.
        """),
    Lesson("backward", "backward() and retain_grad()", """
        x = torch.tensor(3.0, requires_grad=True)
        y = x * x
        y.backward()
        print("d(x*x)/dx at x=3:", x.grad)

        x = torch.tensor(1.0, requires_grad=True)
        y = torch.tensor(1.0, requires_grad=True)
        f = x.pow(2) + torch.tensor(2.0) * y.pow(2) + x * y
        f.backward()
        print("df/dx:", x.grad, " df/dy:", y.grad)

        w = torch.tensor(2.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        u = w * 3.0
        u.retain_grad()
        v = u + b
        v.backward()
        print("w.grad:", w.grad, " b.grad:", b.grad, " u.grad (retained):", u.grad)
        v = w * 3.0 + b
        v.backward()
        print("after a second backward, w.grad accumulates:", w.grad)
        """, """
        backward() applies the chain rule from the output back to the leaves and adds each
        leaf's gradient into its .grad: d(x*x)/dx = 2x = 6, and for
        f = x^2 + 2y^2 + xy, df/dx = 2x + y = 3 and df/dy = 4y + x = 5. Gradients of
        intermediate tensors (u) are dropped to save memory unless you ask with
        retain_grad(). A second backward adds to .grad (3 + 3 = 6): call zero_grad() (or
        set .grad = None) between steps.
        """),
    Lesson("graph", "the graph and its node names", """
        x = torch.tensor(3.0)
        w = torch.tensor(2.0, requires_grad=True)
        b = torch.tensor(1.0, requires_grad=True)
        u = x * w
        v = u + b
        a = torch.relu(v)

        def walk(fn, depth=0):
            print("    " * depth + fn.name())
            for next_fn, _ in fn.next_functions:
                if next_fn is not None:
                    walk(next_fn, depth + 1)

        walk(a.grad_fn)
        a.backward()
        print("w.grad:", w.grad, " b.grad:", b.grad)
        """, """
        Every op on tensors that require grad records a node named after its backward
        function: ReluBackward0 for relu, AddBackward0 for +, MulBackward0 for *. Each node's
        next_functions point to the nodes of its inputs; a leaf that requires grad ends in an
        AccumulateGrad node, which adds the gradient into .grad. x does not require grad, so
        MulBackward0 has no edge to it. Backward walks this graph from a to the leaves:
        da/dw = x = 3 (v > 0, so relu passes the gradient through) and da/db = 1. The picture
        and the page show the same graph with the gradient on each edge.
        """, _graph_pictures),
    Lesson("relu-grad", "ReLU's gradient at x > 0, x = 0 and x < 0", """
        for value in (2.0, 0.0, -2.0):
            x = torch.tensor(value, requires_grad=True)
            y = torch.relu(x)
            y.backward()
            print(f"x = {value:+.1f}: relu(x) = {y.item():.1f}, d relu/dx = {x.grad.item():.1f}")

        torch.manual_seed(12)
        for case in ("wx > 0", "wx = 0", "wx < 0"):
            x = torch.ones([4, 3]) * {"wx > 0": 1.0, "wx = 0": 0.0, "wx < 0": -1.0}[case]
            y = torch.rand([4, 1])
            w = nn.Parameter(torch.ones([3, 1]))
            pred = nn.ReLU()(torch.mm(x, w))
            torch.mean(pred - y).backward()
            print(f"{case}: w.grad = {w.grad.flatten().tolist()}")
        """, """
        ReLU is max(x, 0): its slope is 1 where x > 0 and 0 where x < 0. At x = 0 it has no
        derivative; PyTorch (and ember) use 0 there. So a layer whose pre-activation wx is
        never positive gets no gradient at all (a "dead" ReLU): w.grad is 0 in the last two
        cases, and 1/4 * x summed over the batch = 1 when wx > 0.
        """, _relu_grad_plot),
    Lesson("inplace", "nn.ReLU(inplace=True) and the graph", """
        for inplace in (False, True):
            np.random.seed(1)
            W = torch.tensor(np.random.randn(7, 3), dtype=torch.float32, requires_grad=True)
            inp = torch.tensor(np.random.randn(1, 7), dtype=torch.float32)
            mid = torch.mm(inp, W)
            out = nn.ReLU(inplace=inplace)(mid)
            print(f"inplace={inplace}: out is mid: {out is mid}, mid.grad_fn: "
                  f"{mid.grad_fn.name()}, mid._version: {mid._version}")
            torch.sum(out).backward()
            print("    W.grad summed over rows:", W.grad.sum(dim=0))

        x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        a = x.exp()
        torch.relu_(a)
        try:
            a.sum().backward()
        except RuntimeError as e:
            print("RuntimeError:", str(e)[:120])
        """, """
        inplace=True writes relu's result into mid itself instead of a new tensor: it saves
        memory, and the gradient is the same. But the graph changes: mid's grad_fn is now
        ReluBackward0 and its version counter went up. Autograd checks those versions: exp
        saved its result for backward (d exp(x)/dx = exp(x)), so overwriting that result in
        place makes backward refuse with the error above. In-place is safe only on tensors
        no backward formula still needs.
        """, _inplace_pictures),
    Lesson("numpy-relu", "ReLU in NumPy checked against nn.ReLU", """
        def relu_forward(x):
            return np.maximum(x, 0)

        def relu_backward(x, grad_out):
            return grad_out * (x > 0)

        np.random.seed(0)
        x_np = np.random.randn(4, 5).astype(np.float32)
        g_np = np.random.randn(4, 5).astype(np.float32)
        x = torch.tensor(x_np, requires_grad=True)
        y = nn.ReLU()(x)
        y.backward(torch.tensor(g_np))
        print("forward equal:", np.array_equal(relu_forward(x_np), y.detach().numpy()))
        print("backward equal:", np.array_equal(relu_backward(x_np, g_np), x.grad.numpy()))
        print("negative inputs:", int((x_np < 0).sum()), " zero gradients:",
              int((x.grad == 0).sum().item()))
        """, """
        A layer is two functions: forward computes the output, backward turns the gradient of
        the output (grad_out) into the gradient of the input. For ReLU the backward is a
        mask: grad_out where x > 0, else 0. The hand-written NumPy pair gives exactly the
        same numbers as nn.ReLU's forward and autograd's backward, and every negative input
        gets a zero gradient.
        """),
    Lesson("rectifier", "ReLU as a rectifier: half and full waves", """
        t = torch.linspace(0, 4 * math.pi, 801)
        s = torch.sin(t)
        half = torch.relu(s)
        full = torch.relu(s) + torch.relu(-s)
        print(f"half-wave mean {half.mean().item():.4f} (1/pi = {1 / math.pi:.4f})")
        print(f"full-wave mean {full.mean().item():.4f} (2/pi = {2 / math.pi:.4f})")
        print("full wave equals |sin t|:", torch.allclose(full, s.abs()))
        dc = sum(torch.relu(torch.sin(t + k * math.pi / 4)) for k in range(8))
        print(f"8 phase-shifted half waves: mean {dc.mean().item():.4f}, "
              f"ripple {(dc.max() - dc.min()).item():.4f}")
        """, """
        A diode lets current through one way only: relu does the same to a signal. relu(s)
        keeps the positive half of a sine (a half-wave rectifier, mean 1/pi), and
        relu(s) + relu(-s) flips the negative half up (a full-wave rectifier, |sin t|, mean
        2/pi). Summing eight half waves shifted by 45 degrees gives a nearly flat (DC) signal
        with a small ripple, as a polyphase rectifier does. The plot shows the waveforms.
        """, _rectifier_plot),
    Lesson("linreg", "linear regression: nn.Module, SGD, MSELoss, save and reload", """
        class LinearRegression(nn.Module):
            def __init__(self, in_dim):
                super().__init__()
                self.linear = nn.Linear(in_dim, 1)

            def forward(self, x):
                return self.linear(x)

        torch.manual_seed(0)
        w_true = torch.tensor([[1.5], [-0.5], [2.0]])
        x_train = torch.randn(200, 3)
        y_train = x_train.mm(w_true) + 1.0 + 0.1 * torch.randn(200, 1)
        x_test = torch.randn(50, 3)
        y_test = x_test.mm(w_true) + 1.0 + 0.1 * torch.randn(50, 1)

        model = LinearRegression(3)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        loss_fn = nn.MSELoss()
        losses = []
        for epoch in range(300):
            loss = loss_fn(model(x_train), y_train)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if epoch % 100 == 0:
                print(f"epoch {epoch}: loss {loss.item():.4f}")
        print("learned w:", model.linear.weight.detach().flatten(), " b:",
              model.linear.bias.detach())
        with torch.no_grad():
            print(f"test loss: {loss_fn(model(x_test), y_test).item():.4f}")

        path = OUT + "/linear_regression.pth"
        torch.save(model.state_dict(), path)
        reloaded = LinearRegression(3)
        reloaded.load_state_dict(torch.load(path))
        with torch.no_grad():
            print(f"reloaded test loss: {loss_fn(reloaded(x_test), y_test).item():.4f}")
        """, """
        The whole training loop in five lines: the model's forward pass, the loss, zero the
        old gradients, backward, and one SGD step (w -= lr * w.grad). The loss falls to the
        noise level (0.1^2 = 0.01) and the learned weights approach the true ones
        (1.5, -0.5, 2.0 and bias 1.0). state_dict() holds the parameters by name; saving it
        and loading it into a fresh model gives exactly the same test loss.
        """, _linreg_plot),
]
