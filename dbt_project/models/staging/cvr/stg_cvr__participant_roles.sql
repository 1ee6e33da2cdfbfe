-- One row per role period a participant holds in a company (board, management, auditor, ...). Personal names
-- are left behind on purpose: roles are published as roles and counts, never as names.
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

relations as (
    select
        company_doc.cvrNummer as cvr_number,
        batch_id,
        record_hash,
        unnest(company_doc.deltagerRelation) as relation
    from documents
),

organisations as (
    select
        cvr_number,
        batch_id,
        record_hash,
        relation.deltager.enhedsNummer as participant_unit_number,
        relation.deltager.enhedstype as participant_type,
        unnest(relation.organisationer) as organisation
    from relations
),

functions as (
    -- A relation without a FUNKTION attribute (an auditor, say) still holds a role: keep it with no function,
    -- dated by the organisation's own period.
    select
        cvr_number,
        batch_id,
        record_hash,
        participant_unit_number,
        participant_type,
        organisation.hovedtype as role_group,
        unnest(
            coalesce(
                nullif(
                    flatten(
                        list_transform(
                            organisation.medlemsData,
                            lambda member_data: flatten(
                                list_transform(
                                    list_filter(member_data.attributter, lambda attribute: attribute.type = 'FUNKTION'),
                                    lambda attribute: attribute.vaerdier
                                )
                            )
                        )
                    ),
                    []
                ),
                list_transform(
                    organisation.organisationsNavn,
                    lambda org_name: { 'vaerdi': null::varchar, 'periode': org_name.periode }
                )
            )
        ) as role_value
    from organisations
),

renamed as (
    select
        cvr_number,
        participant_unit_number,
        participant_type,
        role_group,
        role_value.vaerdi as role_function,
        role_value.periode.gyldigFra as valid_from,
        role_value.periode.gyldigTil as valid_to,
        role_value.periode.gyldigTil is null as is_current,
        batch_id,
        record_hash
    from functions
),

final as (
    select
        md5(
            concat_ws(
                '|', cvr_number, participant_unit_number, role_group, coalesce(role_function, ''), valid_from
            )
        ) as participant_role_id,
        *
    from renamed
    qualify row_number() over (partition by participant_role_id order by valid_to desc nulls first) = 1
)

select * from final
