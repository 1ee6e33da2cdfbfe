-- One row per current CVR company document, parsed once into the structure the CVR staging models read.
-- Incremental: a run parses only the document versions landed since the last one (see macros/changed_records.sql).
{{
    config(
        materialized='incremental',
        unique_key='record_key',
        incremental_strategy='delete+insert',
        pre_hook="{{ drop_rows_superseded_since_held('cvr', 'cvr_companies') }}",
    )
}}

with

source as (
    {{ current_records('cvr', 'cvr_companies', not_held_yet=true) }}
),

parsed as (
    select
        record_key,
        batch_id,
        record_hash,
        fetched_at,
        from_json(payload, {{ cvr_document_json_type() }})._source.Vrvirksomhed as company_doc
    from source
)

select * from parsed
