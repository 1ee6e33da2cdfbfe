{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='evidence_interval_id', on_schema_change='fail') }}
-- The evidence links of every run, each stored once for the range of runs it holds for: a run adds the links it
-- has that no earlier run left open, and closes the open ones it no longer has. A night with 1 % of companies
-- changed adds about 1 % of the 1.2 million national links, where one row per run and link added them all, every
-- night, for good. fct_indicator_evidence shows them per run.
with

evidence as (
    select * from {{ ref('int_indicator_evidence') }}
),

this_run as (
    select run_seq from {{ ref('fct_evidence_run') }}
    where run_id = {{ current_run_id() }}
),

{% if is_incremental() %}
    held_open as (
        select * from {{ this }}
        where last_run_seq is null
    ),

    opened as (
        select evidence.*
        from evidence
        anti join held_open
            on
                evidence.evidence_id = held_open.evidence_id
                and evidence.record_hash = held_open.record_hash
                and evidence.batch_id = held_open.batch_id
    ),

    closed as (
        select
            held_open.evidence_interval_id,
            held_open.evidence_id,
            held_open.cluster_org_id,
            held_open.indicator_id,
            held_open.source_name,
            held_open.record_key,
            held_open.record_hash,
            held_open.batch_id,
            held_open.first_run_id,
            held_open.first_run_seq,
            (select this_run.run_seq from this_run) - 1 as last_run_seq,
            {{ current_run_id() }} as closed_by_run_id
        from held_open
        anti join evidence
            on
                held_open.evidence_id = evidence.evidence_id
                and held_open.record_hash = evidence.record_hash
                and held_open.batch_id = evidence.batch_id
    ),
{% else %}
    opened as (
        select * from evidence
    ),
{% endif %}

new_intervals as (
    select
        {{ current_run_id() }} || '/' || opened.evidence_id as evidence_interval_id,
        opened.evidence_id,
        opened.cluster_org_id,
        opened.indicator_id,
        opened.source_name,
        opened.record_key,
        opened.record_hash,
        opened.batch_id,
        {{ current_run_id() }} as first_run_id,
        (select this_run.run_seq from this_run) as first_run_seq,
        cast(null as integer) as last_run_seq,
        cast(null as varchar) as closed_by_run_id
    from opened
),

changed as (
    select * from new_intervals
    {% if is_incremental() -%}
        union all
        select * from closed
    {%- endif %}
),

final as (
    select
        changed.evidence_interval_id,
        changed.evidence_id,
        changed.cluster_org_id,
        changed.indicator_id,
        changed.source_name,
        changed.record_key,
        changed.record_hash,
        changed.batch_id,
        changed.first_run_id,
        changed.first_run_seq,
        changed.last_run_seq,
        changed.closed_by_run_id
    from changed
)

select * from final
