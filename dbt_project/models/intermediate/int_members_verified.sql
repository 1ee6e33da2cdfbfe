-- Each member an organisation claims in its latest submission, checked against CVR: found, active, size class
-- by CVR's employment figures, and region of its address.
with


companies as (
    select * from {{ ref('stg_cvr__companies') }}
),

municipalities as (
    select * from {{ ref('ref_municipalities') }}
),

latest_members as (
    {{ latest_submission_rows('stg_clusters__members') }}
),

checked as (
    select
        latest_members.submission_member_id,
        latest_members.organisation_cvr as cluster_org_id,
        latest_members.submission_year,
        latest_members.member_key,
        latest_members.member_cvr,
        latest_members.member_category,
        latest_members.claimed_size_class,
        latest_members.member_cvr is null or latest_members.country_code <> 'DK' as is_international,
        latest_members.member_category in ('university', 'R&D institution', 'education provider')
            as is_knowledge_institution,
        companies.cvr_number is not null as is_found_in_cvr,
        coalesce(companies.is_active, false) as is_active_in_cvr,
        companies.company_status,
        {{ size_class('companies.employees', 'companies.employment_band') }} as registry_size_class,
        municipalities.region_name,
        latest_members.record_hash,
        companies.record_hash as registry_record_hash
    from latest_members
    left join companies on latest_members.member_cvr = companies.cvr_number
    left join municipalities on companies.municipality_code = municipalities.municipality_code
)

select * from checked
