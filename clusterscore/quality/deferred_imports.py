"""Modules a library imports at import time but our use of it never calls, imported only if something reads them.

Great Expectations 1.x imports every core expectation when it is imported, and two of them import heavy modules at
the top: the KL-divergence and Kolmogorov-Smirnov expectations import `scipy.stats`, and the KL-divergence one
`altair` (its chart). No suite under `expectations/` uses them, and Data Docs do not render with them, yet they were
~1.1 of GX's ~2.5 s of import CPU, paid on every run that validates, beside the landing on Python's lock
(bench/README.md, round of 2026-12-05).

`defer(name)` puts a stand-in for the module into `sys.modules`. An `import` of it then binds the stand-in; the
first attribute read on it imports the real module (which then replaces the stand-in in `sys.modules`) and answers
from it, so code that does use the module works as before, only later. The standard library's
`importlib.util.LazyLoader` cannot do this on Python 3.11: the import statement itself reads the module's
`__spec__`, which makes a lazy module load.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


class Deferred(types.ModuleType):
    """Stands in `sys.modules` for a module not imported yet; any attribute it lacks comes from the real module."""

    def __getattr__(self, attribute: str):
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]  # so that the import below runs the module, and puts it in our place
        return getattr(importlib.import_module(name), attribute)


def defer(name: str) -> None:
    """Stand in for module `name` until something reads it; nothing when it is imported already or not installed."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)  # imports the parent package of a submodule (light for scipy)
    if spec is None:
        return
    stand_in = Deferred(name)
    stand_in.__spec__, stand_in.__file__ = spec, spec.origin
    sys.modules[name] = stand_in
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, stand_in)
