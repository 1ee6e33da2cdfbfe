-- The cluster organisations to score: every designated organisation, with what CVR says about it and the
-- submission years the scores read (the latest, and the one before for growth).
with

designations as (
    select * from {{ ref('stg_clusters__designations') }}
    where designated_from <= {{ as_of_date() }}
    qualify row_number() over (partition by cvr_number order by designated_from desc) = 1
),

companies as (
    select * from {{ ref('stg_cvr__companies') }}
),

submission_years as (
    select
        organisation_cvr,
        max(submission_year) as latest_submission_year,
        count(*) as submission_count
    from {{ ref('stg_clusters__submissions') }}
    where submission_year <= year({{ as_of_date() }})
    group by organisation_cvr
),

joined as (
    select
        designations.cvr_number as cluster_org_id,
        designations.organisation_name,
        designations.business_area_code,
        designations.programme,
        designations.designated_from,
        designations.designated_to,
        designations.is_synthetic,
        companies.cvr_number is not null as is_found_in_cvr,
        companies.company_name as registry_name,
        companies.company_status,
        companies.is_active,
        companies.legal_form_code,
        companies.legal_form_name,
        companies.is_audit_waived,
        companies.municipality_code,
        submission_years.latest_submission_year,
        submission_years.latest_submission_year - 1 as previous_submission_year,
        coalesce(submission_years.submission_count, 0) as submission_count
    from designations
    left join companies on designations.cvr_number = companies.cvr_number
    left join submission_years on designations.cvr_number = submission_years.organisation_cvr
)

select * from joined
