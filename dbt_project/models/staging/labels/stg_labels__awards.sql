-- One row per label award on the list of benchmarked and labelled organisations.
with

source as (
    {{ current_records('labels', 'label_awards') }}
),

renamed as (
    select
        record_key as label_award_id,
        payload ->> '$.organisation_name' as organisation_name,
        payload ->> '$.country' as country,
        payload ->> '$.sector' as sector,
        payload ->> '$.website' as website,
        upper(payload ->> '$.label') as label_level,
        cast(payload ->> '$.awarded_on' as date) as awarded_on,
        cast(payload ->> '$.valid_until' as date) as valid_until,
        cast(payload ->> '$.score_pct' as double) as score_pct,
        coalesce(cast(payload ->> '$.synthetic' as boolean), false) as is_synthetic,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
