-- Strategy, objectives and services per organisation: strategy age, innovation projects that meet the
-- published rule (>= 1 knowledge institution and >= 2 firms, >= 1 of them an SME by CVR), member satisfaction.
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

submissions as (
    select * from {{ ref('stg_clusters__submissions') }}
),

latest_participants as (
    {{ latest_submission_rows('stg_clusters__project_participants') }}
),

participants as (
    select
        participants.organisation_cvr as cluster_org_id,
        participants.project_line_id,
        participants.participant_role,
        {{ size_class('companies.employees', 'companies.employment_band') }} as registry_size_class
    from latest_participants as participants
    left join {{ ref('stg_cvr__companies') }} as companies
        on participants.participant_cvr = companies.cvr_number
),

projects as (
    select
        cluster_org_id,
        project_line_id,
        count(*) filter (where participant_role = 'knowledge_institution') as knowledge_participants,
        count(*) filter (where participant_role = 'firm') as firm_participants,
        count(*) filter (
            where participant_role = 'firm' and registry_size_class in ('micro', 'small', 'medium')
        ) as sme_participants,
        count(*) as participant_rows
    from participants
    group by all
),

project_summary as (
    select
        cluster_org_id,
        count(*) filter (
            where knowledge_participants >= 1 and firm_participants >= 2 and sme_participants >= 1
        ) as qualifying_projects,
        sum(participant_rows) as participant_rows
    from projects
    group by cluster_org_id
),

measures as (
    select
        organisations.cluster_org_id,
        round((({{ as_of_date() }}) - submissions.strategy_document_date) / 365.25, 2) as strategy_document_age_years,
        case when submissions.strategy_document_date is null then 0 else 1 end as strategy_document_age_years_evidence,
        case when submissions.reported_projects then coalesce(project_summary.qualifying_projects, 0) end
            as strategy_qualifying_projects,
        coalesce(project_summary.participant_rows, 0) as strategy_qualifying_projects_evidence,
        submissions.member_satisfaction_pct as strategy_member_satisfaction_pct,
        case when submissions.member_satisfaction_pct is null then 0 else 1 end
            as strategy_member_satisfaction_pct_evidence
    from organisations
    left join submissions
        on
            organisations.cluster_org_id = submissions.organisation_cvr
            and organisations.latest_submission_year = submissions.submission_year
    left join project_summary on organisations.cluster_org_id = project_summary.cluster_org_id
)

select * from measures
