-- One row per innovation project reported in a submission.
with

source as (
    {{ submission_lines('project') }}
),

renamed as (
    select
        record_key as project_line_id,
        organisation_cvr,
        submission_year,
        payload ->> '$.project_id' as project_id,
        payload ->> '$.title' as project_title,
        json_array_length(payload -> '$.participants') as participant_count,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
