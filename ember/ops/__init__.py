"""Forward functions of every op, each beside its backward node class."""
