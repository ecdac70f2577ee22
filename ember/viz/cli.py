"""The command line's "see inside" parts: ``ember run --graph OUT_DIR [--graph-every N]``
and ``ember tour``.

``--graph`` wraps ``Tensor.backward`` and ``torch.autograd.backward`` while the script runs:
the first call (and, with ``--graph-every N``, calls 1, N+1, 2N+1, ...) builds the graph
before the pass, runs the pass step by step and writes ``backward_0001.svg`` and
``backward_0001.html`` (the page) to OUT_DIR. The script itself runs unchanged and computes
the same numbers.
"""
from __future__ import annotations

import os
import sys

__all__ = ["GraphOptions", "graph_options", "tour_main"]

USAGE = "usage: ember run [--graph OUT_DIR [--graph-every N]] SCRIPT [ARGS...]"


class GraphOptions:
    """Where and how often ``ember run --graph`` writes graphs."""

    def __init__(self, out_dir: str, every: int = 0) -> None:
        self.out_dir = out_dir
        self.every = every      # 0: the first backward() only
        self.calls = 0
        self.written: list = []

    def wanted(self, call: int) -> bool:
        """Whether backward call number ``call`` (from 1) is drawn."""
        if call == 1:
            return True
        return self.every > 0 and (call - 1) % self.every == 0

    def install(self) -> None:
        """Wrap ``Tensor.backward`` and ``autograd.backward`` for the rest of the process."""
        from .. import autograd
        from .._tensor import Tensor
        tensor_backward = Tensor.backward
        autograd_backward = autograd.backward
        opts = self

        def backward(self, gradient=None, retain_graph=None, create_graph=False,
                     inputs=None):
            opts.calls += 1
            if not opts.wanted(opts.calls) or create_graph or inputs is not None:
                return tensor_backward(self, gradient, retain_graph, create_graph, inputs)
            opts.draw((self,), lambda: tensor_backward(self, gradient, retain_graph))

        def backward_all(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
                         grad_variables=None, inputs=None):
            opts.calls += 1
            if not opts.wanted(opts.calls) or create_graph or inputs is not None:
                return autograd_backward(tensors, grad_tensors, retain_graph, create_graph,
                                         grad_variables, inputs)
            roots = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
            opts.draw(roots, lambda: autograd_backward(tensors, grad_tensors, retain_graph,
                                                       create_graph, grad_variables))

        backward.__doc__ = tensor_backward.__doc__
        backward_all.__doc__ = autograd_backward.__doc__
        Tensor.backward = backward
        autograd.backward = backward_all

    def draw(self, roots: tuple, run) -> None:
        """Draw the graph of ``roots`` while ``run()`` does the backward pass."""
        from .graph import Graph, frame_names
        from .page import render_page
        from .steps import _run
        g = Graph(roots, names=frame_names(sys._getframe(2)), show_grads=True)
        steps = list(_run(g, None, None, None, lambda *_: run()))
        os.makedirs(self.out_dir, exist_ok=True)
        base = os.path.join(self.out_dir, f"backward_{self.calls:04d}")
        with open(base + ".svg", "w", encoding="utf-8") as f:
            f.write(g.to_svg())
        with open(base + ".html", "w", encoding="utf-8") as f:
            f.write(render_page(g, steps, f"backward() call {self.calls}"))
        g.close()
        self.written.append(base)
        print(f"ember: graph of backward() call {self.calls} written to {base}.svg and "
              f"{base}.html", file=sys.stderr)


def graph_options(argv: list) -> tuple:
    """Take ``--graph OUT_DIR`` and ``--graph-every N`` (or ``--graph=OUT_DIR``) out of the
    options before ``ember run``'s script name; other options stay, in order. Returns (the
    remaining arguments, GraphOptions or None)."""
    out_dir = None
    every = 0
    rest = []
    k = 0
    while k < len(argv) and argv[k].startswith("-"):
        flag, value = argv[k], None
        k += 1
        name = flag.split("=", 1)[0]
        if name not in ("--graph", "--graph-every"):
            rest.append(flag)
            continue
        if "=" in flag:
            value = flag.split("=", 1)[1]
        elif k < len(argv):
            value = argv[k]
            k += 1
        if value is None:
            raise SystemExit(USAGE)
        if name == "--graph":
            out_dir = value
            continue
        try:
            every = int(value)
        except ValueError:
            raise SystemExit(f"--graph-every expects a whole number, got {value!r}") from None
        if every < 1:
            raise SystemExit(f"--graph-every expects a number >= 1, got {every}")
    rest += argv[k:]
    if out_dir is None:
        if every:
            raise SystemExit("--graph-every needs --graph OUT_DIR")
        return rest, None
    return rest, GraphOptions(out_dir, every)


def tour_main(argv: list) -> int:
    """``ember tour [--list] [--out DIR] [--pause] [NAME ...]``."""
    import argparse
    from .tour import LESSONS, run_lessons
    parser = argparse.ArgumentParser(prog="ember tour", description="A guided tour of the "
                                     "lessons ember comes from: each shows its code, runs "
                                     "it and explains the output.")
    parser.add_argument("names", nargs="*", help="lessons to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the lessons")
    parser.add_argument("--out", default="ember_tour", help="folder for the pictures")
    parser.add_argument("--pause", action="store_true",
                        help="wait for Enter between lessons (in a terminal)")
    args = parser.parse_args(argv)
    if args.list:
        for lesson in LESSONS:
            print(f"{lesson.name:<12} {lesson.title}")
        return 0
    known = {lesson.name for lesson in LESSONS}
    bad = [n for n in args.names if n not in known]
    if bad:
        print(f"ember tour: no lesson named {', '.join(bad)}; see ember tour --list",
              file=sys.stderr)
        return 2
    run_lessons(args.names or None, args.out, pause=args.pause)
    return 0
