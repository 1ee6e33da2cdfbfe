-- One row per cluster organisation scored: who it is, its business area, and what CVR says of it.
with

organisations as (
    select * from {{ ref('int_cluster_organisations_scoped') }}
),

areas as (
    select * from {{ ref('ref_business_areas') }}
),

final as (
    select
        organisations.cluster_org_id,
        organisations.organisation_name,
        organisations.registry_name,
        organisations.business_area_code,
        areas.area_name as business_area_name,
        organisations.programme,
        organisations.designated_from,
        organisations.designated_to,
        organisations.is_found_in_cvr,
        organisations.company_status,
        organisations.legal_form_code,
        organisations.legal_form_name,
        organisations.latest_submission_year,
        organisations.submission_count,
        organisations.is_synthetic
    from organisations
    left join areas on organisations.business_area_code = areas.business_area_code
)

select * from final
