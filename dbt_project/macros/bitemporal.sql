{#-
    Pick the current item of a CVR bitemporal array (items with periode{gyldigFra, gyldigTil}): an open item
    (gyldigTil null) before a closed one, then the latest gyldigFra. A ceased company's arrays may hold only
    closed items; its last item is then its current value.
-#}
{% macro current_item(list_expr) -%}
    list_sort(
        list_transform(
            {{ list_expr }},
            lambda item: struct_pack(
                is_open := item.periode.gyldigTil is null,
                valid_from := coalesce(item.periode.gyldigFra, date '0001-01-01'),
                item := item
            )
        ),
        'DESC'
    )[1].item
{%- endmacro %}
