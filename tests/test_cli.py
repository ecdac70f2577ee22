"""The command line behaves as python does for scripts, -m and -c (with torch aliased to
ember), passes argv and exit codes through, and documents itself."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ember(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "ember", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def test_missing_script_is_pythons_one_line_message(tmp_path):
    r = ember("run", "nope.py", cwd=tmp_path)
    py = subprocess.run([sys.executable, "nope.py"], capture_output=True, text=True,
                        cwd=tmp_path)
    assert r.returncode == py.returncode == 2
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f"ember: can't open file {str(tmp_path / 'nope.py')!r}: [Errno 2] No such file or "
        "directory"]
    assert py.stderr.split(": ", 1)[1] == r.stderr.split(": ", 1)[1]


def test_script_argv_exit_code_and_torch_alias(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("import sys, torch\n"
                      "print(sys.argv, torch.__name__, __name__)\n"
                      "sys.exit(int(sys.argv[1]))\n")
    r = ember("run", str(script), "3", "--lr", "0.1", cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    assert r.stdout.strip() == f"[{str(script)!r}, '3', '--lr', '0.1'] ember __main__"


def test_uncaught_exception_shows_only_the_scripts_frames(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("def f():\n    raise ValueError('boom')\nf()\n")
    r = ember("run", str(script))
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: boom"
    assert "__main__.py" not in r.stderr and "runpy" not in r.stderr
    assert f'File "{script}", line 3, in <module>' in r.stderr


def test_module_mode(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "tool.py").write_text("import sys, torch.nn\n"
                                 "print(sys.argv[1:], torch.nn.Linear(2, 3))\n"
                                 "raise SystemExit(sys.argv[1])\n")
    r = ember("run", "-m", "pkg.tool", "-x", "y", cwd=tmp_path)
    assert r.stdout.strip() == "['-x', 'y'] Linear(in_features=2, out_features=3, bias=True)"
    assert r.returncode == 1 and r.stderr.strip() == "-x"     # SystemExit('-x'), as python
    r = ember("run", "-m", "no_such_module", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() == "ember: No module named no_such_module"


def test_code_mode():
    r = ember("run", "-c", "import sys, torch; print(sys.argv, torch.zeros(2).sum().item())",
              "a", "-b")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "['-c', 'a', '-b'] 0.0"
    r = ember("run", "-c")
    assert r.returncode == 2 and "Argument expected for the -c option" in r.stderr


def test_run_without_a_program_and_run_help():
    r = ember("run")
    assert r.returncode == 2 and "a SCRIPT, -m MODULE or -c CODE is required" in r.stderr
    r = ember("run", "--help")
    assert r.returncode == 0 and "-m MODULE" in r.stdout and "-c CODE" in r.stdout


def test_demo_help_explains_every_option():
    r = ember("demo", "--help")
    assert r.returncode == 0
    for option, words in (("--epochs", "training epochs"), ("--out", "checkpoint"),
                          ("--no-plot", "skip the plot")):
        assert option in r.stdout and words in r.stdout


def test_version():
    import ember as e
    r = ember("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"ember {e.version.ember_version} (the PyTorch " \
                               f"{e.version.TORCH_API} API, on NumPy)"
    assert str(e.__version__).startswith(e.version.TORCH_API)


@pytest.mark.parametrize("args", [["run", "-m", "json.tool", "--help"]])
def test_module_arguments_may_look_like_options(args):
    r = ember(*args)
    assert r.returncode == 0 and "usage:" in r.stdout and "json.tool" in r.stdout
