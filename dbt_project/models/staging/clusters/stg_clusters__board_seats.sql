-- One row per board seat as the organisation reports it, with the affiliation of whoever holds it.
with

source as (
    {{ submission_lines('board_seat') }}
),

renamed as (
    select
        record_key as board_seat_id,
        organisation_cvr,
        submission_year,
        cast(payload ->> '$.seat_no' as integer) as seat_no,
        payload ->> '$.role' as board_role,
        payload ->> '$.affiliation_cvr' as affiliation_cvr,
        payload ->> '$.affiliation_type' as affiliation_type,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
