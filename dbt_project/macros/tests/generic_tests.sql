{#- Generic tests dbt does not ship (dbt_utils cannot be installed here: `dbt deps` needs hosts we cannot reach). -#}

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
