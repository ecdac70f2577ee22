"""``torch.backends.cpu``."""


def get_cpu_capability() -> str:
    """NumPy picks its SIMD kernels itself; PyTorch's name for the baseline is "DEFAULT"."""
    return "DEFAULT"
