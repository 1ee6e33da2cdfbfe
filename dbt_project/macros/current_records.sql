{#-
    The rows of a raw source that make its current state: records of the latest full batch and of any
    incremental batches landed after it, the newest version of each record key. A source whose latest
    fetch failed keeps its last good batch, because only landed batches count.
-#}
{% macro current_records(source_name, table_name) %}
    with landed_batches as (
        select
            batch_id,
            fetched_at,
            load_kind
        from {{ source('meta', 'batches') }}
        where source_name = '{{ table_name }}' and status = 'landed'
    ),

    last_full_batch as (
        select max(fetched_at) as fetched_at
        from landed_batches
        where load_kind = 'full'
    ),

    current_batches as (
        select landed_batches.batch_id
        from landed_batches
        cross join last_full_batch
        where landed_batches.fetched_at >= coalesce(last_full_batch.fetched_at, '-infinity'::timestamptz)
    )

    select raw_rows.*
    from {{ source(source_name, table_name) }} as raw_rows
    inner join current_batches on raw_rows.batch_id = current_batches.batch_id
    qualify row_number() over (
        partition by raw_rows.record_key order by raw_rows.fetched_at desc, raw_rows.line_no desc
    ) = 1
{% endmacro %}
