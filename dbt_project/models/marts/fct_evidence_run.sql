{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='run_id', on_schema_change='fail') }}
-- The runs whose evidence links are kept (fct_evidence_link), in the order they ran: a link holds for a range of
-- them. One row per run, append-only.
with

final as (
    select
        {{ current_run_id() }} as run_id,
        {% if is_incremental() -%}
            (
                select coalesce(max(earlier.run_seq), 0) from {{ this }} as earlier
                where earlier.run_id != {{ current_run_id() }}
            ) + 1
        {%- else -%}
            1
        {%- endif %} as run_seq,
        cast(current_timestamp as timestamp) as computed_at
)

select * from final
