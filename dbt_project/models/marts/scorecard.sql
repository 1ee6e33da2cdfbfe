{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='run_id', on_schema_change='fail') }}
-- The published scorecard: one row per organisation and run with the total score, the score per category,
-- each gate's result, the readiness level and why, data coverage, the share verified by a registry, the label
-- held, claim discrepancies and the change since the previous run. Append-only across runs.
with

levels as (
    select * from {{ ref('int_scorecard_levels') }}
),

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

labels as (
    select * from {{ ref('int_labels_matched') }}
),

-- The run's evidence links: the open ones, once fct_evidence_link has stored them (int_indicator_evidence is a
-- view that would compute them again).
evidence as (
    select * from {{ ref('fct_evidence_link') }}
    where last_run_seq is null
),

batches as (
    select
        cluster_org_id,
        list_sort(list_distinct(list(batch_id))) as source_batch_ids
    from evidence
    group by cluster_org_id
),

stale as (
    select
        evidence.cluster_org_id,
        list_sort(list_distinct(list(
            freshness.source_name || ' since ' || strftime(freshness.stale_since, '%Y-%m-%d %H:%M UTC')
        ))) as stale_sources
    from evidence
    inner join {{ ref('int_source_freshness') }} as freshness
        on evidence.source_name = freshness.source_name and freshness.is_stale
    group by evidence.cluster_org_id
),

discrepancies as (
    select
        cluster_org_id,
        count(*) as claim_discrepancies
    from {{ ref('int_claim_discrepancies') }}
    group by cluster_org_id
),

previous as (
    {% if is_incremental() %}
        select
            cluster_org_id,
            run_id as previous_run_id,
            total_score_pct as previous_total_score_pct,
            readiness_level as previous_readiness_level
        from {{ this }}
        where run_id <> {{ current_run_id() }}
        qualify row_number() over (partition by cluster_org_id order by computed_at desc) = 1
    {% else %}
        select
            cast(null as varchar) as cluster_org_id,
            cast(null as varchar) as previous_run_id,
            cast(null as double) as previous_total_score_pct,
            cast(null as varchar) as previous_readiness_level
        where false
    {% endif %}
),

final as (
    select
        {{ current_run_id() }} || '/' || levels.cluster_org_id as scorecard_id,
        {{ current_run_id() }} as run_id,
        {{ rulebook_version() }} as rulebook_version,
        '{{ invocation_id }}' as dbt_invocation_id,
        batches.source_batch_ids,
        coalesce(stale.stale_sources, []) as stale_sources,
        levels.cluster_org_id,
        organisations.organisation_name,
        levels.readiness_level,
        levels.level_reason,
        levels.total_score_pct,
        levels.score_structure_pct,
        levels.score_management_governance_pct,
        levels.score_financing_pct,
        levels.score_strategy_services_pct,
        levels.score_achievements_recognition_pct,
        levels.gate_own_cvr_active,
        levels.gate_non_profit_legal_form,
        levels.gate_board_triple_helix,
        levels.gate_committed_members,
        levels.gate_member_types,
        levels.gate_management_fte,
        levels.data_coverage_pct,
        levels.registry_verified_pct,
        labels.label_held,
        labels.label_valid_until,
        labels.label_days_to_expiry,
        coalesce(discrepancies.claim_discrepancies, 0) as claim_discrepancies,
        previous.previous_run_id,
        previous.previous_total_score_pct,
        previous.previous_readiness_level,
        round(levels.total_score_pct - previous.previous_total_score_pct, 2) as score_change_pct,
        organisations.is_synthetic,
        {{ as_of_date() }} as as_of_date,
        cast(current_timestamp as timestamp) as computed_at
    from levels
    inner join organisations on levels.cluster_org_id = organisations.cluster_org_id
    left join labels on levels.cluster_org_id = labels.cluster_org_id
    left join discrepancies on levels.cluster_org_id = discrepancies.cluster_org_id
    left join batches on levels.cluster_org_id = batches.cluster_org_id
    left join stale on levels.cluster_org_id = stale.cluster_org_id
    left join previous on levels.cluster_org_id = previous.cluster_org_id
)

select * from final
