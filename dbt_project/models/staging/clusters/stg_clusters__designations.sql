-- One row per organisation designated in a programme period.
with

source as (
    {{ current_records('clusters', 'cluster_designations') }}
),

renamed as (
    select
        record_key as designation_id,
        payload ->> '$.cvr' as cvr_number,
        payload ->> '$.organisation_name' as organisation_name,
        payload ->> '$.business_area_code' as business_area_code,
        payload ->> '$.programme' as programme,
        cast(payload ->> '$.designated_from' as date) as designated_from,
        cast(payload ->> '$.designated_to' as date) as designated_to,
        coalesce(cast(payload ->> '$.synthetic' as boolean), false) as is_synthetic,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
