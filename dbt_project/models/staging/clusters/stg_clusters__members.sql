-- One row per member line of a submission: the member as the organisation claims it.
with

source as (
    {{ submission_lines('member') }}
),

renamed as (
    select
        record_key as submission_member_id,
        organisation_cvr,
        submission_year,
        payload ->> '$.member_cvr' as member_cvr,
        payload ->> '$.foreign_id' as member_foreign_id,
        coalesce(payload ->> '$.member_cvr', payload ->> '$.foreign_id') as member_key,
        payload ->> '$.name' as member_name,
        coalesce(payload ->> '$.country', 'DK') as country_code,
        payload ->> '$.member_category' as member_category,
        payload ->> '$.commitment_basis' as commitment_basis,
        cast(payload ->> '$.member_since' as date) as member_since,
        payload ->> '$.claimed_size_class' as claimed_size_class,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
