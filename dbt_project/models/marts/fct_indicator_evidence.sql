{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='run_id', on_schema_change='fail') }}
-- The evidence links of each run: which raw records (source, key, hash, batch) each indicator value was
-- computed from. Append-only, so a number of any past run leads back to its raw records.
with

evidence as (
    select * from {{ ref('int_indicator_evidence') }}
),

final as (
    select
        {{ current_run_id() }} || '/' || evidence.evidence_id as indicator_evidence_id,
        {{ current_run_id() }} as run_id,
        evidence.cluster_org_id,
        evidence.indicator_id,
        evidence.source_name,
        evidence.record_key,
        evidence.record_hash,
        evidence.batch_id,
        cast(current_timestamp as timestamp) as computed_at
    from evidence
)

select * from final
