-- Structure of the cluster per organisation: who the members are, as claimed and as CVR confirms.
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

members as (
    select * from {{ ref('int_members_verified') }}
),

members_by_year as (
    select
        organisation_cvr as cluster_org_id,
        submission_year,
        count(distinct member_key) as members
    from {{ ref('stg_clusters__members') }}
    group by all
),

summary as (
    select
        cluster_org_id,
        count(member_cvr) as danish_members,
        count(member_cvr) filter (where is_active_in_cvr) as active_danish_members,
        count(registry_size_class) filter (where is_found_in_cvr) as sized_members,
        count(registry_size_class) filter (
            where is_found_in_cvr and registry_size_class in ('micro', 'small', 'medium')
        ) as sme_members,
        count(distinct member_key) filter (where is_knowledge_institution) as knowledge_institutions,
        count(distinct region_name) filter (where is_found_in_cvr) as regions,
        count(*) filter (where is_found_in_cvr) as located_members,
        count(*) filter (where is_international) as international_members,
        count(*) as member_lines
    from members
    group by cluster_org_id
),

measures as (
    select
        organisations.cluster_org_id,
        {{ pct('summary.active_danish_members', 'summary.danish_members') }} as structure_members_verified_pct,
        coalesce(summary.danish_members, 0) as structure_members_verified_pct_evidence,
        {{ pct('summary.sme_members', 'summary.sized_members') }} as structure_sme_share_pct,
        coalesce(summary.sized_members, 0) as structure_sme_share_pct_evidence,
        case when organisations.latest_submission_year is not null then coalesce(summary.knowledge_institutions, 0) end
            as structure_knowledge_institutions,
        coalesce(summary.member_lines, 0) as structure_knowledge_institutions_evidence,
        case when organisations.latest_submission_year is not null then coalesce(summary.regions, 0) end
            as structure_regions_covered,
        coalesce(summary.located_members, 0) as structure_regions_covered_evidence,
        {{ pct('latest.members - previous.members', 'previous.members') }} as structure_member_growth_pct,
        coalesce(latest.members, 0) + coalesce(previous.members, 0) as structure_member_growth_pct_evidence,
        {{ pct('summary.international_members', 'summary.member_lines') }} as structure_international_members_pct,
        coalesce(summary.member_lines, 0) as structure_international_members_pct_evidence
    from organisations
    left join summary on organisations.cluster_org_id = summary.cluster_org_id
    left join members_by_year as latest
        on
            organisations.cluster_org_id = latest.cluster_org_id
            and organisations.latest_submission_year = latest.submission_year
    left join members_by_year as previous
        on
            organisations.cluster_org_id = previous.cluster_org_id
            and organisations.previous_submission_year = previous.submission_year
)

select * from measures
