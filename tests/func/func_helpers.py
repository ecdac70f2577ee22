"""What the torch.func tests compare: results as plain lists (values rounded, shapes,
requires_grad) and errors as (class name, message)."""


def show(v):
    """A pytree of tensors as comparable plain data."""
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return [type(v).__name__] + [show(u) for u in v]
    if isinstance(v, (tuple, list)):
        return [show(u) for u in v]
    if isinstance(v, dict):
        return {k: show(u) for k, u in v.items()}
    if hasattr(v, "tolist"):
        return (v.tolist() if v.dim() == 0 else [_round(x) for x in v.flatten().tolist()],
                tuple(v.shape), v.requires_grad)
    return v


def _round(x):
    if isinstance(x, complex):
        return (round(x.real, 5), round(x.imag, 5))
    return round(x, 5)


def errors(cases) -> list:
    """(class name, message) of what each call raises ("no error" if none)."""
    out = []
    for bad in cases:
        try:
            bad()
            out.append("no error")
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            out.append((type(e).__name__, str(e)))
    return out
