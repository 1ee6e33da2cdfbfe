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

{#- Values outside [min_value, max_value]; empty values pass (missing data is allowed and shown elsewhere). -#}
{% test value_between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}

{#- Values of several columns outside [min_value, max_value], one row per value, naming its column; empty values pass,
    as in `value_between`. One test (one dbt node, one Dagster check) for a table's columns of one kind. -#}
{% test columns_between(model, columns, min_value, max_value) %}
    {%- for column in columns %}
    select '{{ column }}' as column_name, cast({{ column }} as varchar) as value
    from {{ model }}
    where {{ column }} < {{ min_value }} or {{ column }} > {{ max_value }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}

{#- Values of several columns not among `values`, one row per value, naming its column; empty values pass, as in
    dbt's `accepted_values`. -#}
{% test columns_accepted_values(model, columns, values) %}
    {%- for column in columns %}
    select '{{ column }}' as column_name, cast({{ column }} as varchar) as value
    from {{ model }}
    where {{ column }} not in ({% for value in values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endtest %}
