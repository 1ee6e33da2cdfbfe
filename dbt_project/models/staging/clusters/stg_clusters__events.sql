-- One row per event the organisation held.
with

source as (
    {{ submission_lines('event') }}
),

renamed as (
    select
        record_key as event_line_id,
        organisation_cvr,
        submission_year,
        payload ->> '$.event_id' as event_id,
        cast(payload ->> '$.held_on' as date) as held_on,
        cast(payload ->> '$.participants' as integer) as participants,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
