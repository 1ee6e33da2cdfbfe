{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='run_id', on_schema_change='fail') }}
-- Per run and source: the batch the run's scores used and whether that data was stale (the source was down or
-- not read within its threshold), and since when. Append-only across runs.
with

freshness as (
    select * from {{ ref('int_source_freshness') }}
),

final as (
    select
        {{ current_run_id() }} || '/' || freshness.source_name as source_freshness_id,
        {{ current_run_id() }} as run_id,
        freshness.source_name,
        freshness.batch_id,
        freshness.batch_fetched_at,
        freshness.last_read_at,
        freshness.last_attempt_at,
        freshness.last_attempt_outcome,
        freshness.last_attempt_message,
        freshness.stale_after_hours,
        freshness.is_stale,
        freshness.stale_since,
        cast(current_timestamp as timestamp) as computed_at
    from freshness
)

select * from final
