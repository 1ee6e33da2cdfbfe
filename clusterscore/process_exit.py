"""Leaving a worker process at once: what a normal exit does for multiprocessing, then `os._exit`, without the
interpreter's teardown of the modules the worker imported (dbt's, Great Expectations': ~0.5 s each time)."""

from __future__ import annotations

import contextlib
import os
from typing import NoReturn


def exit_at_once(code: int) -> NoReturn:
    """End this process with `code` after multiprocessing's own exit handler (`_exit_function`, which it registers
    with atexit and `os._exit` skips). Named semaphores a library made here (dbt's locks; one in the Great
    Expectations worker) are registered with the resource tracker of the process that started this one; left
    registered, the tracker reported them as leaked on that process's stderr after every dbt step and every
    refresh, before unlinking them. The caller holds nothing else to flush."""
    import multiprocessing.util  # here, not at the top: the dbt client imports this module and must start at once

    with contextlib.suppress(Exception):
        multiprocessing.util._exit_function()
    os._exit(code)
