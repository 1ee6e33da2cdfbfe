"""Great Expectations is imported without the modules only unused expectations need, and they still work when read
(clusterscore/quality/deferred_imports.py). In a fresh interpreter: what this process imported already would hide it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys, types
    from clusterscore.quality.deferred_imports import Deferred
    from clusterscore.quality.gx_runner import UNUSED_BY_OUR_SUITES, import_great_expectations

    gx = import_great_expectations()
    assert hasattr(gx, "ValidationDefinition")
    for name in UNUSED_BY_OUR_SUITES:
        assert isinstance(sys.modules[name], Deferred), name  # imported by GX, not run

    # GX's own reference to scipy.stats answers from the real module, which then replaces the stand-in.
    from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
    assert kl.stats.norm.cdf(0) == 0.5
    assert type(sys.modules["scipy.stats"]) is types.ModuleType
    assert sys.modules["scipy"].stats is sys.modules["scipy.stats"]
    from scipy import stats
    assert stats is sys.modules["scipy.stats"] and stats.norm.cdf(0) == 0.5
    assert kl.alt.Chart is sys.modules["altair"].Chart
    print("ok")
    """
)


def test_great_expectations_imports_without_scipy_stats_and_altair_which_load_when_read():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


def test_a_module_already_imported_or_missing_is_left_alone():
    from clusterscore.quality.deferred_imports import defer

    before = sys.modules["json"]
    defer("json")
    assert sys.modules["json"] is before
    defer("no_such_module_anywhere")
    assert "no_such_module_anywhere" not in sys.modules
