{#-
    JSON structures of the CVR arrays the staging models read, for DuckDB's from_json. Fields not named here are
    not read (they stay in the raw payload).
-#}
{#- The structure of the whole company document: every array above plus the scalar fields the models read, so a
    document is parsed once. #}
{% macro cvr_document_json_type() -%}
    {%- set fields = ['"cvrNummer": "VARCHAR"', '"enhedsNummer": "BIGINT"', '"stiftelsesDato": "VARCHAR"',
        '"sidstOpdateret": "VARCHAR"'] -%}
    {%- for name, structure in cvr_json_types().items() -%}
        {%- do fields.append('"' ~ name ~ '": ' ~ structure) -%}
    {%- endfor -%}
    '{"_source": {"Vrvirksomhed": { {{- fields | join(", ") -}} }}}'
{%- endmacro %}

{% macro cvr_json_types() -%}
    {%- set periode = '"periode": {"gyldigFra": "DATE", "gyldigTil": "DATE"}' -%}
    {%- set values = '[{"vaerdi": "VARCHAR", ' ~ periode ~ '}]' -%}
    {%- set types = {
        'navne': '[{"navn": "VARCHAR", ' ~ periode ~ '}]',
        'virksomhedsform': '[{"virksomhedsformkode": "INTEGER", "kortBeskrivelse": "VARCHAR", '
            ~ '"langBeskrivelse": "VARCHAR", ' ~ periode ~ '}]',
        'virksomhedsstatus': '[{"status": "VARCHAR", ' ~ periode ~ '}]',
        'hovedbranche': '[{"branchekode": "VARCHAR", "branchetekst": "VARCHAR", ' ~ periode ~ '}]',
        'beliggenhedsadresse': '[{"postnummer": "INTEGER", "postdistrikt": "VARCHAR", "landekode": "VARCHAR", '
            ~ '"kommune": {"kommuneKode": "INTEGER", "kommuneNavn": "VARCHAR"}, ' ~ periode ~ '}]',
        'aarsbeskaeftigelse': '[{"aar": "INTEGER", "antalAnsatte": "INTEGER", "antalAarsvaerk": "INTEGER", '
            ~ '"intervalKodeAntalAnsatte": "VARCHAR"}]',
        'attributter': '[{"type": "VARCHAR", "vaerdier": ' ~ values ~ '}]',
        'virksomhedMetadata': '{"sammensatStatus": "VARCHAR", "stiftelsesDato": "VARCHAR", '
            ~ '"nyesteAarsbeskaeftigelse": {"aar": "INTEGER", "antalAnsatte": "INTEGER", '
            ~ '"intervalKodeAntalAnsatte": "VARCHAR"}}',
        'deltagerRelation': '[{"deltager": {"enhedsNummer": "BIGINT", "enhedstype": "VARCHAR"}, '
            ~ '"organisationer": [{"hovedtype": "VARCHAR", "organisationsNavn": [{"navn": "VARCHAR", ' ~ periode ~ '}], '
            ~ '"medlemsData": [{"attributter": [{"type": "VARCHAR", "vaerdier": ' ~ values ~ '}]}]}]}]',
    } -%}
    {{ return(types) }}
{%- endmacro %}
