{{ config(materialized='view') }}
-- The evidence links of each run: which raw records (source, key, hash, batch) each indicator value was computed
-- from, one row per run and link, so a number of any past run leads back to its raw records. Stored once per
-- range of runs a link holds for (fct_evidence_link): read it for a run (`where run_id = ...`).
with

links as (
    select * from {{ ref('fct_evidence_link') }}
),

runs as (
    select * from {{ ref('fct_evidence_run') }}
),

final as (
    select
        runs.run_id || '/' || links.evidence_id as indicator_evidence_id,
        runs.run_id,
        links.cluster_org_id,
        links.indicator_id,
        links.source_name,
        links.record_key,
        links.record_hash,
        links.batch_id,
        runs.computed_at
    from links
    inner join runs
        on
            links.first_run_seq <= runs.run_seq
            and (links.last_run_seq is null or links.last_run_seq >= runs.run_seq)
)

select * from final
