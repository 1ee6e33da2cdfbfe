-- One row per funding line: income by source type for one organisation and year, in DKK.
with

source as (
    {{ submission_lines('funding') }}
),

renamed as (
    select
        record_key as funding_line_id,
        organisation_cvr,
        submission_year,
        payload ->> '$.source_type' as funding_source_type,
        payload ->> '$.funder' as funder,
        cast(payload ->> '$.amount_dkk' as double) as amount_dkk,
        starts_with(payload ->> '$.source_type', 'private_') as is_private,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
