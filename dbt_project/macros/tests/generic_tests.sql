{#- Generic tests dbt does not ship (dbt_utils cannot be installed here: `dbt deps` needs hosts we cannot reach). -#}

{#- A key: rows whose value is empty or repeats. dbt's `unique` and `not_null` in one query, so one dbt node and one
    Dagster check per key instead of two: each test node costs dbt ~15 ms of its own work however small the table
    (bench/README.md). A failing row names the value and how often it occurs (an empty key: its count). -#}
{% test primary_key(model, column_name) %}
    select {{ column_name }}, count(*) as occurrences
    from {{ model }}
    group by {{ column_name }}
    having {{ column_name }} is null or count(*) > 1
{% endtest %}

{#- Rows whose combination of columns repeats. -#}
{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Values of `columns` of `model` that break `rule` (SQL with `{column}` where the column goes), one row per value,
    naming its column. The rules below are its cases: empty values pass them. -#}
{% macro values_breaking(model, columns, rule) -%}
    {%- for column in columns %}
    select '{{ column }}' as column_name, cast({{ column }} as varchar) as value
    from {{ model }}
    where {{ rule | replace('{column}', column) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Values outside [min_value, max_value]; empty values pass (missing data is allowed and shown elsewhere). -#}
{% test value_between(model, column_name, min_value, max_value) %}
    {{ values_breaking(model, [column_name], '{column} < ' ~ min_value ~ ' or {column} > ' ~ max_value) }}
{% endtest %}

{#- `value_between` for several columns: one test (one dbt node, one Dagster check) for a table's columns of one
    kind. -#}
{% test columns_between(model, columns, min_value, max_value) %}
    {{ values_breaking(model, columns, '{column} < ' ~ min_value ~ ' or {column} > ' ~ max_value) }}
{% endtest %}

{#- `values` as an SQL list of text literals. -#}
{% macro sql_text_list(values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ value | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    ({{ quoted | join(', ') }})
{%- endmacro %}

{#- dbt's `accepted_values` for several columns: values not among `values`; empty values pass, as there. -#}
{% test columns_accepted_values(model, columns, values) %}
    {{ values_breaking(model, columns, '{column} not in ' ~ sql_text_list(values)) }}
{% endtest %}

{#- dbt's `not_null` and `accepted_values` on one column in one test: values not among `values`, and empty ones. -#}
{% test one_of(model, column_name, values) %}
    {{ values_breaking(model, [column_name], '{column} is null or {column} not in ' ~ sql_text_list(values)) }}
{% endtest %}

{#- dbt's `not_null` for several columns: one test for a table's required columns. A failing row names its
    column. -#}
{% test columns_not_null(model, columns) %}
    {{ values_breaking(model, columns, '{column} is null') }}
{% endtest %}
