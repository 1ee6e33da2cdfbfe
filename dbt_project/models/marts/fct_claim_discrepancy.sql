{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='run_id', on_schema_change='fail') }}
-- Members an organisation claims that CVR contradicts, per run. Append-only across runs.
with

discrepancies as (
    select * from {{ ref('int_claim_discrepancies') }}
),

final as (
    select
        {{ current_run_id() }} || '/' || discrepancies.discrepancy_id as claim_discrepancy_id,
        {{ current_run_id() }} as run_id,
        discrepancies.cluster_org_id,
        discrepancies.submission_year,
        discrepancies.submission_member_id,
        discrepancies.member_cvr,
        discrepancies.discrepancy_kind,
        discrepancies.discrepancy_detail,
        cast(current_timestamp as timestamp) as computed_at
    from discrepancies
)

select * from final
