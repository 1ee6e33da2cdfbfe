-- Financing per organisation: income by source in the latest submission, and financial health from the annual
-- reports (equity, years without a loss).
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

submissions as (
    select * from {{ ref('stg_clusters__submissions') }}
),

latest_funding as (
    {{ latest_submission_rows('stg_clusters__funding') }}
),

funding_by_type as (
    select
        funding.organisation_cvr as cluster_org_id,
        funding.funding_source_type,
        bool_or(funding.is_private) as is_private,
        sum(funding.amount_dkk) as amount_dkk,
        count(*) as funding_lines
    from latest_funding as funding
    group by all
),

funding as (
    select
        cluster_org_id,
        sum(amount_dkk) as total_dkk,
        sum(amount_dkk) filter (where is_private) as private_dkk,
        count(*) filter (where amount_dkk > 0) as source_types,
        sum(funding_lines) as funding_lines
    from funding_by_type
    group by cluster_org_id
),

concentration as (
    select
        funding_by_type.cluster_org_id,
        round(sum(power(funding_by_type.amount_dkk / nullif(funding.total_dkk, 0), 2)), 4) as hhi
    from funding_by_type
    inner join funding on funding_by_type.cluster_org_id = funding.cluster_org_id
    group by funding_by_type.cluster_org_id
),

latest_reports as (
    select
        *,
        row_number() over (partition by cvr_number order by period_end desc) as recency
    from {{ ref('stg_annual_reports__reports') }}
    qualify recency <= 3
),

reports as (
    select
        cvr_number as cluster_org_id,
        max(equity_dkk) filter (where recency = 1) as latest_equity_dkk,
        count(profit_loss_dkk) as reports_with_result,
        count(*) filter (where profit_loss_dkk >= 0) as years_without_loss
    from latest_reports
    group by cvr_number
),

measures as (
    select
        organisations.cluster_org_id,
        case when submissions.reported_funding then {{ pct('coalesce(funding.private_dkk, 0)', 'funding.total_dkk') }} end
            as financing_private_share_pct,
        coalesce(funding.funding_lines, 0) as financing_private_share_pct_evidence,
        case when submissions.reported_funding then coalesce(funding.source_types, 0) end as financing_source_count,
        coalesce(funding.funding_lines, 0) as financing_source_count_evidence,
        case when submissions.reported_funding then concentration.hhi end as financing_concentration_hhi,
        coalesce(funding.funding_lines, 0) as financing_concentration_hhi_evidence,
        case
            when reports.latest_equity_dkk is null then null
            when reports.latest_equity_dkk > 0 then 1
            else 0
        end as financing_equity_positive,
        case when reports.latest_equity_dkk is null then 0 else 1 end as financing_equity_positive_evidence,
        case when reports.reports_with_result > 0 then reports.years_without_loss end as financing_profitable_years,
        coalesce(reports.reports_with_result, 0) as financing_profitable_years_evidence
    from organisations
    left join submissions
        on
            organisations.cluster_org_id = submissions.organisation_cvr
            and organisations.latest_submission_year = submissions.submission_year
    left join funding on organisations.cluster_org_id = funding.cluster_org_id
    left join concentration on organisations.cluster_org_id = concentration.cluster_org_id
    left join reports on organisations.cluster_org_id = reports.cluster_org_id
)

select * from measures
