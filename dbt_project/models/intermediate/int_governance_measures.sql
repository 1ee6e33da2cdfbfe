-- Management and governance per organisation: the board and management as CVR records them, board composition
-- as the organisation reports it, audit and timely annual reports.
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

roles as (
    select * from {{ ref('stg_cvr__participant_roles') }}
    where cvr_number in (select cluster_org_id from organisations)
),

board_members as (
    -- One row per current board member, dated from the start of their board service (any board function).
    select
        cvr_number as cluster_org_id,
        participant_unit_number,
        min(valid_from) as on_board_since,
        count(*) as role_rows
    from roles
    where role_group = 'LEDELSESORGAN'
    group by all
    having bool_or(is_current)
),

board_summary as (
    select
        cluster_org_id,
        count(*) as board_size,
        count(*) filter (where on_board_since > {{ as_of_date() }} - interval 4 year) as joined_recently,
        sum(role_rows) as role_rows
    from board_members
    group by cluster_org_id
),

chairs as (
    select
        cvr_number as cluster_org_id,
        min(valid_from) as chair_since
    from roles
    where role_group = 'LEDELSESORGAN' and role_function = 'FORMAND' and is_current
    group by cvr_number
),

auditors as (
    select
        cvr_number as cluster_org_id,
        count(*) as current_auditor_roles
    from roles
    where role_group = 'REVISION' and is_current
    group by cvr_number
),

latest_seats as (
    {{ latest_submission_rows('stg_clusters__board_seats') }}
),

seats as (
    select
        seats.organisation_cvr as cluster_org_id,
        count(*) as seat_lines,
        count(*) filter (where seats.affiliation_type = 'knowledge_institution') as knowledge_seats
    from latest_seats as seats
    group by seats.organisation_cvr
),

latest_reports as (
    select *
    from {{ ref('stg_annual_reports__reports') }}
    qualify row_number() over (partition by cvr_number order by period_end desc) <= 3
),

reports as (
    select
        cvr_number as cluster_org_id,
        count(*) as reports,
        count(*) filter (where published_at <= period_end + interval 5 month) as reports_on_time
    from latest_reports
    group by cvr_number
),

measures as (
    select
        organisations.cluster_org_id,
        case when organisations.is_found_in_cvr then coalesce(board_summary.board_size, 0) end as governance_board_size,
        coalesce(board_summary.role_rows, 0) as governance_board_size_evidence,
        {{ pct('seats.knowledge_seats', 'seats.seat_lines') }} as governance_board_knowledge_share_pct,
        coalesce(seats.seat_lines, 0) as governance_board_knowledge_share_pct_evidence,
        {{ pct('board_summary.joined_recently', 'board_summary.board_size') }} as governance_board_renewal_pct,
        coalesce(board_summary.role_rows, 0) as governance_board_renewal_pct_evidence,
        round(({{ as_of_date() }} - chairs.chair_since) / 365.25, 2) as governance_chair_tenure_years,
        case when chairs.chair_since is null then 0 else 1 end as governance_chair_tenure_years_evidence,
        case
            when organisations.is_audit_waived then 0
            when organisations.is_audit_waived = false or auditors.current_auditor_roles > 0 then 1
        end as governance_audit_not_waived,
        case when organisations.is_found_in_cvr then 1 + coalesce(auditors.current_auditor_roles, 0) else 0 end
            as governance_audit_not_waived_evidence,
        {{ pct('reports.reports_on_time', 'reports.reports') }} as governance_reports_on_time_pct,
        coalesce(reports.reports, 0) as governance_reports_on_time_pct_evidence
    from organisations
    left join board_summary on organisations.cluster_org_id = board_summary.cluster_org_id
    left join chairs on organisations.cluster_org_id = chairs.cluster_org_id
    left join auditors on organisations.cluster_org_id = auditors.cluster_org_id
    left join seats on organisations.cluster_org_id = seats.cluster_org_id
    left join reports on organisations.cluster_org_id = reports.cluster_org_id
)

select * from measures
