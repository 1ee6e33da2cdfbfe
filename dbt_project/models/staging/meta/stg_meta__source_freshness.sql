-- Per source: the batch in use, the last successful read, the last attempt, and whether the data is stale and
-- since when. Freshness is defined once, in the view meta.source_freshness (clusterscore/landing.py), which
-- `clusterscore status` reads too.
with

source as (
    select * from {{ source('meta', 'source_freshness') }}
),

renamed as (
    select
        source_name,
        batch_id,
        cast(batch_fetched_at as timestamp) as batch_fetched_at,
        cast(last_read_at as timestamp) as last_read_at,
        cast(last_attempt_at as timestamp) as last_attempt_at,
        last_attempt_outcome,
        last_attempt_message,
        stale_after_hours,
        is_stale,
        cast(stale_since as timestamp) as stale_since
    from source
)

select * from renamed
