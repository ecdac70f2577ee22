"""ember tour: every lesson's code prints under ember exactly what it prints under PyTorch,
runs non-interactively, and writes the pictures it names."""
import io
import subprocess
import sys

import pytest
import torch

import ember
from ember.viz.cli import tour_main
from ember.viz.tour import LESSONS, execute, run_lessons

NAMES = ["tensor", "backward", "graph", "relu-grad", "inplace", "numpy-relu", "rectifier",
         "linreg"]


def test_the_lessons_are_the_ones_of_the_course():
    assert [lesson.name for lesson in LESSONS] == NAMES


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda les: les.name)
def test_lesson_prints_what_pytorch_prints(lesson, tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "e").mkdir()
    expected, _ = execute(lesson, torch, str(tmp_path / "t"))
    got, _ = execute(lesson, ember, str(tmp_path / "e"))
    assert got == expected
    assert got.strip()


def test_tour_runs_every_lesson_and_writes_its_pictures(tmp_path):
    out = io.StringIO()
    pictures = run_lessons(None, str(tmp_path), file=out)
    text = out.getvalue()
    for k, name in enumerate(NAMES, 1):
        assert f"Lesson {k}/8: {name} - " in text
    assert "d(a*b)/db = grad * a = 1 * 3 = 3   -> leaf w" in text     # the backward in words
    assert "mid.grad_fn is out.grad_fn: True" in text
    expected = {"graph": ["graph_relu_wx_b.svg", "graph_relu_wx_b.html"],
                "relu-grad": ["relu_gradient.png"], "rectifier": ["relu_rectifier.png"],
                "linreg": ["linear_regression.png"],
                "inplace": ["graph_relu_inplace_False.svg", "graph_relu_inplace_True.svg"]}
    for name, files in expected.items():
        assert [p.rsplit("/", 1)[1] for p in pictures[name]] == files
        for p in pictures[name]:
            assert (tmp_path / p.rsplit("/", 1)[1]).stat().st_size > 1000
            assert f"picture: {p}" in text
    assert (tmp_path / "linear_regression.pth").exists()


def test_command_line_list_and_pick(tmp_path, capsys):
    assert tour_main(["--list"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == NAMES
    assert tour_main(["nope"]) == 2
    assert "no lesson named nope" in capsys.readouterr().err
    one = subprocess.run([sys.executable, "-m", "ember", "tour", "--out", str(tmp_path),
                          "relu-grad"], capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stderr
    assert "Lesson 1/1: relu-grad" in one.stdout and "d relu/dx = 1.0" in one.stdout
    assert (tmp_path / "relu_gradient.png").exists()
