-- The freshness of each source as this run saw it, for the marts (which read one layer down only).
with

freshness as (
    select * from {{ ref('stg_meta__source_freshness') }}
),

final as (
    select
        source_name,
        batch_id,
        batch_fetched_at,
        last_read_at,
        last_attempt_at,
        last_attempt_outcome,
        last_attempt_message,
        stale_after_hours,
        is_stale,
        stale_since
    from freshness
)

select * from final
