-- One row per company: the current value of each bitemporal array, typed and renamed. The denormalised
-- virksomhedMetadata block is only a fallback, since some documents lack it. Incremental over the parsed
-- documents (macros/changed_records.sql): a night rebuilds only the companies whose document changed.
{{
    config(
        materialized='incremental',
        unique_key='cvr_number',
        incremental_strategy='delete+insert',
        pre_hook="{{ drop_rows_superseded_since_held('cvr', 'cvr_companies') }}",
    )
}}

-- depends_on: {{ source('cvr', 'cvr_companies') }}  (the pre-hook reads which versions were superseded)

with

documents as (
    select * from {{ ref('base_cvr__company_documents') }} as base_documents
    where true {{ only_versions_not_held(ref('base_cvr__company_documents'), 'base_documents') }}
),

arrays as (
    select
        batch_id,
        record_hash,
        fetched_at,
        company_doc,
        company_doc.navne as name_items,
        company_doc.virksomhedsform as legal_forms,
        company_doc.virksomhedsstatus as statuses,
        company_doc.hovedbranche as industries,
        company_doc.beliggenhedsadresse as addresses,
        company_doc.aarsbeskaeftigelse as employment,
        list_filter(
            company_doc.attributter, lambda attribute: attribute.type = 'REVISION_FRAVALGT'
        ) as audit_waiver_attributes,
        company_doc.virksomhedMetadata as metadata
    from documents
),

current_values as (
    select
        *,
        {{ current_item('name_items') }} as current_name,
        {{ current_item('legal_forms') }} as current_legal_form,
        {{ current_item('statuses') }} as current_status,
        {{ current_item('industries') }} as current_industry,
        {{ current_item('addresses') }} as current_address,
        list_sort(
            list_transform(employment, lambda employment_year: { 'year': employment_year.aar, 'item': employment_year }),
            'DESC'
        )[1].item as latest_employment,
        {{ current_item('audit_waiver_attributes[1].vaerdier') }} as audit_waiver
    from arrays
),

renamed as (
    select
        company_doc.cvrNummer as cvr_number,
        company_doc.enhedsNummer as unit_number,
        current_name.navn as company_name,
        current_legal_form.virksomhedsformkode as legal_form_code,
        current_legal_form.langBeskrivelse as legal_form_name,
        upper(coalesce(current_status.status, metadata.sammensatStatus)) as company_status,
        current_status.periode.gyldigFra as status_since,
        current_industry.branchekode as industry_code,
        current_industry.branchetekst as industry_text,
        current_address.kommune.kommuneKode as municipality_code,
        current_address.postnummer as postcode,
        coalesce(current_address.landekode, 'DK') as country_code,
        try_cast(coalesce(company_doc.stiftelsesDato, metadata.stiftelsesDato) as date) as founded_on,
        coalesce(latest_employment.aar, metadata.nyesteAarsbeskaeftigelse.aar) as employment_year,
        coalesce(latest_employment.antalAnsatte, metadata.nyesteAarsbeskaeftigelse.antalAnsatte) as employees,
        coalesce(
            latest_employment.intervalKodeAntalAnsatte, metadata.nyesteAarsbeskaeftigelse.intervalKodeAntalAnsatte
        ) as employment_band,
        try_cast(audit_waiver.vaerdi as boolean) as is_audit_waived,
        metadata is not null as has_metadata_block,
        cast(company_doc.sidstOpdateret as timestamptz) as registry_updated_at,
        batch_id,
        record_hash,
        fetched_at
    from current_values
),

final as (
    select
        *,
        company_status in ('NORMAL', 'AKTIV') as is_active
    from renamed
)

select * from final
