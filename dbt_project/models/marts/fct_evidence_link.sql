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

    -- One pass over both sides finds both: a link of this run that no open interval holds is opened, an open
    -- interval this run no longer has is closed. A full join builds one hash table where two anti-joins built two
    -- (national, 1.2 million links a side: 0.4-0.6 s against 0.8-1.3 s). A link is matched by what it names, not
    -- by its id: the id, a hash, is then made only for the links opened (new_intervals), not for all 1.2 million
    -- (0.25 s of every national night).
    compared as (
        select
            evidence.cluster_org_id,
            evidence.indicator_id,
            evidence.source_name,
            evidence.record_key,
            evidence.record_hash,
            evidence.batch_id,
            held_open.evidence_interval_id as held_interval_id,
            held_open.evidence_id as held_evidence_id,
            held_open.cluster_org_id as held_cluster_org_id,
            held_open.indicator_id as held_indicator_id,
            held_open.source_name as held_source_name,
            held_open.record_key as held_record_key,
            held_open.record_hash as held_record_hash,
            held_open.batch_id as held_batch_id,
            held_open.first_run_id as held_first_run_id,
            held_open.first_run_seq as held_first_run_seq
        from evidence
        full outer join held_open
            on
                evidence.cluster_org_id = held_open.cluster_org_id
                and evidence.indicator_id = held_open.indicator_id
                and evidence.source_name = held_open.source_name
                and evidence.record_key = held_open.record_key
                and evidence.record_hash = held_open.record_hash
                and evidence.batch_id = held_open.batch_id
        -- each side's columns are never null (the contract), so a null one has no partner
        where evidence.cluster_org_id is null or held_open.cluster_org_id is null
    ),

    opened as (
        select
            compared.cluster_org_id,
            compared.indicator_id,
            compared.source_name,
            compared.record_key,
            compared.record_hash,
            compared.batch_id
        from compared
        where compared.held_cluster_org_id is null
    ),

    closed as (
        select
            compared.held_interval_id as evidence_interval_id,
            compared.held_evidence_id as evidence_id,
            compared.held_cluster_org_id as cluster_org_id,
            compared.held_indicator_id as indicator_id,
            compared.held_source_name as source_name,
            compared.held_record_key as record_key,
            compared.held_record_hash as record_hash,
            compared.held_batch_id as batch_id,
            compared.held_first_run_id as first_run_id,
            compared.held_first_run_seq as first_run_seq,
            (select this_run.run_seq from this_run) - 1 as last_run_seq,
            {{ current_run_id() }} as closed_by_run_id
        from compared
        where compared.cluster_org_id is null
    ),
{% else %}
    opened as (
        select * from evidence
    ),
{% endif %}

-- A link's id: the hash of the organisation, indicator, source and record key it names.
opened_ids as (
    select
        md5(
            opened.cluster_org_id || '|' || opened.indicator_id || '|' || opened.source_name || '|' || opened.record_key
        ) as evidence_id,
        opened.*
    from opened
),

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
    from opened_ids as opened
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
