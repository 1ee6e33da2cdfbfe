{#-
    Incremental staging of a national source (CVR: 2.2 million documents). A model keeps one row set per record
    version and records its `batch_id`; a run then reads only the versions landed after the batches it holds (new
    or changed documents: about 1 % a night) and replaces the rows of their key (`delete+insert` on the model's
    unique key). `drop_rows_superseded_since_held` (a pre-hook) first removes the rows of the records superseded
    since (also a company gone from a full batch, or one whose new version has no roles), so the table always
    equals a full rebuild over the current records (tests/test_incremental_staging.py).

    This rests on the warehouse moving forward: a batch's versions are landed at once, later batches are fetched
    later, and a superseded version never becomes current again. `clusterscore reproduce`, which rolls a scratch
    copy back, empties these tables first, so they are built whole there (clusterscore/reproduce.py).
-#}
{#- In `relation` (aliased `alias` in the caller's query): the versions landed after every batch `this` holds.
    The latest such batch is found from the batch ids `this` holds (few, dictionary-encoded) and the landing's own
    record of batches (named directly: it is no input of the model's result), so a night reads neither the hashes
    `this` holds nor the large columns of the rest: national, 0.01 s for the roles' choice of documents against
    0.8 s for an anti-join of their hashes with the 5.9 million held (bench/README.md). Found by row id first, so
    DuckDB reads the large columns (the payload, the parsed document) of the chosen rows only. -#}
{% macro only_versions_not_held(relation, alias) -%}
    {%- if is_incremental() %}
    and {{ alias }}.rowid in (
        select candidate.rowid from {{ relation }} as candidate
        where candidate.fetched_at > ({{ latest_batch_held() }})
    )
    {%- endif %}
{%- endmacro %}

{#- Before a night's rows go in: delete the rows of the records (by the model's unique key, the record key) with a
    version superseded after the latest batch `this` holds (`superseded_at` is the superseding batch's
    `fetched_at`). The night then inserts their current versions' rows; a record gone from a full batch, or whose
    new version has no rows here (a company whose board left), keeps none. National, about 0.1 s a model where
    comparing every held row's hash with the current versions, which this replaced, took 0.3-0.9 s
    (bench/README.md). A full build has nothing to delete. -#}
{% macro drop_rows_superseded_since_held(source_name, table_name) -%}
    {%- if is_incremental() %}
    delete from {{ this }}
    where {{ config.get('unique_key') }} in (
        select superseded.record_key from {{ source(source_name, table_name) }} as superseded
        where superseded.superseded_at > ({{ latest_batch_held() }})
    )
    {%- endif %}
{%- endmacro %}

{#- When the latest batch `this` holds was fetched: from the batch ids it holds (few, dictionary-encoded) and the
    landing's own record of batches (named directly: it is no input of the model's result). -#}
{% macro latest_batch_held() -%}
    select coalesce(max(landed.fetched_at), '-infinity'::timestamptz)
    from meta.batches as landed
    where landed.batch_id in (select distinct held.batch_id from {{ this }} as held)
{%- endmacro %}
