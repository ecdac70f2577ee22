"""``torch.distributed`` on MPI: process groups, collectives and point-to-point messages.

Start the ranks with ``ember run --nproc-per-node N script.py`` (or ``mpirun -n N ember run
script.py``); mpi4py is the optional extra ``ember[distributed]``. This package imports
without it: ``is_available()`` is then False and ``init_process_group`` says what to install.
"""
from .distributed_c10d import *  # noqa: F401,F403  (distributed_c10d lists its public names)
from .distributed_c10d import __all__ as _c10d_all
from .distributed_c10d import is_available

__all__ = ["is_available"] + list(_c10d_all)
