{{ config(meta={'dagster': {'ref': {'name': 'int_ads__costs_known'}}}) }}
-- Every staged cost row is either in the figures or listed in quarantine, never both or
-- neither; returns the rows for which that fails.
-- Reads every week on every run: it reconciles every staged cost row with the figures and the
-- quarantine.
with costs as (

    select * from {{ ref('stg_ads__costs') }}

),

known_costs as (

    select * from {{ ref('int_ads__costs_known') }}

),

quarantine as (

    select * from {{ ref('quarantine') }}

),

held_out_costs as (

    select
        source_file,
        source_line
    from quarantine
    where held_out_by = 'dbt' and source = 'ad_costs'

),

placements as (

    select
        costs.source_file,
        costs.source_line,
        count(known_costs.source_line) as times_counted,
        count(held_out_costs.source_line) as times_quarantined
    from costs
    left join known_costs
        on
            costs.source_file = known_costs.source_file
            and costs.source_line = known_costs.source_line
    left join held_out_costs
        on
            costs.source_file = held_out_costs.source_file
            and costs.source_line = held_out_costs.source_line
    group by costs.source_file, costs.source_line

)

select * from placements
where times_counted + times_quarantined <> 1
