{#-
    The rows of a raw source that make its current state: the record versions not superseded. Landing keeps
    records by content (clusterscore/landing.py): a full batch supersedes versions it changed or no longer has,
    an incremental batch only those it changed. A source whose latest fetch failed keeps its last good state,
    because only landed batches supersede anything.
-#}
{% macro current_records(source_name, table_name) %}
    select raw_rows.*
    from {{ source(source_name, table_name) }} as raw_rows
    where raw_rows.superseded_at is null
{% endmacro %}
