-- One row per annual report (company and period end), with the XBRL facts the rulebook reads, in DKK.
with

source as (
    {{ current_records('annual_reports', 'annual_reports') }}
),

renamed as (
    select
        record_key as annual_report_id,
        payload ->> '$.cvrNummer' as cvr_number,
        cast(payload ->> '$.regnskab.regnskabsperiode.startDato' as date) as period_start,
        cast(payload ->> '$.regnskab.regnskabsperiode.slutDato' as date) as period_end,
        cast(payload ->> '$.offentliggoerelsesTidspunkt' as timestamptz) as published_at,
        cast(payload ->> '$.facts."fsa:Revenue"' as double) as revenue_dkk,
        cast(payload ->> '$.facts."fsa:ProfitLoss"' as double) as profit_loss_dkk,
        cast(payload ->> '$.facts."fsa:Equity"' as double) as equity_dkk,
        cast(payload ->> '$.facts."fsa:AverageNumberOfEmployees"' as double) as average_employees,
        batch_id,
        record_hash,
        fetched_at
    from source
)

select * from renamed
