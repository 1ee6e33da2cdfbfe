-- One row per participant of a reported innovation project.
with

source as (
    {{ submission_lines('project') }}
),

participants as (
    select
        record_key as project_line_id,
        organisation_cvr,
        submission_year,
        payload ->> '$.project_id' as project_id,
        batch_id,
        record_hash,
        unnest(
            from_json(
                payload -> '$.participants',
                '[{"participant_cvr": "VARCHAR", "foreign_id": "VARCHAR", "role": "VARCHAR"}]'
            )
        ) as participant,
        generate_subscripts(
            from_json(payload -> '$.participants', '["JSON"]'), 1
        ) as participant_index
    from source
),

renamed as (
    select
        project_line_id || '/participants[' || (participant_index - 1) || ']' as project_participant_id,
        project_line_id,
        organisation_cvr,
        submission_year,
        project_id,
        participant.participant_cvr,
        participant.foreign_id as participant_foreign_id,
        participant.role as participant_role,
        batch_id,
        record_hash
    from participants
)

select * from renamed
