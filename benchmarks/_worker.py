"""One framework's benchmark process: ``python -m benchmarks._worker LIB`` (ember, torch or
numpy) builds and times workload steps on request, one JSON line per request and per reply.

Each framework runs in a process of its own, as its users run it: ember's import tunes
glibc's allocator for the whole process (``ember/_malloc.py``), which made PyTorch's and the
hand-written NumPy steps run in ember's process 10-20% faster than in their own."""
from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import time


def main(lib_name: str) -> int:
    # replies go to the real stdout; anything a workload prints goes to stderr
    reply = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    lib = None if lib_name == "numpy" else importlib.import_module(lib_name)
    from . import workloads as W
    steps: dict = {}
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "build":
                make = getattr(W, req["factory"])
                args = req.get("args", [])
                steps[req["label"]] = make(*args) if lib is None else make(lib, *args)
                out = None
            elif op == "run":
                step, n = steps[req["label"]], req["n"]
                gc.collect()
                was = gc.isenabled()
                gc.disable()
                try:
                    t0 = time.perf_counter()
                    for _ in range(n):
                        step()
                    out = (time.perf_counter() - t0) / n
                finally:
                    if was:
                        gc.enable()
            elif op == "drop":
                steps.clear()
                gc.collect()
                out = None
            elif op == "info":
                out = {"version": getattr(lib, "__version__", None),
                       "threads": lib.get_num_threads() if hasattr(lib, "get_num_threads")
                       else None, "ember_loaded": "ember" in sys.modules}
            else:
                raise ValueError(f"unknown request {op!r}")
            reply.write(json.dumps({"ok": out}) + "\n")
        except Exception as e:      # reported to the parent, which raises it
            reply.write(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
