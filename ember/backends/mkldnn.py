"""``torch.backends.mkldnn`` flags: settable, read back, no effect (ember calls NumPy's BLAS
for every product; PyTorch's CPU build reports oneDNN as available)."""
enabled = True
deterministic = False


def is_available() -> bool:
    return True
