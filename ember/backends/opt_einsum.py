"""``torch.backends.opt_einsum``: ember's einsum does not use the opt_einsum package."""
enabled = False
strategy = None


def is_available() -> bool:
    return False
