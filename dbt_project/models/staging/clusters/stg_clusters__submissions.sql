-- One row per organisation and year: the scalar facts of its submission.
with

source as (
    {{ current_records('clusters', 'cluster_submissions') }}
),

renamed as (
    select
        record_key as submission_id,
        payload ->> '$.organisation_cvr' as organisation_cvr,
        cast(payload ->> '$.year' as integer) as submission_year,
        cast(payload ->> '$.submitted_on' as date) as submitted_on,
        cast(payload ->> '$.strategy_document_date' as date) as strategy_document_date,
        cast(payload ->> '$.management_fte' as double) as management_fte,
        cast(payload ->> '$.member_satisfaction_pct' as double) as member_satisfaction_pct,
        payload ->> '$.website_en' as website_en,
        cast(payload ->> '$.eccp_profile' as boolean) as has_eccp_profile,
        (payload -> '$.section_line_counts.funding') is not null as reported_funding,
        (payload -> '$.section_line_counts.projects') is not null as reported_projects,
        (payload -> '$.section_line_counts.engagement') is not null as reported_engagement,
        (payload -> '$.section_line_counts.board') is not null as reported_board,
        coalesce(cast(payload ->> '$.synthetic' as boolean), false) as is_synthetic,
        batch_id,
        record_hash,
        fetched_at
    from source
    where record_type = 'submission'
)

select * from renamed
