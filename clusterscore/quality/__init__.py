"""Data-quality checks: Great Expectations suites (files under `expectations/`) and record reconciliation."""
