-- Eligibility gates per organisation: 1 met, 0 not met, null when the data to judge is missing.
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

submissions as (
    select * from {{ ref('stg_clusters__submissions') }}
),

members as (
    select * from {{ ref('int_members_verified') }}
),

seats as (
    {{ latest_submission_rows('stg_clusters__board_seats') }}
),

member_summary as (
    select
        cluster_org_id,
        count(distinct member_key) as committed_members,
        count(distinct member_category) as member_types,
        count(*) as member_lines
    from members
    group by cluster_org_id
),

seat_summary as (
    select
        seats.organisation_cvr as cluster_org_id,
        count(*) filter (where seats.affiliation_type = 'company') as company_seats,
        count(*) filter (where seats.affiliation_type = 'knowledge_institution') as knowledge_seats,
        count(*) as seat_lines
    from seats
    group by seats.organisation_cvr
),

measures as (
    select
        organisations.cluster_org_id,
        case when organisations.is_found_in_cvr and organisations.is_active then 1 else 0 end as gate_own_cvr_active,
        case when organisations.is_found_in_cvr then 1 else 0 end as gate_own_cvr_active_evidence,
        case
            when organisations.legal_form_code is null then null
            when organisations.legal_form_code in (90, 100, 110, 115) then 1
            else 0
        end as gate_non_profit_legal_form,
        case when organisations.legal_form_code is null then 0 else 1 end as gate_non_profit_legal_form_evidence,
        case
            when not coalesce(submissions.reported_board, false) then null
            when seat_summary.company_seats > 0 and seat_summary.knowledge_seats > 0 then 1
            else 0
        end as gate_board_triple_helix,
        coalesce(seat_summary.seat_lines, 0) as gate_board_triple_helix_evidence,
        case when submissions.submission_id is not null then coalesce(member_summary.committed_members, 0) end
            as gate_committed_members,
        coalesce(member_summary.member_lines, 0) as gate_committed_members_evidence,
        case when submissions.submission_id is not null then coalesce(member_summary.member_types, 0) end
            as gate_member_types,
        coalesce(member_summary.member_lines, 0) as gate_member_types_evidence,
        submissions.management_fte as gate_management_fte,
        case when submissions.management_fte is null then 0 else 1 end as gate_management_fte_evidence
    from organisations
    left join submissions
        on
            organisations.cluster_org_id = submissions.organisation_cvr
            and organisations.latest_submission_year = submissions.submission_year
    left join member_summary on organisations.cluster_org_id = member_summary.cluster_org_id
    left join seat_summary on organisations.cluster_org_id = seat_summary.cluster_org_id
)

select * from measures
