"""Python's collector and the objects a process keeps to its end. The standard library only: the dbt server and the
Great Expectations worker import it before anything else."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def kept_to_the_end() -> Iterator[None]:
    """For a block that makes objects its process keeps to the end (imports, definitions, a parsed manifest) and
    next to no garbage: the collector stays off while it runs, as its passes over the growing heap free next to
    nothing (the refresh's imports and definitions: 0.45-0.55 s; dbt's imports ~0.13 s, Great Expectations'
    ~0.23 s), and what it made is frozen after it, out of every later pass (a fork shares those pages)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
