"""Command line: ``ember run`` (a PyTorch script, ``-m module`` or ``-c code`` with ember
standing in for torch, as ``python`` runs them; ``--graph OUT_DIR`` draws its backward
passes; ``--nproc-per-node N`` launches it on several processes as torchrun does),
``ember demo``, ``ember tour`` and ``ember --version``."""
from __future__ import annotations

import argparse
import os
import runpy
import sys


# -- ember run ------------------------------------------------------------------------------------
def _run_parser() -> argparse.ArgumentParser:
    """The options of ``ember run`` that come before the script (add new ones here; whether
    an option takes a value is read from this parser when the command line is split)."""
    p = argparse.ArgumentParser(
        prog="ember run",
        usage="ember run [--graph OUT_DIR [--graph-every N]] (SCRIPT | -m MODULE | -c CODE) "
              "[ARGS...]",
        description="Run a PyTorch program with ember standing in for torch (`import torch` "
                    "gives ember), as `python SCRIPT`, `python -m MODULE` or `python -c CODE` "
                    "would run it: ARGS become sys.argv[1:], and the program's exit status is "
                    "ember's.")
    p.add_argument("-m", dest="module", metavar="MODULE",
                   help="run a library module as a script (like python -m)")
    p.add_argument("-c", dest="code", metavar="CODE",
                   help="run the program passed in as a string (like python -c)")
    p.epilog = ("Launcher options (torchrun's, before SCRIPT): --nproc-per-node N, --nnodes N, "
                "--hostfile FILE, --master-addr, --master-port, --node-rank, --standalone: "
                "run SCRIPT on several processes through MPI (see the README). --graph OUT_DIR "
                "[--graph-every N] draws the script's backward passes.")
    return p


def _takes_value(parser: argparse.ArgumentParser, option: str) -> bool:
    from .distributed.run import _parser as launcher_parser
    for p in (parser, launcher_parser()):
        for action in p._actions:
            if option in action.option_strings:
                return action.nargs != 0
    return False


