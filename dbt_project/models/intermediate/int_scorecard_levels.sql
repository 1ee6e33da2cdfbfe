-- The readiness level per organisation and why. The rule, in order: a failed gate means Not eligible whatever
-- the score; a gate without data, or coverage below the rulebook's minimum, means Insufficient data; otherwise
-- the total score's band: Gold, Silver, Bronze or None.
with

category_scores as (
    select * from {{ ref('int_category_scores') }}
),

gates as (
    select * from {{ ref('int_indicator_scores') }}
    where category = 'gate'
),

parameters as (
    select
        max(value) filter (where parameter = 'level_gold_min_score_pct') as gold_min,
        max(value) filter (where parameter = 'level_silver_min_score_pct') as silver_min,
        max(value) filter (where parameter = 'level_bronze_min_score_pct') as bronze_min,
        max(value) filter (where parameter = 'min_coverage_pct') as min_coverage
    from {{ ref('rulebook_parameters') }}
    where rulebook_version = {{ rulebook_version() }}
),

totals as (
    select
        cluster_org_id,
        round(
            sum(score_pct * category_weight) / nullif(sum(category_weight) filter (where score_pct is not null), 0), 2
        ) as total_score_pct,
        round(sum(coverage_pct * category_weight) / nullif(sum(category_weight), 0), 2) as data_coverage_pct,
        round(sum(registry_verified_pct * category_weight) / nullif(sum(category_weight), 0), 2)
            as registry_verified_pct,
        max(score_pct) filter (where category = 'structure') as score_structure_pct,
        max(score_pct) filter (where category = 'management_governance') as score_management_governance_pct,
        max(score_pct) filter (where category = 'financing') as score_financing_pct,
        max(score_pct) filter (where category = 'strategy_services') as score_strategy_services_pct,
        max(score_pct) filter (where category = 'achievements_recognition') as score_achievements_recognition_pct
    from category_scores
    group by cluster_org_id
),

gate_summary as (
    select
        cluster_org_id,
        max(gate_result) filter (where indicator_id = 'gate_own_cvr_active') as gate_own_cvr_active,
        max(gate_result) filter (where indicator_id = 'gate_non_profit_legal_form') as gate_non_profit_legal_form,
        max(gate_result) filter (where indicator_id = 'gate_board_triple_helix') as gate_board_triple_helix,
        max(gate_result) filter (where indicator_id = 'gate_committed_members') as gate_committed_members,
        max(gate_result) filter (where indicator_id = 'gate_member_types') as gate_member_types,
        max(gate_result) filter (where indicator_id = 'gate_management_fte') as gate_management_fte,
        string_agg(indicator_id, ', ' order by indicator_id) filter (where gate_result = 'fail') as gates_failed,
        string_agg(indicator_id, ', ' order by indicator_id) filter (where gate_result = 'missing') as gates_missing
    from gates
    group by cluster_org_id
),

leveled as (
    select
        totals.*,
        gate_summary.gate_own_cvr_active,
        gate_summary.gate_non_profit_legal_form,
        gate_summary.gate_board_triple_helix,
        gate_summary.gate_committed_members,
        gate_summary.gate_member_types,
        gate_summary.gate_management_fte,
        gate_summary.gates_failed,
        gate_summary.gates_missing,
        case
            when gate_summary.gates_failed is not null then 'Not eligible'
            when gate_summary.gates_missing is not null then 'Insufficient data'
            when totals.data_coverage_pct < parameters.min_coverage then 'Insufficient data'
            when totals.total_score_pct >= parameters.gold_min then 'Gold'
            when totals.total_score_pct >= parameters.silver_min then 'Silver'
            when totals.total_score_pct >= parameters.bronze_min then 'Bronze'
            else 'None'
        end as readiness_level,
        case
            when gate_summary.gates_failed is not null then 'Gate failed: ' || gate_summary.gates_failed
            when gate_summary.gates_missing is not null then 'No data for gate: ' || gate_summary.gates_missing
            when totals.data_coverage_pct < parameters.min_coverage
                then
                    'Data coverage ' || totals.data_coverage_pct || ' % is below the minimum '
                    || parameters.min_coverage || ' %'
            when totals.total_score_pct >= parameters.gold_min
                then 'Total ' || totals.total_score_pct || ' % reaches Gold (>= ' || parameters.gold_min || ' %)'
            when totals.total_score_pct >= parameters.silver_min
                then
                    'Total ' || totals.total_score_pct || ' % reaches Silver (>= ' || parameters.silver_min
                    || ' %), below Gold (' || parameters.gold_min || ' %)'
            when totals.total_score_pct >= parameters.bronze_min
                then
                    'Total ' || totals.total_score_pct || ' % reaches Bronze (>= ' || parameters.bronze_min
                    || ' %), below Silver (' || parameters.silver_min || ' %)'
            else 'Total ' || totals.total_score_pct || ' % is below Bronze (' || parameters.bronze_min || ' %)'
        end as level_reason
    from totals
    inner join gate_summary on totals.cluster_org_id = gate_summary.cluster_org_id
    cross join parameters
)

select * from leveled
