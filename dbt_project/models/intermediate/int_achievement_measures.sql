-- Achievements and recognition per organisation: firms engaged in the latest year and the label held.
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

submissions as (
    select * from {{ ref('stg_clusters__submissions') }}
),

latest_engagement as (
    {{ latest_submission_rows('stg_clusters__engagement') }}
),

engagement as (
    select
        engagement.organisation_cvr as cluster_org_id,
        sum(engagement.firms_engaged) as firms_engaged,
        sum(engagement.firms_engaged) filter (where engagement.size_class in ('micro', 'small', 'medium'))
            as sme_firms_engaged,
        count(*) as engagement_lines
    from latest_engagement as engagement
    group by engagement.organisation_cvr
),

labels as (
    select * from {{ ref('int_labels_matched') }}
),

measures as (
    select
        organisations.cluster_org_id,
        case when submissions.reported_engagement then coalesce(engagement.firms_engaged, 0) end
            as achievements_firms_engaged,
        coalesce(engagement.engagement_lines, 0) as achievements_firms_engaged_evidence,
        case
            when submissions.reported_engagement
                then {{ pct('coalesce(engagement.sme_firms_engaged, 0)', 'engagement.firms_engaged') }}
        end as achievements_sme_engaged_pct,
        coalesce(engagement.engagement_lines, 0) as achievements_sme_engaged_pct_evidence,
        labels.label_rank as achievements_label_level,
        labels.label_rows_matched as achievements_label_level_evidence,
        labels.label_days_to_expiry as achievements_label_days_to_expiry,
        labels.label_rows_matched as achievements_label_days_to_expiry_evidence
    from organisations
    left join submissions
        on
            organisations.cluster_org_id = submissions.organisation_cvr
            and organisations.latest_submission_year = submissions.submission_year
    left join engagement on organisations.cluster_org_id = engagement.cluster_org_id
    left join labels on organisations.cluster_org_id = labels.cluster_org_id
)

select * from measures
