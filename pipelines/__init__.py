"""The Dagster code location of clusterscore: `definitions.py` merges the per-layer modules.

dagster-dbt is imported here as it is beside dbt Fusion, without dbt-core's modules. Where dbt-core is importable,
dagster-dbt imports its result and adapter classes at once (`dagster_dbt.compat`): 1.1-1.4 s of every run's start,
on one core, before any asset runs. This process never runs dbt: each invocation is a process of its own (a fork
of the dbt server, clusterscore/dbt_server.py), and the table metadata is read from DuckDB directly
(pipelines/dbt_metadata.py). Without dbt-core, dagster-dbt uses its own equivalents of those classes (the same
values) and reads the whole-project selection off the manifest, and the asset graph is the same
(tests/test_definitions.py). dbt-core stays importable afterwards, for whatever does need it.
"""

import sys

if "dagster_dbt" not in sys.modules and "dbt.version" not in sys.modules:
    sys.modules["dbt.version"] = None  # an import of it raises ImportError: dagster-dbt takes dbt-core as absent
    try:
        import dagster_dbt  # noqa: F401
    finally:
        del sys.modules["dbt.version"]
