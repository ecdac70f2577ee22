"""``torch.backends.cudnn`` flags: settable, with no effect on the CPU."""
benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    return None
