{#-
    Two scopes a test can be given by `where`, each a word this override of dbt's `get_where_subquery` replaces
    when the test executes (a test's `where` is read as it is parsed, and what these read is known only at
    execution). Any other `where` is dbt's own.

    `written_this_run`: a test of a column of a mart of intervals (fct_evidence_link: rows opened by a run,
    `first_run_id`, and closed by a later one, `closed_by_run_id`, written by delete+insert on the tested key) reads
    the rows whose value in the tested column is one a row the run being built wrote has. Other rows were written,
    and tested, by earlier runs and are unchanged since; only a row this run wrote can repeat a value, so a unique
    test over the table, which grows by the links each night opens, need not read every interval ever stored.

    `not_yet_tested`: a test of a national staging model (CVR: 2.2 million companies, 5.9 million roles) reads only
    the rows of record versions landed after the batches its tests last passed through, which the pipeline passes
    in CLUSTERSCORE_TESTED_THROUGH (one batch per source: the current release's, when this code built and tested
    it; clusterscore/dbt_reuse.py: `batches_tested_through`). The other rows were in the tables the release's
    build tested and are unchanged since; a night then tests its 1 % instead of the whole register
    (bench/README.md). The model must carry `batch_id`, the batch its row's record version was landed in. Unset or
    empty: every row. (The landing's own table is named directly, not as a source: the scope is no input of the
    test when it is parsed.)
-#}
{% macro get_where_subquery(relation) -%}
    {%- set scope = config.get('where', '') -%}
    {%- if scope == 'written_this_run' -%}
        {%- do return(rows_sharing_a_value_written_this_run(relation, model.column_name)) -%}
    {%- elif scope == 'not_yet_tested' -%}
        {%- do return(rows_not_yet_tested(relation)) -%}
    {%- endif -%}
    {%- do return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) -%}
{%- endmacro %}

{% macro rows_not_yet_tested(relation) -%}
    {%- set tested = (env_var('CLUSTERSCORE_TESTED_THROUGH', '') if execute else '').split(',') | select | list -%}
    {%- if not tested -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set quoted = [] -%}
    {%- for batch in tested -%}
        {%- do quoted.append("'" ~ batch | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    (
        select * from {{ relation }}
        where coalesce(batch_id, '') not in (
            select landed.batch_id
            from meta.batches as landed
            inner join meta.batches as tested
                on landed.source_name = tested.source_name and landed.fetched_at <= tested.fetched_at
            where tested.batch_id in ({{ quoted | join(', ') }})
        )
    ) dbt_subquery
{%- endmacro %}

{% macro rows_sharing_a_value_written_this_run(relation, column) -%}
    (
        select * from {{ relation }}
        where {{ column }} in (
            select written.{{ column }} from {{ relation }} as written
            where {{ interval_written_this_run('written') }}
        )
    ) dbt_subquery
{%- endmacro %}

{#-
    The rows of a per-run view of evidence links (fct_indicator_evidence, `<run>/<link>` ids) for the run being
    built whose link that run opened or closed in the interval mart (fct_evidence_link): the links its tests read
    (tests/assert_run_links_once.sql, tests/assert_evidence_links_resolve.sql). The run's other links are intervals
    earlier runs opened and that still hold, so they held for the run before too, whose tests read them; the
    intervals do not change. Both relations are passed in, so each test names (refs) them itself.
-#}
{% macro run_links_written_this_run(per_run, intervals) -%}
    (
        select * from {{ per_run }}
        where run_id = {{ current_run_id() }} and indicator_evidence_id in (
            select {{ current_run_id() }} || '/' || written.evidence_id from {{ intervals }} as written
            where {{ interval_written_this_run('written') }}
        )
    )
{%- endmacro %}

{#- An interval of fct_evidence_link (aliased `alias`) that the run being built opened or closed. -#}
{% macro interval_written_this_run(alias) -%}
    {{ alias }}.first_run_id = {{ current_run_id() }} or {{ alias }}.closed_by_run_id = {{ current_run_id() }}
{%- endmacro %}
