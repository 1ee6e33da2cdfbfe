"""dbt's `fqn:` selectors looked up in an index of the project's names (clusterscore/dbt_selection.py): on the
project's own parse, the same nodes as dbt's own matching for every name and prefix a selector can take."""

from __future__ import annotations

import pytest
from dbt.cli.main import dbtRunner
from dbt.graph import selector_methods

from clusterscore.dbt_selection import index_fqn_selection
from clusterscore.settings import DBT_PROJECT_DIR


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    folder = tmp_path_factory.mktemp("selection")
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    parsed = dbtRunner().invoke(
        ["parse", *project, "--target-path", str(folder / "target"), "--log-path", str(folder), "--quiet"]
    )
    assert parsed.success, parsed.exception
    return parsed.result


@pytest.fixture
def indexed():
    """dbt's `fqn:` search before and after `index_fqn_selection`, put back afterwards."""
    own = selector_methods.QualifiedNameSelectorMethod.search
    index_fqn_selection()
    try:
        yield own, selector_methods.QualifiedNameSelectorMethod.search
    finally:
        selector_methods.QualifiedNameSelectorMethod.search = own


def test_the_index_selects_what_dbt_selects_for_every_name_and_prefix(manifest, indexed):
    own, looked_up = indexed
    assert looked_up is not own and getattr(looked_up, "indexed", False)
    method = selector_methods.QualifiedNameSelectorMethod(manifest, None, [])
    selectors = {"nowhere", "clusterscore.nowhere", "clusterscore.staging.nowhere", "staging.*", "int_*", "*"}
    for node in [*manifest.nodes.values(), *manifest.unit_tests.values()]:
        selectors.add(node.name)
        for fqn in (node.fqn, node.fqn[1:]):
            selectors.update(".".join(fqn[:end]) for end in range(1, len(fqn) + 1))
    everything = set(manifest.nodes) | set(manifest.sources) | set(manifest.unit_tests)
    some = set(sorted(everything)[::2])
    for included in (everything, some):
        for selector in sorted(selectors):
            expected = set(own(method, included, selector))
            assert set(looked_up(method, included, selector)) == expected, selector
    # The project's nodes are found by their full names, as the dbt step names the nodes it leaves out.
    model = manifest.nodes["model.clusterscore.scorecard"]
    assert set(looked_up(method, everything, ".".join(model.fqn))) == {"model.clusterscore.scorecard"}
