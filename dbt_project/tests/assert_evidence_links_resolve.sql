-- Every evidence link of the run being built resolves to a stored raw record with the same hash in the same batch.
-- Read: the links the run opened or closed (macros/tests/test_scopes.sql: `run_links_written_this_run`). Its other
-- links were opened by earlier runs and checked then; each names the record version the run's staging read again,
-- a current one, which is never pruned (CLUSTERSCORE_RAW_RETENTION_DAYS prunes superseded versions). Earlier runs'
-- closed links may name versions pruned since, which must not fail tonight's run. A check on the evidence mart in
-- Dagster (the test reads several sources, so it names the asset it checks).
{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_evidence'}}}) }}
with

raw_records as (
    select
        'cvr_companies' as source_name,
        batch_id,
        record_hash
    from {{ source('cvr', 'cvr_companies') }}
    union all
    select
        'annual_reports' as source_name,
        batch_id,
        record_hash
    from {{ source('annual_reports', 'annual_reports') }}
    union all
    select
        'cluster_submissions' as source_name,
        batch_id,
        record_hash
    from {{ source('clusters', 'cluster_submissions') }}
    union all
    select
        'label_awards' as source_name,
        batch_id,
        record_hash
    from {{ source('labels', 'label_awards') }}
)

select
    evidence.indicator_evidence_id,
    evidence.source_name,
    evidence.record_key,
    evidence.batch_id
from {{ run_links_written_this_run(ref('fct_indicator_evidence'), ref('fct_evidence_link')) }} as evidence
left join raw_records
    on
        evidence.source_name = raw_records.source_name
        and evidence.batch_id = raw_records.batch_id
        and evidence.record_hash = raw_records.record_hash
where raw_records.record_hash is null
