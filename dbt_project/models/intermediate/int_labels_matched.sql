-- The label each organisation holds on the as-of date, matched to the label list by name (the list has no CVR
-- numbers): the highest level valid that day, and when it expires.
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

awards as (
    select
        *,
        case label_level when 'BRONZE' then 1 when 'SILVER' then 2 when 'GOLD' then 3 end as label_rank
    from {{ ref('stg_labels__awards') }}
),

matched as (
    select
        organisations.cluster_org_id,
        awards.label_award_id,
        awards.label_level,
        awards.label_rank,
        awards.awarded_on,
        awards.valid_until,
        awards.score_pct,
        awards.record_hash,
        coalesce(awards.awarded_on, date '0001-01-01') <= {{ as_of_date() }}
        and awards.valid_until >= {{ as_of_date() }} as is_valid_on_as_of
    from organisations
    inner join awards
        on
            lower(trim(awards.organisation_name)) = lower(trim(organisations.organisation_name))
            or lower(trim(awards.organisation_name)) = lower(trim(organisations.registry_name))
),

held as (
    select *
    from matched
    where is_valid_on_as_of
    qualify row_number() over (partition by cluster_org_id order by label_rank desc, valid_until desc) = 1
),

final as (
    select
        organisations.cluster_org_id,
        held.label_award_id,
        held.label_level as label_held,
        coalesce(held.label_rank, 0) as label_rank,
        held.valid_until as label_valid_until,
        held.score_pct as label_score_pct,
        coalesce(held.valid_until - {{ as_of_date() }}, 0) as label_days_to_expiry,
        (
            select count(*) from matched
            where matched.cluster_org_id = organisations.cluster_org_id
        ) as label_rows_matched
    from organisations
    left join held on organisations.cluster_org_id = held.cluster_org_id
)

select * from final
