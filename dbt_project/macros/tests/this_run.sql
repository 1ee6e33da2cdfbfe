{#-
    A test of a mart kept per run (rows by run_id, written by delete+insert on run_id) may read only the run being
    built: `config: {where: this_run}`. Earlier runs' rows were tested when their run built them and never change,
    and the evidence mart gains a run's links every run (1.2 million nationally), so a test over every run would
    read more every night. The run id is known only when dbt executes (`current_run_id`), while a test's `where` is
    read as it is parsed: hence a word this override of dbt's `get_where_subquery` replaces at execution. Any
    other `where` is dbt's own.
-#}
{% macro get_where_subquery(relation) -%}
    {%- if config.get('where', '') == 'this_run' -%}
        {%- do return('(select * from ' ~ relation ~ ' where run_id = ' ~ current_run_id() ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(adapter.dispatch('get_where_subquery', 'dbt')(relation)) -%}
{%- endmacro %}
