-- One row per member line of a submission: the member as the organisation claims it.
-- A table, where the other staging models of the submissions are views: four scoring models read it (the evidence
-- links three times), and as a view each read parsed the member lines' JSON again (national: 389,000 lines,
-- ~0.5 s a whole read; ~0.4 s of dbt's node time a night; bench/README.md). It is built again only when a new
-- submissions batch lands (clusterscore/dbt_reuse.py), so a night with only CVR changes reads it as stored.
{{ config(materialized='table') }}

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
