{#-
    JSON structures of the CVR arrays the staging models read, for DuckDB's from_json. Fields not named here are
    not read (they stay in the raw payload).
-#}
{% macro cvr_json_type(name) -%}
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
    '{{ types[name] }}'
{%- endmacro %}
