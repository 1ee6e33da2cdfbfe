-- One row per size class: how many firms the organisation engaged in a year.
with

source as (
    {{ submission_lines('engagement') }}
),

renamed as (
    select
        record_key as engagement_line_id,
        organisation_cvr,
        submission_year,
        payload ->> '$.size_class' as size_class,
        cast(payload ->> '$.firms_engaged' as integer) as firms_engaged,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
