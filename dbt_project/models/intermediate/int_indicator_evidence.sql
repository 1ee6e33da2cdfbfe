-- Which records each indicator value was computed from: one row per organisation, indicator and record, with
-- the record's source, key, hash and batch, so any published number leads back to its raw records.
-- A view: its one reader, fct_evidence_link, stores the links (the run's are its open ones, which the scorecard
-- and the release read, and its tests check). As a table, the 1.2 million national links were written once here
-- and compared again there: 2.3 s of every night, where the query alone is 0.6 s (bench/README.md).
{{ config(materialized='view') }}
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

organisation_records as (
    -- The organisation's own CVR document
    select
        organisations.cluster_org_id,
        'cvr_companies' as source_name,
        companies.cvr_number as record_key,
        companies.record_hash,
        companies.batch_id,
        unnest([
            'gate_own_cvr_active', 'gate_non_profit_legal_form', 'governance_board_size',
            'governance_board_renewal_pct', 'governance_chair_tenure_years', 'governance_audit_not_waived'
        ]) as indicator_id
    from organisations
    inner join {{ ref('stg_cvr__companies') }} as companies on organisations.cluster_org_id = companies.cvr_number
),

submission_headers as (
    select
        headers.organisation_cvr as cluster_org_id,
        'cluster_submissions' as source_name,
        headers.submission_id as record_key,
        headers.record_hash,
        headers.batch_id,
        unnest([
            'gate_management_fte', 'strategy_document_age_years', 'strategy_member_satisfaction_pct'
        ]) as indicator_id
    from {{ ref('stg_clusters__submissions') }} as headers
    inner join organisations
        on
            headers.organisation_cvr = organisations.cluster_org_id
            and headers.submission_year = organisations.latest_submission_year
),

member_lines as (
    select
        members.organisation_cvr as cluster_org_id,
        'cluster_submissions' as source_name,
        members.submission_member_id as record_key,
        members.record_hash,
        members.batch_id,
        unnest([
            'gate_committed_members', 'gate_member_types', 'structure_members_verified_pct',
            'structure_sme_share_pct', 'structure_knowledge_institutions', 'structure_regions_covered',
            'structure_member_growth_pct', 'structure_international_members_pct'
        ]) as indicator_id
    from ({{ latest_submission_rows('stg_clusters__members') }}) as members
),

member_registry_records as (
    -- distinct: a company listed twice among one organisation's members is one record behind its indicators
    select distinct
        members.organisation_cvr as cluster_org_id,
        'cvr_companies' as source_name,
        companies.cvr_number as record_key,
        companies.record_hash,
        companies.batch_id,
        unnest(['structure_members_verified_pct', 'structure_sme_share_pct', 'structure_regions_covered'])
            as indicator_id
    from ({{ latest_submission_rows('stg_clusters__members') }}) as members
    inner join {{ ref('stg_cvr__companies') }} as companies on members.member_cvr = companies.cvr_number
),

previous_member_lines as (
    select
        members.organisation_cvr as cluster_org_id,
        'cluster_submissions' as source_name,
        members.submission_member_id as record_key,
        members.record_hash,
        members.batch_id,
        'structure_member_growth_pct' as indicator_id
    from {{ ref('stg_clusters__members') }} as members
    inner join organisations
        on
            members.organisation_cvr = organisations.cluster_org_id
            and members.submission_year = organisations.previous_submission_year
),

board_seat_lines as (
    select
        seats.organisation_cvr as cluster_org_id,
        'cluster_submissions' as source_name,
        seats.board_seat_id as record_key,
        seats.record_hash,
        seats.batch_id,
        unnest(['gate_board_triple_helix', 'governance_board_knowledge_share_pct']) as indicator_id
    from ({{ latest_submission_rows('stg_clusters__board_seats') }}) as seats
),

latest_annual_reports as (
    select reports.*
    from {{ ref('stg_annual_reports__reports') }} as reports
    inner join organisations on reports.cvr_number = organisations.cluster_org_id
    qualify row_number() over (partition by reports.cvr_number order by reports.period_end desc) <= 3
),

annual_reports as (
    select
        cvr_number as cluster_org_id,
        'annual_reports' as source_name,
        annual_report_id as record_key,
        record_hash,
        batch_id,
        unnest(['governance_reports_on_time_pct', 'financing_equity_positive', 'financing_profitable_years'])
            as indicator_id
    from latest_annual_reports
),

funding_lines as (
    select
        funding.organisation_cvr as cluster_org_id,
        'cluster_submissions' as source_name,
        funding.funding_line_id as record_key,
        funding.record_hash,
        funding.batch_id,
        unnest(['financing_private_share_pct', 'financing_source_count', 'financing_concentration_hhi'])
            as indicator_id
    from ({{ latest_submission_rows('stg_clusters__funding') }}) as funding
),

project_lines as (
    select
        projects.organisation_cvr as cluster_org_id,
        'cluster_submissions' as source_name,
        projects.project_line_id as record_key,
        projects.record_hash,
        projects.batch_id,
        'strategy_qualifying_projects' as indicator_id
    from ({{ latest_submission_rows('stg_clusters__projects') }}) as projects
),

engagement_lines as (
    select
        engagement.organisation_cvr as cluster_org_id,
        'cluster_submissions' as source_name,
        engagement.engagement_line_id as record_key,
        engagement.record_hash,
        engagement.batch_id,
        unnest(['achievements_firms_engaged', 'achievements_sme_engaged_pct']) as indicator_id
    from ({{ latest_submission_rows('stg_clusters__engagement') }}) as engagement
),

label_rows as (
    select distinct  -- as above: an award matched to an organisation twice
        labels.cluster_org_id,
        'label_awards' as source_name,
        awards.label_award_id as record_key,
        awards.record_hash,
        awards.batch_id,
        unnest(['achievements_label_level', 'achievements_label_days_to_expiry']) as indicator_id
    from {{ ref('int_labels_matched') }} as labels
    inner join {{ ref('stg_labels__awards') }} as awards on labels.label_award_id = awards.label_award_id
),

unioned as (
    select * from organisation_records
    union all by name
    select * from submission_headers
    union all by name
    select * from member_lines
    union all by name
    select * from member_registry_records
    union all by name
    select * from previous_member_lines
    union all by name
    select * from board_seat_lines
    union all by name
    select * from annual_reports
    union all by name
    select * from funding_lines
    union all by name
    select * from project_lines
    union all by name
    select * from engagement_lines
    union all by name
    select * from label_rows
)

-- Every other part reads one row per record (each staging model's key is unique, and tested) for indicators no
-- other part names with that source, so the union has no row twice: a distinct over all 1.2 million national
-- links took 0.25-0.5 s of every night for nothing (tests/assert_run_links_once.sql would say otherwise). A link's
-- id is made by fct_evidence_link, for the links it opens.
select
    cluster_org_id,
    indicator_id,
    source_name,
    record_key,
    record_hash,
    batch_id
from unioned
