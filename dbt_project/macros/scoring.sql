{#- Helpers the scoring models share, so each rule is written once. -#}

{#- The date scores are computed as of: var as_of_date, else CLUSTERSCORE_AS_OF, else today. -#}
{% macro as_of_date() -%}
    {%- set chosen = var('as_of_date', env_var('CLUSTERSCORE_AS_OF', '')) -%}
    {%- if chosen -%} date '{{ chosen }}' {%- else -%} current_date {%- endif -%}
{%- endmacro %}

{#-
    The run the published rows belong to: the Dagster run id (CLUSTERSCORE_RUN_ID, set for each dbt step) when
    Dagster runs dbt, else dbt's invocation id. An environment variable, not a --vars value: changed vars make dbt
    parse the whole project again. And read only when dbt executes, not while it parses: dbt's partial parsing
    re-parses every file that read an environment variable whose value has changed since, which the run id does
    every run (six marts, ~2 s of each refresh's first dbt step).
-#}
{% macro current_run_id() -%}
    {%- if execute -%}
        '{{ env_var("CLUSTERSCORE_RUN_ID", invocation_id) }}'
    {%- else -%}
        'parsing'
    {%- endif -%}
{%- endmacro %}

{% macro rulebook_version() -%}
    '{{ var("rulebook_version") }}'
{%- endmacro %}

{#-
    Size class of a firm from CVR: the employee count when given, else the employment band when it falls
    wholly inside one class (a band such as ANTAL_200_499 that straddles 250 stays unknown).
-#}
{% macro size_class(employees, band) -%}
    case
        when {{ employees }} is not null
            then
                case
                    when {{ employees }} < 10 then 'micro'
                    when {{ employees }} < 50 then 'small'
                    when {{ employees }} < 250 then 'medium'
                    else 'large'
                end
        when {{ band }} is null then null
        when cast(split_part({{ band }}, '_', 3) as integer) < 10 then 'micro'
        when cast(split_part({{ band }}, '_', 2) as integer) >= 10
            and cast(split_part({{ band }}, '_', 3) as integer) < 50 then 'small'
        when cast(split_part({{ band }}, '_', 2) as integer) >= 50
            and cast(split_part({{ band }}, '_', 3) as integer) < 250 then 'medium'
        when cast(split_part({{ band }}, '_', 2) as integer) >= 250 then 'large'
    end
{%- endmacro %}

{#- The highest level an indicator value reaches: gold, silver, bronze or none; null when there is no value. -#}
{% macro level_reached(value, direction, bronze, silver, gold) -%}
    case
        when {{ value }} is null then null
        when {{ direction }} = 'lower_is_better'
            then
                case
                    when {{ value }} <= {{ gold }} then 'gold'
                    when {{ value }} <= {{ silver }} then 'silver'
                    when {{ value }} <= {{ bronze }} then 'bronze'
                    else 'none'
                end
        else
            case
                when {{ value }} >= {{ gold }} then 'gold'
                when {{ value }} >= {{ silver }} then 'silver'
                when {{ value }} >= {{ bronze }} then 'bronze'
                else 'none'
            end
    end
{%- endmacro %}

{#- A percentage that is null, not a division by zero, when the denominator is 0 or null. -#}
{% macro pct(numerator, denominator) -%}
    round(100.0 * ({{ numerator }}) / nullif({{ denominator }}, 0), 2)
{%- endmacro %}
