"""dbt's `fqn:` selection looked up in an index of the project's names: applied by the warm dbt server
(clusterscore/dbt_server.py) once dbt is imported, so that every dbt it forks has it.

dbt answers each `fqn:` selector by matching it against every node of the project. The dbt step leaves out the
nodes that come out as they did for the current release (pipelines/transform.py: `Reused`) by naming each one
(`--exclude fqn:...`), some 90 on a national night: ~100,000 matches, ~0.2 s of dbt's start. A selector without
wildcards matches a node whose name it is, or whose fully qualified name (with or without the project's name in
front) starts with it; those are looked up here in one index of the project, built once per manifest. Selectors
with wildcards, and projects with versioned models, are matched by dbt's own code. tests/test_dbt_selection.py
checks that both give the same nodes for every name and prefix in the project.
"""

from __future__ import annotations

from dbt.graph import selector_methods

WILDCARDS = ("*", "?", "[", "]")  # what makes dbt's is_selected_node match by pattern
_indexes: dict[int, tuple[object, dict[str, set[str]] | None]] = {}  # id(manifest) -> (manifest, index)


class _Everything:
    def __contains__(self, _unique_id: str) -> bool:
        return True


def names_index(method: selector_methods.QualifiedNameSelectorMethod) -> dict[str, set[str]] | None:
    """Every selector without wildcards that matches a node, with the nodes it matches (as dbt's
    `is_selected_node` decides, for the nodes an `fqn:` selector searches); None when a node is versioned."""
    manifest = method.manifest
    kept = _indexes.get(id(manifest))
    if kept is not None and kept[0] is manifest:
        return kept[1]
    index: dict[str, set[str]] | None = {}
    for unique_id, node in method.non_source_nodes(_Everything()):
        if node.is_versioned:
            index = None
            break
        keys = {node.fqn[-1]}
        for fqn in (node.fqn, node.fqn[1:]):
            parts = [part for segment in fqn for part in segment.split(".")]
            keys.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
        for key in keys:
            index.setdefault(key, set()).add(unique_id)
    _indexes.clear()  # one manifest at a time
    _indexes[id(manifest)] = (manifest, index)
    return index


def index_fqn_selection() -> None:
    """Have dbt's `fqn:` selector method look a selector without wildcards up in `names_index`."""
    search = selector_methods.QualifiedNameSelectorMethod.search
    if getattr(search, "indexed", False):
        return

    def indexed_search(self, included_nodes, selector):
        index = None if any(wildcard in selector for wildcard in WILDCARDS) else names_index(self)
        if index is None:
            yield from search(self, included_nodes, selector)
            return
        yield from (unique_id for unique_id in index.get(selector, ()) if unique_id in included_nodes)

    indexed_search.indexed = True
    selector_methods.QualifiedNameSelectorMethod.search = indexed_search
