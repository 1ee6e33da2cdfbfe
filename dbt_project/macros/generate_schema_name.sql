{#- Use the layer's schema name as it is (raw, staging, intermediate, marts), not prefixed with the target's. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{- custom_schema_name if custom_schema_name else target.schema -}}
{%- endmacro %}
