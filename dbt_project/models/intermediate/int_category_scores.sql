-- Category scores per organisation: the weighted mean of the points of the indicators that have data, and the
-- share of the category's weight that has data (coverage). Gates are not scored.
with

scores as (
    select * from {{ ref('int_indicator_scores') }}
    where category <> 'gate'
),

categories as (
    select * from {{ ref('rulebook_categories') }}
    where rulebook_version = {{ rulebook_version() }} and category <> 'gate'
),

summarised as (
    select
        cluster_org_id,
        category,
        round(sum(points * weight) / nullif(sum(weight) filter (where points is not null), 0), 2) as score_pct,
        coalesce(round(100.0 * sum(weight) filter (where points is not null) / nullif(sum(weight), 0), 2), 0)
            as coverage_pct,
        coalesce(
            round(100.0 * sum(weight) filter (where data_status = 'measured') / nullif(sum(weight), 0), 2), 0
        ) as registry_verified_pct,
        count(*) filter (where weight > 0 and points is not null) as indicators_with_data,
        count(*) filter (where weight > 0 and points is null) as indicators_missing
    from scores
    group by all
)

select
    summarised.cluster_org_id || '/' || summarised.category as category_score_id,
    summarised.*,
    categories.weight as category_weight
from summarised
inner join categories on summarised.category = categories.category
