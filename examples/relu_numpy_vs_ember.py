"""A NumPy ReLU layer with a hand-written backward, checked against ember's autograd."""
import numpy as np

import ember as torch


class Relu:
    def __call__(self, x):
        self.x = x
        out = x.copy()
        out[out < 0] = 0
        return out

    def backward(self, d_loss):
        return d_loss * (self.x >= 0)   # the mask of where the input passed


def main():
    rng = np.random.default_rng(123)
    x_np = rng.standard_normal((3, 7))
    d_loss = rng.random((3, 7))
    relu_np = Relu()
    out_np = relu_np(x_np)
    dx_np = relu_np.backward(d_loss)

    x = torch.tensor(x_np, requires_grad=True)
    out = torch.nn.ReLU()(x)
    out.backward(torch.tensor(d_loss))
    same_out = np.array_equal(out.detach().numpy(), out_np)
    same_grad = np.array_equal(x.grad.numpy(), dx_np)  # inputs are never exactly 0 here
    print("forward equal:", same_out, " backward equal:", same_grad)
    print("ember's graph:", out.grad_fn.name(), "<-", out.grad_fn.next_functions[0][0].name())
    return same_out and same_grad


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
