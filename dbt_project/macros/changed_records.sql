{#-
    Incremental staging of a national source (CVR: 2.2 million documents). A model keeps one row set per record
    version and records its `batch_id`; a run then reads only the versions landed after the batches it holds (new
    or changed documents: about 1 % a night) and replaces the rows of their key (`delete+insert` on the model's
    unique key). `drop_rows_no_longer_current` (a post-hook) removes the rows of versions that are no longer
    current upstream (a company gone from a full batch, or one whose new version has no roles), so the table always
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
        where candidate.fetched_at > (
            select coalesce(max(landed.fetched_at), '-infinity'::timestamptz)
            from meta.batches as landed
            where landed.batch_id in (select distinct held.batch_id from {{ this }} as held)
        )
    )
    {%- endif %}
{%- endmacro %}

{% macro drop_rows_no_longer_current(upstream) -%}
    delete from {{ this }}
    where record_hash not in (select current_versions.record_hash from {{ upstream }} as current_versions)
{%- endmacro %}
