{#-
    Turn a wide measures model (one column per indicator, plus <indicator>_evidence with the number of records
    behind it) into long rows: cluster_org_id, indicator_id, indicator_value, evidence_count.
-#}
{% macro unpivot_measures(model_name, indicator_ids) -%}
    {%- for indicator_id in indicator_ids %}
        select
            cluster_org_id,
            '{{ indicator_id }}' as indicator_id,
            cast({{ indicator_id }} as double) as indicator_value,
            cast({{ indicator_id }}_evidence as integer) as evidence_count
        from {{ ref(model_name) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
