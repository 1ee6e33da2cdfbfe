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
