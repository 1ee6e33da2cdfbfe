{#-
    The rows of a raw source that make its current state: the record versions not superseded. Landing keeps
    records by content (clusterscore/landing.py): a full batch supersedes versions it changed or no longer has,
    an incremental batch only those it changed. A source whose latest fetch failed keeps its last good state,
    because only landed batches supersede anything. `not_held_yet`: in an incremental model, only the versions
    the model does not hold yet (macros/changed_records.sql).
-#}
{% macro current_records(source_name, table_name, not_held_yet=false) %}
    select raw_rows.*
    from {{ source(source_name, table_name) }} as raw_rows
    where raw_rows.superseded_at is null
    {%- if not_held_yet %} {{ only_versions_not_held(source(source_name, table_name), 'raw_rows') }}{% endif %}
{% endmacro %}
