{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='run_id', on_schema_change='fail') }}
-- One row per organisation, scored category and run: the category score, its coverage and the share verified by
-- a registry. Append-only across runs.
with

scores as (
    select * from {{ ref('int_category_scores') }}
),

final as (
    select
        {{ current_run_id() }} || '/' || scores.category_score_id as category_score_row_id,
        {{ current_run_id() }} as run_id,
        {{ rulebook_version() }} as rulebook_version,
        scores.cluster_org_id,
        scores.category,
        cast(scores.category_weight as double) as category_weight,
        scores.score_pct,
        scores.coverage_pct,
        scores.registry_verified_pct,
        scores.indicators_with_data,
        scores.indicators_missing,
        {{ as_of_date() }} as as_of_date,
        cast(current_timestamp as timestamp) as computed_at
    from scores
)

select * from final
