"""Command line: ``ember run [--graph OUT_DIR] [--nproc-per-node N] SCRIPT [ARGS]``,
``ember demo`` and ``ember tour``."""
from __future__ import annotations

import argparse
import runpy
import sys


def _run(argv: list) -> int:
    from .viz.cli import graph_options
    argv, graph = graph_options(argv)
    if not argv:
        print("usage: ember run [--nproc-per-node N ...] SCRIPT [ARGS...]", file=sys.stderr)
        return 2
    # Launcher options (torchrun's): start the ranks through MPI, or set this rank's env.
    from .distributed.run import prepare
    argv = prepare(argv)
    if isinstance(argv, int):
        return argv
    from ._torch_alias import install
    install()
    if graph is not None:
        graph.install()
    script = argv[0]
    sys.argv = list(argv)
    runpy.run_path(script, run_name="__main__")
    return 0


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        return _run(argv[1:])
    if argv and argv[0] == "tour":
        from .viz.cli import tour_main
        return tour_main(argv[1:])
    parser = argparse.ArgumentParser(prog="ember", description="Ember: PyTorch-like deep "
                                     "learning on NumPy.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run a PyTorch script with ember standing in for torch")
    sub.add_parser("tour", help="a guided tour of the lessons (ember tour --list)")
    demo = sub.add_parser("demo", help="train a small network on handwritten digits")
    demo.add_argument("--epochs", type=int, default=None)
    demo.add_argument("--out", default="ember_demo_out")
    demo.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import main as demo_main
        return demo_main(epochs=args.epochs, out_dir=args.out, plot=not args.no_plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
