-- Each indicator value scored by the rulebook: the level its thresholds reach, the points that level earns, and
-- where the evidence stands (measured from a registry, self-reported, or missing). Gates pass or fail.
with

indicator_values as (
    select * from {{ ref('int_indicator_values') }}
),

rulebook as (
    select * from {{ ref('rulebook_indicators') }}
    where rulebook_version = {{ rulebook_version() }}
),

parameters as (
    select
        max(value) filter (where parameter = 'points_bronze') as points_bronze,
        max(value) filter (where parameter = 'points_silver') as points_silver,
        max(value) filter (where parameter = 'points_gold') as points_gold
    from {{ ref('rulebook_parameters') }}
    where rulebook_version = {{ rulebook_version() }}
),

leveled as (
    select
        indicator_values.cluster_org_id,
        rulebook.indicator_id,
        rulebook.rulebook_version,
        rulebook.category,
        rulebook.weight,
        rulebook.evidence_source,
        indicator_values.indicator_value,
        coalesce(indicator_values.evidence_count, 0) as evidence_count,
        {{ level_reached(
            'indicator_values.indicator_value', 'rulebook.direction',
            'rulebook.bronze_threshold', 'rulebook.silver_threshold', 'rulebook.gold_threshold'
        ) }} as level_reached
    from rulebook
    inner join indicator_values on rulebook.indicator_id = indicator_values.indicator_id
),

scored as (
    select
        leveled.*,
        case leveled.level_reached
            when 'gold' then parameters.points_gold
            when 'silver' then parameters.points_silver
            when 'bronze' then parameters.points_bronze
            when 'none' then 0
        end as points,
        case
            when leveled.indicator_value is null then 'missing'
            when leveled.evidence_source = 'self-reported' then 'self-reported'
            else 'measured'
        end as data_status,
        case
            when leveled.category <> 'gate' then null
            when leveled.indicator_value is null then 'missing'
            when leveled.level_reached = 'gold' then 'pass'
            else 'fail'
        end as gate_result
    from leveled
    cross join parameters
)

select
    cluster_org_id || '/' || indicator_id as indicator_score_id,
    *
from scored