def _split_run_args(parser: argparse.ArgumentParser, argv: list) -> tuple:
    """``(options, kind, target, args)``: the options before the program, ``kind`` one of
    "script", "module", "code", and the program's own arguments (which may look like options,
    as everything after python's SCRIPT, -m MODULE or -c CODE does)."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-m", "-c"):
            if i + 1 == len(argv):
                parser.error(f"Argument expected for the {a} option")
            return argv[:i], "module" if a == "-m" else "code", argv[i + 1], argv[i + 2:]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        name = a.split("=", 1)[0]
        i += 2 if "=" not in a and _takes_value(parser, name) else 1
    if i >= len(argv):
        parser.parse_args(argv)             # -h/--help, or an unknown option, exits here
        parser.error("a SCRIPT, -m MODULE or -c CODE is required")
    options = [a for a in argv[:i] if a != "--"]
    return options, "script", argv[i], argv[i + 1:]


def _print_user_traceback(exc: BaseException) -> None:
    """The traceback Python prints for an uncaught exception, without ember's launcher frames
    (the program's own frames start where runpy/exec hand over)."""
    tb = exc.__traceback__
    while tb is not None and _is_runpy(tb.tb_frame.f_code.co_filename, True):
        tb = tb.tb_next
    # through sys.excepthook, as Python reports it: a hook the program or ember.distributed
    # installed (which aborts the other ranks) runs too
    sys.excepthook(type(exc), exc.with_traceback(tb), tb)


def _is_runpy(filename: str, or_launcher: bool = False) -> bool:
    # runpy's frames read "<frozen runpy>" when Python runs its frozen copy
    if filename == "<frozen runpy>" or os.path.abspath(filename) == os.path.abspath(
            runpy.__file__):
        return True
    return or_launcher and os.path.abspath(filename) == os.path.abspath(__file__)


def _execute(kind: str, target: str, args: list) -> int:
    """Run the program as python would, returning its exit status."""
    if kind == "script":
        if not os.path.exists(target):
            print(f"ember: can't open file {os.path.abspath(target)!r}: [Errno 2] No such file "
                  "or directory", file=sys.stderr)
            return 2
        sys.argv = [target] + args
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        run = lambda: runpy.run_path(target, run_name="__main__")  # noqa: E731
    elif kind == "module":
        sys.argv = [target] + args            # runpy puts the module's file in argv[0]
        sys.path.insert(0, os.getcwd())
        run = lambda: runpy.run_module(target, run_name="__main__", alter_sys=True)  # noqa
    else:
        sys.argv = ["-c"] + args
        sys.path.insert(0, "")
        run = lambda: _run_code(target)  # noqa: E731
    try:
        run()
    except SystemExit:
        raise                                  # sys.exit(n) in the program: python's status
    except ImportError as e:
        if kind == "module" and e.__traceback__ is not None and \
                _raised_by_runpy(e.__traceback__):
            print(f"ember: {e}", file=sys.stderr)
            return 1
        _print_user_traceback(e)
        return 1
    except BaseException as e:  # noqa: BLE001 - reported as python reports it
        _print_user_traceback(e)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
    return 0


def _raised_by_runpy(tb) -> bool:
    """Whether runpy itself could not find the module (not an import inside it)."""
    while tb.tb_next is not None:
        tb = tb.tb_next
    return _is_runpy(tb.tb_frame.f_code.co_filename)


def _run_code(code: str) -> None:
    import types
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = __builtins__
    previous = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(compile(code, "<string>", "exec"), main.__dict__)  # noqa: S102 - the user's code
    finally:
        if previous is not None:
            sys.modules["__main__"] = previous


def _run(argv: list) -> int:
    from .viz.cli import graph_options
    argv, graph = graph_options(argv)        # --graph OUT_DIR [--graph-every N]
    parser = _run_parser()
    options, kind, target, args = _split_run_args(parser, argv)
    # Launcher options (torchrun's): start the ranks through MPI, or set this rank's env.
    from .distributed.run import prepare
    if kind == "script":
        launch = prepare(options + [target] + args)
        if isinstance(launch, int):          # the MPI job this process started has ended
            return launch
        target, args = launch[0], launch[1:]
    elif options:
        parser.error("launcher options (--nproc-per-node...) run a SCRIPT, not -m or -c")
    else:
        prepare([target])                    # one rank of ``mpirun -n N ember run -m ...``
    from ._torch_alias import install
    install()
    if graph is not None:
        graph.install()
    return _execute(kind, target, args)


# -- ember demo / ember --version -------------------------------------------------------------
def _version() -> str:
    from .version import TORCH_API, ember_version
    return f"ember {ember_version} (the PyTorch {TORCH_API} API, on NumPy)"


def _main_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ember", description="Ember: PyTorch-like deep "
                                     "learning on NumPy.")
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="run a PyTorch script, module (-m) or code (-c) with ember "
                               "standing in for torch (see `ember run --help`)", add_help=False)
    sub.add_parser("tour", help="a guided tour of the lessons (ember tour --list)",
                   add_help=False)
    demo = sub.add_parser(
        "demo", help="train a small network on handwritten digits",
        description="Train a small classifier on scikit-learn's bundled 8x8 handwritten "
                    "digits (no download), print its progress and test accuracy, plot the "
                    "training curves, save a checkpoint and check that reloading it scores "
                    "the same. Exits 0 when the reloaded model matches.")
    demo.add_argument("--epochs", type=int, default=None, metavar="N",
                      help="training epochs (default: 40)")
    demo.add_argument("--out", default="ember_demo_out", metavar="DIR",
                      help="folder for the plot and the checkpoint (default: ember_demo_out)")
    demo.add_argument("--no-plot", action="store_true",
                      help="skip the plot (no matplotlib needed)")
    demo.add_argument("--model", choices=["mlp", "cnn"], default="mlp",
                      help="a multilayer perceptron (default) or a small convnet")
    return parser


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        return _run(argv[1:])
    if argv and argv[0] == "tour":
        from .viz.cli import tour_main
        return tour_main(argv[1:])
    args = _main_parser().parse_args(argv)
    if args.command == "demo":
        from .demo import main as demo_main
        return demo_main(epochs=args.epochs, out_dir=args.out, plot=not args.no_plot,
                         model_kind=args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
