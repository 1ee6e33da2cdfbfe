-- Members an organisation claims that CVR contradicts: not found, ceased or bankrupt, or in another size class
-- than claimed. One row per member and kind of discrepancy.
with

members as (
    select * from {{ ref('int_members_verified') }}
    where member_cvr is not null
),

discrepancies as (
    select
        submission_member_id,
        cluster_org_id,
        submission_year,
        member_cvr,
        'not_found_in_cvr' as discrepancy_kind,
        'claimed member ' || member_cvr || ' has no record in CVR' as discrepancy_detail
    from members
    where not is_found_in_cvr

    union all

    select
        submission_member_id,
        cluster_org_id,
        submission_year,
        member_cvr,
        'not_active_in_cvr' as discrepancy_kind,
        'claimed member ' || member_cvr || ' has CVR status ' || company_status as discrepancy_detail
    from members
    where is_found_in_cvr and not is_active_in_cvr

    union all

    select
        submission_member_id,
        cluster_org_id,
        submission_year,
        member_cvr,
        'size_class_differs' as discrepancy_kind,
        'claimed ' || claimed_size_class || ', CVR employment says ' || registry_size_class as discrepancy_detail
    from members
    where
        is_found_in_cvr
        and claimed_size_class is not null
        and registry_size_class is not null
        and claimed_size_class <> registry_size_class
)

select
    md5(submission_member_id || '|' || discrepancy_kind) as discrepancy_id,
    *
from discrepancies
