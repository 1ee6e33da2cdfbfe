{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='run_id', on_schema_change='fail') }}
-- One row per organisation, indicator and run: the value, the level its thresholds reach, the points, how much
-- evidence stands behind it and whether it is measured, self-reported or missing. Append-only across runs.
with

scores as (
    select * from {{ ref('int_indicator_scores') }}
),

final as (
    select
        {{ current_run_id() }} || '/' || scores.indicator_score_id as indicator_value_id,
        {{ current_run_id() }} as run_id,
        scores.rulebook_version,
        scores.cluster_org_id,
        scores.indicator_id,
        scores.category,
        scores.indicator_value,
        scores.level_reached,
        cast(scores.points as double) as points,
        cast(scores.weight as double) as weight,
        scores.evidence_count,
        scores.evidence_source,
        scores.data_status,
        scores.gate_result,
        {{ as_of_date() }} as as_of_date,
        cast(current_timestamp as timestamp) as computed_at
    from scores
)

select * from final
