-- One row per company: the current value of each bitemporal array, typed and renamed. The denormalised
-- virksomhedMetadata block is only a fallback, since some documents lack it.
with

source as (
    {{ current_records('cvr', 'cvr_companies') }}
),

documents as (
    select
        batch_id,
        record_key,
        record_hash,
        fetched_at,
        payload -> '$._source.Vrvirksomhed' as company_doc
    from source
),

arrays as (
    select
        batch_id,
        record_hash,
        fetched_at,
        company_doc,
        from_json(company_doc -> '$.navne', {{ cvr_json_type('navne') }}) as name_items,
        from_json(company_doc -> '$.virksomhedsform', {{ cvr_json_type('virksomhedsform') }}) as legal_forms,
        from_json(company_doc -> '$.virksomhedsstatus', {{ cvr_json_type('virksomhedsstatus') }}) as statuses,
        from_json(company_doc -> '$.hovedbranche', {{ cvr_json_type('hovedbranche') }}) as industries,
        from_json(company_doc -> '$.beliggenhedsadresse', {{ cvr_json_type('beliggenhedsadresse') }}) as addresses,
        from_json(company_doc -> '$.aarsbeskaeftigelse', {{ cvr_json_type('aarsbeskaeftigelse') }}) as employment,
        list_filter(
            from_json(company_doc -> '$.attributter', {{ cvr_json_type('attributter') }}),
            lambda attribute: attribute.type = 'REVISION_FRAVALGT'
        ) as audit_waiver_attributes,
        from_json(company_doc -> '$.virksomhedMetadata', {{ cvr_json_type('virksomhedMetadata') }}) as metadata
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
        company_doc ->> '$.cvrNummer' as cvr_number,
        cast(company_doc ->> '$.enhedsNummer' as bigint) as unit_number,
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
        try_cast(coalesce(company_doc ->> '$.stiftelsesDato', metadata.stiftelsesDato) as date) as founded_on,
        coalesce(latest_employment.aar, metadata.nyesteAarsbeskaeftigelse.aar) as employment_year,
        coalesce(latest_employment.antalAnsatte, metadata.nyesteAarsbeskaeftigelse.antalAnsatte) as employees,
        coalesce(
            latest_employment.intervalKodeAntalAnsatte, metadata.nyesteAarsbeskaeftigelse.intervalKodeAntalAnsatte
        ) as employment_band,
        try_cast(audit_waiver.vaerdi as boolean) as is_audit_waived,
        metadata is not null as has_metadata_block,
        cast(company_doc ->> '$.sidstOpdateret' as timestamptz) as registry_updated_at,
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
