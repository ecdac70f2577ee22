"""The model examples run under ``ember run`` and print what PyTorch prints for the
same script (the numbers below are PyTorch 2.13's output for these arguments)."""
import subprocess
import sys


def _ember_run(args):
    out = subprocess.run([sys.executable, "-m", "ember", "run"] + args, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_char_gpt_learns_as_under_torch():
    out = _ember_run(["examples/char_gpt.py", "25"])
    assert "vocabulary 32 (ln = 3.47), 106240 parameters" in out
    assert "step    0  loss 3.648" in out
    assert "step   25  loss 1.280" in out


def test_lstm_sine_learns_as_under_torch():
    out = _ember_run(["examples/lstm_sine.py", "2"])
    assert "step 0  train loss 0.533786  test loss 0.196013" in out
    assert "step 1  train loss 0.188864  test loss 0.013365" in out


def test_vae_digits_learns_as_under_torch():
    # torch.distributions (Normal.rsample, Bernoulli, Independent, kl_divergence) in training
    out = _ember_run(["examples/vae_digits.py", "4"])
    assert "epoch 0  negative ELBO 40.053" in out
    assert "epoch 3  negative ELBO 26.805" in out
    assert "codes from the prior: [[-1.263, 1.082], [0.334, 0.672], [-1.928, 1.466]]" in out
