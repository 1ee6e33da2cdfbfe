"""The Dagster code location of clusterscore: `definitions.py` merges the per-layer modules."""
