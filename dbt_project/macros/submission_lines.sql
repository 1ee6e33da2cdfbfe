{#-
    The current lines of one kind from the organisations' submissions, with the submission they belong to
    (organisation CVR number and year, from the parent key "<cvr>/<year>").
-#}
{% macro submission_lines(record_type) %}
    select
        current_rows.record_key,
        split_part(current_rows.parent_key, '/', 1) as organisation_cvr,
        cast(split_part(current_rows.parent_key, '/', 2) as integer) as submission_year,
        current_rows.payload,
        current_rows.batch_id,
        current_rows.record_hash,
        current_rows.fetched_at
    from ({{ current_records('clusters', 'cluster_submissions') }}) as current_rows
    where current_rows.record_type = '{{ record_type }}'
{% endmacro %}

{#- Rows of a submission-line model that belong to each organisation's latest submission year. -#}
{% macro latest_submission_rows(model_name) %}
    select lines.*
    from {{ ref(model_name) }} as lines
    inner join {{ ref('int_cluster_organisations_scoped') }} as scoped
        on
            lines.organisation_cvr = scoped.cluster_org_id
            and lines.submission_year = scoped.latest_submission_year
{% endmacro %}
